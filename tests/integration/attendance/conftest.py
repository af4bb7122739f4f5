"""Fixtures of the attendance board: a meeting with sites made through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import meeting_json
from tests.helpers import api_token, login, make_user


@dataclass(frozen=True)
class BoardSite:
    id: int
    token: str
    name: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_meeting(client: Any, headers: dict[str, str], **overrides: Any) -> int:
    response = client.post("/api/v1/meetings", json=meeting_json(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add_site(
    client: Any, headers: dict[str, str], meeting_id: int, name: str, role: str = "remote", expected: int | None = None
) -> BoardSite:
    body: dict[str, Any] = {"name": name, "role": role}
    if expected is not None:
        body["expected_delegates"] = expected
    response = client.post(f"/api/v1/meetings/{meeting_id}/sites", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data = response.json()
    return BoardSite(id=data["id"], token=data["token"], name=name)


def answer(client: Any, site: BoardSite, attending: bool, delegates: list[dict[str, Any]] | None = None, reason: str = "") -> Any:
    """The site answers through its own portal API, as a site contact would."""
    body: dict[str, Any] = {"attending": attending, "delegates": delegates or []}
    if reason:
        body["reason"] = reason
    response = client.put("/api/v1/portal/response", json=body, headers=site.bearer)
    assert response.status_code == 200, response.text
    return response


def person(full_name: str, position: str = "Chuyên viên", organization: str | None = None) -> dict[str, Any]:
    return {"full_name": full_name, "position": position, "organization": organization}


@dataclass(frozen=True)
class Board:
    meeting_id: int
    host: BoardSite
    quy_nhon: BoardSite
    an_nhon: BoardSite
    tuy_phuoc: BoardSite

    @property
    def url(self) -> str:
        return f"/meetings/{self.meeting_id}/attendance"


@pytest.fixture
def board(client: Any, admin_api: dict[str, str]) -> Board:
    """A host hall and three districts: one attending with two delegates, one declining, one silent."""
    meeting_id = create_meeting(client, admin_api)
    host = add_site(client, admin_api, meeting_id, "Hội trường UBND tỉnh", role="host", expected=5)
    quy_nhon = add_site(client, admin_api, meeting_id, "UBND thành phố Quy Nhơn", expected=3)
    an_nhon = add_site(client, admin_api, meeting_id, "UBND thị xã An Nhơn", expected=2)
    tuy_phuoc = add_site(client, admin_api, meeting_id, "UBND huyện Tuy Phước")
    answer(client, quy_nhon, True, [person("Đặng Văn Tâm", "Chủ tịch"), person("Nguyễn Thị Hồng", "Chánh Văn phòng")])
    answer(client, an_nhon, False, reason="Trùng lịch tiếp công dân")
    return Board(meeting_id, host, quy_nhon, an_nhon, tuy_phuoc)


@pytest.fixture
def viewer_client(client: Any, db: Any) -> Any:
    make_user(db, "xemthoi", "viewer")
    login(client, "xemthoi")
    return client


@pytest.fixture
def viewer_api(client: Any, db: Any) -> dict[str, str]:
    make_user(db, "xemapi", "viewer")
    return api_token(client, "xemapi")


@pytest.fixture
def published(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Live events the app publishes, as (channel, event, data)."""
    from litestar.channels import ChannelsPlugin

    from confmgr.live.events import decode

    sent: list[tuple[str, str, str]] = []
    plugin = app.plugins.get(ChannelsPlugin)
    original = plugin.publish

    def record(data: bytes, channels: Any) -> None:
        event, payload = decode(data)
        for channel in [channels] if isinstance(channels, str) else channels:
            sent.append((channel, event, payload))
        original(data, channels)

    monkeypatch.setattr(plugin, "publish", record)
    return sent
