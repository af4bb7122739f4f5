"""Fixtures of the agenda tests: a meeting with sites, built through the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import meeting_json

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class World:
    """A meeting (and optionally a second one) with two sites each."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def meeting(self, **overrides: Any) -> int:
        response = self.client.post("/api/v1/meetings", json=meeting_json(**overrides), headers=self.headers)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def site(self, meeting_id: int, name: str) -> tuple[int, str]:
        response = self.client.post(
            f"/api/v1/meetings/{meeting_id}/sites", json={"name": name, "role": "remote"}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return int(body["id"]), str(body["token"])

    def item(self, meeting_id: int, title: str, kind: str = "other", **extra: Any) -> int:
        response = self.client.post(
            f"/api/v1/meetings/{meeting_id}/agenda", json={"title": title, "kind": kind, **extra}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def start_meeting(self, meeting_id: int) -> None:
        response = self.client.post(f"/api/v1/meetings/{meeting_id}/start", headers=self.headers)
        assert response.status_code == 200, response.text


@pytest.fixture
def world(client: Any, admin_api: dict[str, str]) -> World:
    return World(client, admin_api)


def uploaded_files(settings: Any) -> list[str]:
    """Every file in the uploads folder (temporary ones included)."""
    folder = settings.uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
