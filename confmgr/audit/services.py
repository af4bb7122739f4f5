"""Recording changes in the audit log; every service that changes data calls :func:`record`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_admin
from confmgr.audit.models import AuditEntry
from confmgr.meetings.access import get_meeting
from confmgr.meetings.models import Meeting
from confmgr.sites.models import Site


@dataclass(frozen=True)
class Actor:
    """Who acted, where no model object is at hand (a write job reads plain rows)."""

    kind: str  # user, site, system
    id: int | None
    label: str


def _identity(actor: Any) -> tuple[str, int | None, str]:
    if isinstance(actor, Actor):
        return actor.kind, actor.id, actor.label
    if isinstance(actor, User):
        return "user", actor.id, actor.username
    if isinstance(actor, Site):
        user = actor.acting_user
        if isinstance(user, User):
            # A secretariat user working through a site's link acts as themselves.
            return "user", user.id, f"{user.username} / {actor.name}"
        return "site", actor.id, actor.name
    return "system", None, "system"


def actor_of(actor: Any) -> Actor:
    """The plain identity of a user, site or system, to take along where the model
    object cannot go (another thread)."""
    return Actor(*_identity(actor))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def changed(old: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the ``values`` that differ from ``old``."""
    return {name: [_plain(old[name]), _plain(new)] for name, new in values.items() if old[name] != new}


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on ``obj``; return ``{field: [old, new]}`` for those that changed."""
    changes = changed({name: getattr(obj, name) for name in values}, values)
    for name in changes:
        setattr(obj, name, values[name])
    return changes


def entry_values(
    actor: Any,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    meeting_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry, for :func:`record` or a Core insert."""
    kind, actor_id, label = _identity(actor)
    return {
        "actor_kind": kind, "actor_id": actor_id, "actor_label": label, "meeting_id": meeting_id,
        "action": action, "entity": entity, "entity_id": entity_id, "changes": _plain(changes or {}),
    }


def record(
    db: AsyncSession,
    actor: Any,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    meeting_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(**entry_values(actor, action, entity, entity_id, meeting_id=meeting_id, changes=changes))
    db.add(entry)
    return entry


async def entries_for_meeting(db: AsyncSession, meeting_id: int, limit: int = 500) -> list[AuditEntry]:
    rows = await db.scalars(
        select(AuditEntry)
        .where(AuditEntry.meeting_id == meeting_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(rows)


async def meeting_log(db: AsyncSession, actor: Any, meeting_id: int, limit: int = 500) -> tuple[Meeting, list[AuditEntry]]:
    """A meeting's change log, newest first: administrators only."""
    require_admin(actor)
    meeting = await get_meeting(db, actor, meeting_id)
    return meeting, await entries_for_meeting(db, meeting.id, limit)
