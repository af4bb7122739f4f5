"""Fixtures of the site portal: a meeting made through the API, its sites and their links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.channels import ChannelsPlugin

from confmgr.timeutil import VN_TZ
from tests.factories import meeting_json


@dataclass(frozen=True)
class PortalSite:
    id: int
    token: str
    meeting_id: int
    name: str

    @property
    def url(self) -> str:
        return f"/s/{self.token}"

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_meeting(client: Any, headers: dict[str, str], **overrides: Any) -> int:
    response = client.post("/api/v1/meetings", json=meeting_json(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add_site(client: Any, headers: dict[str, str], meeting_id: int, name: str) -> PortalSite:
    response = client.post(f"/api/v1/meetings/{meeting_id}/sites", json={"name": name, "role": "remote"}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["access_url"].endswith("/s/" + body["token"])
    return PortalSite(id=body["id"], token=body["token"], meeting_id=meeting_id, name=name)


def set_deadline(client: Any, headers: dict[str, str], meeting_id: int, when: datetime) -> None:
    response = client.patch(f"/api/v1/meetings/{meeting_id}", json={"response_deadline": when.isoformat()}, headers=headers)
    assert response.status_code == 200, response.text


def past(hours: int = 1) -> datetime:
    return datetime.now(VN_TZ) - timedelta(hours=hours)


@pytest.fixture
def meeting_id(client: Any, admin_api: dict[str, str]) -> int:
    return create_meeting(client, admin_api)


@pytest.fixture
def site(client: Any, admin_api: dict[str, str], meeting_id: int) -> PortalSite:
    return add_site(client, admin_api, meeting_id, "UBND xã Tuy Phước")


@pytest.fixture
def other_site(client: Any, admin_api: dict[str, str], meeting_id: int) -> PortalSite:
    return add_site(client, admin_api, meeting_id, "UBND phường Quy Nhơn Nam")


@pytest.fixture
def site_state(db: Any) -> Any:
    """``site_state(site_id)``: what the database holds about a site's answers."""

    def read(site_id: int) -> dict[str, Any]:
        async def fetch(session: Any) -> dict[str, Any]:
            from sqlalchemy import func, select

            from confmgr.audit.models import AuditEntry
            from confmgr.sites.models import AttendanceEvent, Delegate, Site

            row = await session.get(Site, site_id)
            names = list(await session.scalars(select(Delegate.full_name).where(Delegate.site_id == site_id).order_by(Delegate.sort_order)))
            events = await session.scalar(select(func.count(AttendanceEvent.id)).where(AttendanceEvent.site_id == site_id))
            audits = list(
                await session.execute(
                    select(AuditEntry.actor_kind, AuditEntry.actor_id, AuditEntry.action)
                    .where(AuditEntry.entity == "site", AuditEntry.entity_id == site_id, AuditEntry.action != "create")
                    .order_by(AuditEntry.id)
                )
            )
            return {
                "response": row.response,
                "reason": row.reason,
                "responded_at": row.responded_at,
                "delegates": names,
                "technical_check": row.technical_check,
                "technical_note": row.technical_note,
                "events": int(events or 0),
                "audit": [tuple(a) for a in audits],
            }

        return db(fetch)

    return read


@pytest.fixture
def add_document(db: Any, settings: Any) -> Any:
    """``add_document(meeting_id, title, content, published=True)`` -> document id, with its bytes on disk."""

    def create(meeting_id: int, title: str, content: bytes, *, published: bool = True, name: str = "tai-lieu.pdf") -> int:
        async def insert(session: Any) -> int:
            from confmgr.agenda.models import MeetingMaterial
            from confmgr.files.models import StoredFile

            key = secrets.token_hex(16)
            settings.uploads_dir.mkdir(parents=True, exist_ok=True)
            (settings.uploads_dir / key).write_bytes(content)
            stored = StoredFile(
                meeting_id=meeting_id, storage_key=key, original_name=name, content_type="application/pdf",
                size=len(content), sha256=hashlib.sha256(content).hexdigest(),
            )
            session.add(stored)
            await session.flush()
            doc = MeetingMaterial(meeting_id=meeting_id, file_id=stored.id, title=title, published=published)
            session.add(doc)
            await session.flush()
            return int(doc.id)

        return int(db(insert))

    return create


@pytest.fixture
def published(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Live events the app publishes, as (channel, event, data)."""
    from confmgr.live.events import decode

    sent: list[tuple[str, str, str]] = []
    plugin = app.plugins.get(ChannelsPlugin)

    def record(data: bytes, channels: Any) -> None:
        event, payload = decode(data)
        for channel in [channels] if isinstance(channels, str) else channels:
            sent.append((channel, event, payload))

    monkeypatch.setattr(plugin, "publish", record)
    return sent
