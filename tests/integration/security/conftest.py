"""Fixtures of the hardening tests: a meeting with two sites and their links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import meeting_json


@dataclass(frozen=True)
class LinkedSite:
    id: int
    token: str
    meeting_id: int

    @property
    def url(self) -> str:
        return f"/s/{self.token}"


def create_meeting(client: Any, headers: dict[str, str], **overrides: Any) -> int:
    answer = client.post("/api/v1/meetings", json=meeting_json(**overrides), headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def add_site(client: Any, headers: dict[str, str], meeting_id: int, name: str, email: str = "") -> LinkedSite:
    body: dict[str, Any] = {"name": name, "role": "remote"}
    if email:
        body["contact"] = {"full_name": "Nguyễn Văn An", "phone": "", "email": email}
    answer = client.post(f"/api/v1/meetings/{meeting_id}/sites", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    return LinkedSite(id=data["id"], token=data["token"], meeting_id=meeting_id)


@pytest.fixture
def meeting_id(client: Any, admin_api: dict[str, str]) -> int:
    return create_meeting(client, admin_api)


@pytest.fixture
def site(client: Any, admin_api: dict[str, str], meeting_id: int) -> LinkedSite:
    return add_site(client, admin_api, meeting_id, "UBND xã Hòa Vang")
