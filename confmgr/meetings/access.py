"""Reaching a meeting: the one way every feature loads a meeting for an actor, and the
rule that an issued record no longer changes.

This module sits below every feature's services (sites, agenda, attendance,
documents, ...): it imports only the meeting model, permissions and errors, so any
service may import it without a cycle.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_user
from confmgr.errors import Conflict, NotFound
from confmgr.meetings.models import Meeting


async def get_meeting(db: AsyncSession, actor: Any, meeting_id: int) -> Meeting:
    """The meeting, for any signed-in user; "not found" when there is none."""
    require_user(actor)
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("No such meeting.")
    return meeting


def ensure_editable(meeting: Meeting) -> None:
    """Refuse a change to a meeting whose documents are issued (or which is archived)."""
    if not meeting.record_open:
        raise Conflict("This meeting's documents are issued; its record can no longer change.")
