"""A meeting's status, and everything that must change with it: one service.

Status moves draft → invited → in progress → ended → documents issued → archived.
:data:`TRANSITIONS` is the only place that says which step may follow which and
what each step changes; every entry point (the meeting page, the console, the API,
invitations, issuing) goes through :func:`change_status`.

What must commit together with the new status is done here, in the caller's
transaction: the audit entry, the start/end time, and, when the meeting ends, the
item under way ending with it (``actual_ended_at``) and the live state cleared
(``current_item``, the speaker, the floor). What may only happen once that
transaction has committed (telling every connected site and the console) is a
domain event, :data:`confmgr.events.MEETING_STATUS_CHANGED`, handled by a Litestar
listener (:func:`confmgr.agenda.live.announce_status_change`): listeners run after
the answer, outside the request's transaction, so they can never be rolled back
with it, nor announce a change that was.

To add a step (e.g. reopening an ended meeting), add one :class:`Transition`:
its statuses, the time field it stamps, and, if it has them, a ``check`` that may
refuse it and an ``effect`` for what else changes in the same transaction.

This module sits above the agenda's services (it closes the live item), so
``confmgr.agenda`` must not import it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr import events
from confmgr.accounts.permissions import require_admin, require_editor
from confmgr.agenda.services import close_live_state
from confmgr.audit.services import apply_changes, record
from confmgr.documents.models import IssuedDocument
from confmgr.errors import Conflict, InvalidInput
from confmgr.i18n import N_
from confmgr.meetings.access import get_meeting
from confmgr.meetings.models import Meeting, MeetingStatus
from confmgr.sites.services import count_sites
from confmgr.timeutil import aware, now

S = MeetingStatus

# A step's hook: (session, meeting, moment) -> the changes it made ({field: [old, new]}).
Hook = Callable[[AsyncSession, Meeting, datetime], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Transition:
    """One step: from which statuses, to which, and what else it does."""

    sources: frozenset[MeetingStatus]
    target: MeetingStatus
    # The meeting's time field set to the step's moment (a past time may be recorded).
    stamp: str | None = None
    # Refuses the step (raises a DomainError) before anything changes.
    check: Hook | None = None
    # What else changes with the status, in the same transaction.
    effect: Hook | None = None
    # Offered as a button on the meeting's page (issuing has its own page).
    offered: bool = True
    # Only an administrator may take it (undoing a step others rely on).
    admin_only: bool = False


async def _has_sites(db: AsyncSession, meeting: Meeting, moment: datetime) -> dict[str, Any]:
    if await count_sites(db, meeting.id) == 0:
        raise Conflict("Add at least one site before sending invitations.")
    return {}


async def _not_before_start(db: AsyncSession, meeting: Meeting, moment: datetime) -> dict[str, Any]:
    if meeting.actual_started_at and moment < meeting.actual_started_at:
        raise InvalidInput("The meeting cannot end before it started.", field_errors={"at": N_("Before the start time.")})
    return {}


async def _close_live_item(db: AsyncSession, meeting: Meeting, moment: datetime) -> dict[str, Any]:
    """Ending the meeting ends the item under way; nobody keeps the floor."""
    item_id = meeting.current_agenda_item_id
    await close_live_state(db, meeting, moment)
    return {"current_agenda_item_id": [item_id, None]} if item_id else {}


async def any_issued(db: AsyncSession, meeting_id: int) -> bool:
    """Whether a document was issued from the meeting's record (the minutes alone leave it 'ended')."""
    return bool(await db.scalar(select(func.count()).select_from(IssuedDocument).where(IssuedDocument.meeting_id == meeting_id)))


async def _nothing_issued(db: AsyncSession, meeting: Meeting, moment: datetime) -> dict[str, Any]:
    """An ended meeting may be reopened until a document is issued from its record."""
    if await any_issued(db, meeting.id):
        raise Conflict("Documents were issued from this meeting's record; it can no longer be reopened.")
    return {}


async def _clear_end(db: AsyncSession, meeting: Meeting, moment: datetime) -> dict[str, Any]:
    """Reopened: the meeting is under way again, so it has not ended (the log keeps when it did)."""
    return apply_changes(meeting, {"actual_ended_at": None})


TRANSITIONS: dict[str, Transition] = {
    "invite": Transition(frozenset({S.DRAFT}), S.INVITED, check=_has_sites),
    "start": Transition(frozenset({S.DRAFT, S.INVITED}), S.IN_PROGRESS, stamp="actual_started_at"),
    "end": Transition(
        frozenset({S.IN_PROGRESS}), S.ENDED, stamp="actual_ended_at", check=_not_before_start, effect=_close_live_item
    ),
    "issue_documents": Transition(frozenset({S.ENDED}), S.DOCUMENTS_ISSUED, offered=False),
    "archive": Transition(frozenset({S.ENDED, S.DOCUMENTS_ISSUED}), S.ARCHIVED),
    # An accidental end is undone by an administrator, audited, until documents are issued.
    "reopen": Transition(frozenset({S.ENDED}), S.IN_PROGRESS, check=_nothing_issued, effect=_clear_end, admin_only=True),
}


# Steps refused once a document is issued (their check would refuse them): not offered then.
REFUSED_ONCE_ISSUED = frozenset({"reopen"})


def available_actions(meeting: Meeting, issued: bool = False) -> list[str]:
    """The steps the meeting's status allows now, for the page to offer; ``issued``: a
    document was issued from its record (see :func:`offered_actions`)."""
    return [
        action for action, step in TRANSITIONS.items()
        if step.offered and meeting.status in {s.value for s in step.sources}
        and not (issued and action in REFUSED_ONCE_ISSUED)
    ]


async def offered_actions(db: AsyncSession, meeting: Meeting) -> list[str]:
    """:func:`available_actions`, knowing whether a document was issued: what pages offer."""
    issued = meeting.status == S.ENDED.value and await any_issued(db, meeting.id)
    return available_actions(meeting, issued)


async def change_status(
    db: AsyncSession, actor: Any, meeting_id: int, action: str, at: datetime | None = None
) -> Meeting:
    """Take the step ``action`` (at ``at``, or now), with everything that goes with it."""
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    step = TRANSITIONS.get(action)
    if step is None:
        raise InvalidInput("Unknown step.")
    if step.admin_only:
        require_admin(user)
    if meeting.status not in {s.value for s in step.sources}:
        raise Conflict(
            "This step is not possible in the meeting's current status.",
            extra={"status": meeting.status, "action": action},
        )
    moment = aware(at) if at else now()
    if moment > now() + timedelta(minutes=5):
        raise InvalidInput("A time in the future cannot be recorded.", field_errors={"at": N_("Not in the future.")})
    if step.check:
        await step.check(db, meeting, moment)
    changes: dict[str, Any] = {}
    if step.stamp:
        changes.update(apply_changes(meeting, {step.stamp: moment}))
    if step.effect:
        changes.update(await step.effect(db, meeting, moment))
    changes.update(apply_changes(meeting, {"status": step.target.value}))
    meeting.revision += 1
    record(db, user, action, "meeting", meeting.id, meeting_id=meeting.id, changes=changes)
    events.queue(db, events.MEETING_STATUS_CHANGED, meeting_id=meeting.id, action=action, status=meeting.status)
    return meeting
