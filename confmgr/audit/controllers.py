"""The audit log of a meeting, for administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.audit.display import readable_log
from confmgr.audit.services import meeting_log
from confmgr.web.render import page


class AuditEntryOut(msgspec.Struct):
    id: int
    at: datetime
    actor_kind: str
    actor_label: str
    action: str
    entity: str
    entity_id: int | None
    changes: dict[str, Any]


class AuditPages(Controller):
    include_in_schema = False

    @get("/meetings/{meeting_id:int}/audit")
    async def meeting_log(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        meeting, entries = await meeting_log(db_session, actor, meeting_id)
        return page("audit/meeting.html", meeting=meeting, rows=await readable_log(db_session, entries, meeting_id))


class AuditApi(Controller):
    tags = ["audit"]

    @get("/api/v1/meetings/{meeting_id:int}/audit")
    async def meeting_log(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[AuditEntryOut]:
        """Every recorded change of the meeting, newest first (administrators only)."""
        _meeting, entries = await meeting_log(db_session, actor, meeting_id)
        return [
            AuditEntryOut(
                id=e.id, at=e.created_at, actor_kind=e.actor_kind, actor_label=e.actor_label,
                action=e.action, entity=e.entity, entity_id=e.entity_id, changes=e.changes,
            )
            for e in entries
        ]


ROUTES = [AuditPages, AuditApi]
