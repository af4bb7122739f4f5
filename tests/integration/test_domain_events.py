"""Domain events outside a request: delivered after their session's commit where a
listener can hear them, refused at once where none can (never silently lost)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from confmgr import events
from confmgr.cli_support import session_scope
from confmgr.db import create_engine
from confmgr.meetings.models import Meeting
from confmgr.meetings.status import change_status
from confmgr.settings import DatabaseSettings, Settings
from confmgr.writes import GroupWriter, Job
from tests.factories import meeting_json


def _meeting_with_a_site(client: Any, headers: dict[str, str]) -> int:
    meeting_id = int(client.post("/api/v1/meetings", json=meeting_json(), headers=headers).json()["id"])
    site = client.post(f"/api/v1/meetings/{meeting_id}/sites", json={"name": "UBND huyện Tuy Phước"}, headers=headers)
    assert site.status_code == 201, site.text
    return meeting_id


def test_the_command_line_refuses_an_event_nobody_would_hear(settings: Settings) -> None:
    async def scenario() -> None:
        async with session_scope(settings) as db:
            events.queue(db, events.MEETING_STATUS_CHANGED, meeting_id=1, action="start", status="in_progress")

    with pytest.raises(events.Undeliverable, match="no delivery"):
        asyncio.run(scenario())


def test_a_status_change_from_the_command_line_is_refused_and_changes_nothing(
    client: Any, admin_api: dict[str, str], db: Any, admin: int
) -> None:
    """The service raises the event; without a delivery the whole change rolls back."""
    from confmgr.accounts.models import User

    meeting_id = _meeting_with_a_site(client, admin_api)

    async def invite(session: Any) -> None:
        await change_status(session, await session.get(User, admin), meeting_id, "invite")

    with pytest.raises(events.Undeliverable):
        db(invite)
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=admin_api).json()["status"] == "draft"


def test_a_given_delivery_hears_the_event_after_the_commit_only(
    client: Any, admin_api: dict[str, str], settings: Settings, admin: int
) -> None:
    from confmgr.accounts.models import User

    meeting_id = _meeting_with_a_site(client, admin_api)
    heard: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, Any] = {}

    def deliver(event_id: str, data: dict[str, Any]) -> None:
        heard.append((event_id, data))

    async def scenario() -> None:
        try:
            async with session_scope(settings, delivery=deliver) as db:
                await change_status(db, await db.get(User, admin), meeting_id, "invite")
                raise RuntimeError("changed my mind")
        except RuntimeError:
            pass
        seen["after rollback"] = list(heard)
        async with session_scope(settings, delivery=deliver) as db:
            await change_status(db, await db.get(User, admin), meeting_id, "invite")
            await db.flush()
            seen["before commit"] = list(heard)
            seen["stored"] = (await db.get(Meeting, meeting_id)).status  # type: ignore[union-attr]

    asyncio.run(scenario())
    assert seen == {"after rollback": [], "before commit": [], "stored": "invited"}
    assert heard == [(events.MEETING_STATUS_CHANGED, {"meeting_id": meeting_id, "action": "invite", "status": "invited"})]


def test_a_grouped_write_cannot_queue_an_event(tmp_path: Path) -> None:
    """A batch function has a connection, not a session: the caller gets the refusal."""

    def write(job: Job, items: list[int]) -> list[int | Exception]:
        job.connection.execute(text("INSERT INTO t VALUES (1)"))
        events.queue(job.connection, events.MEETING_STATUS_CHANGED, meeting_id=1)  # type: ignore[arg-type]
        return items

    async def scenario() -> None:
        engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'g.sqlite3'}"))
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        writer = GroupWriter(engine, None, lambda _events: None)
        try:
            with pytest.raises(events.Undeliverable, match="not on Connection"):
                await writer.run(write, 1)
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT COUNT(*) FROM t"))).scalar_one() == 0
        finally:
            await writer.close()
            await engine.dispose()

    asyncio.run(scenario())
