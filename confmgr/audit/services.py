"""Recording changes in the audit log; every service that changes data calls :func:`record`."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.audit.models import AuditEntry


def _identity(actor: Any) -> tuple[str, int | None, str]:
    # Imported here to keep audit free of import cycles with the features it serves.
    from confmgr.accounts.models import User
    from confmgr.sites.models import Site

    if isinstance(actor, User):
        return "user", actor.id, actor.username
    if isinstance(actor, Site):
        return "site", actor.id, actor.name
    return "system", None, "system"


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


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on ``obj``; return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changes


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
    kind, actor_id, label = _identity(actor)
    entry = AuditEntry(
        actor_kind=kind,
        actor_id=actor_id,
        actor_label=label,
        meeting_id=meeting_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=_plain(changes or {}),
    )
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
