"""The site portal (trang của điểm cầu): what a site sees through its link, and its answers.

The acting party is the site itself (its link is the key), except in
:func:`set_site_response`, where the secretariat answers for a site, also after
the deadline. Every change writes the audit log and tells the attendance board.

3,321 sites may answer in the same minute, so an answer is a handful of statements:
the site row, one DELETE and one INSERT for the delegates, one attendance event and
one audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from confmgr.accounts.permissions import require_editor
from confmgr.agenda.models import AgendaItem, MeetingDocument
from confmgr.audit.services import apply_changes, record
from confmgr.documents.models import IssuedDocument
from confmgr.documents.services import issued_of
from confmgr.errors import Conflict, InvalidInput, NotFound
from confmgr.files.models import StoredFile
from confmgr.i18n import N_
from confmgr.live.events import board_channel, emit, site_channel
from confmgr.meetings.models import Meeting, MeetingStatus
from confmgr.portal.schemas import AttendanceInput
from confmgr.schemas import person_errors
from confmgr.sites.models import AttendanceEvent, Delegate, Response, Site, TechnicalCheck
from confmgr.text import clean_text, search_key
from confmgr.timeutil import aware
from confmgr.timeutil import now as utc_now

MAX_DELEGATES = 50
MAX_REASON_CHARS = 2000
MAX_NOTE_CHARS = 2000
# Once the documents are out, the record they were made from stays as it was.
READ_ONLY_STATUSES = frozenset({MeetingStatus.DOCUMENTS_ISSUED.value, MeetingStatus.ARCHIVED.value})

DEADLINE_PASSED = N_(
    "The deadline to answer has passed; the answer can no longer be changed here. Please contact the secretariat."
)
MEETING_CLOSED = N_("This meeting's documents are issued; nothing can be changed any more.")


@dataclass(frozen=True)
class PortalDocument:
    """A meeting document a site may download (tài liệu hội nghị)."""

    id: int
    title: str
    file_name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PortalView:
    site: Site
    meeting: Meeting
    agenda: list[AgendaItem]
    documents: list[PortalDocument]
    # Issued minutes and conclusions notices (the documents feature serves their bytes).
    issued: list[IssuedDocument]
    # English message ids, or None while the site may still change them.
    answer_closed: str | None
    check_closed: str | None

    @property
    def can_answer(self) -> bool:
        return self.answer_closed is None

    @property
    def can_check(self) -> bool:
        return self.check_closed is None


def answer_closed_reason(meeting: Meeting, now: datetime | None = None) -> str | None:
    """Why a site may no longer change its answer, or None."""
    if meeting.status in READ_ONLY_STATUSES:
        return MEETING_CLOSED
    moment = aware(now) if now else utc_now()
    if meeting.response_deadline is not None and moment >= aware(meeting.response_deadline):
        return DEADLINE_PASSED
    return None


def check_closed_reason(meeting: Meeting) -> str | None:
    # The technical check happens on the day, after the deadline to answer.
    return MEETING_CLOSED if meeting.status in READ_ONLY_STATUSES else None


async def _meeting_of(db: AsyncSession, site: Site) -> Meeting:
    meeting = await db.get(Meeting, site.meeting_id)
    if meeting is None:  # the site row cascades with its meeting; kept for type narrowing
        raise NotFound("No such meeting.")
    return meeting


async def answer_closed_for(db: AsyncSession, site: Site) -> str | None:
    return answer_closed_reason(await _meeting_of(db, site))


async def portal_view(db: AsyncSession, site: Site, now: datetime | None = None) -> PortalView:
    """Everything the site's page shows: its meeting, agenda, documents and answers."""
    meeting = await _meeting_of(db, site)
    agenda = list(
        await db.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.sort_order, AgendaItem.planned_start, AgendaItem.id)
        )
    )
    rows = await db.execute(
        select(
            MeetingDocument.id,
            MeetingDocument.title,
            StoredFile.original_name,
            StoredFile.content_type,
            StoredFile.size,
        )
        .join(StoredFile, StoredFile.id == MeetingDocument.file_id)
        .where(MeetingDocument.meeting_id == meeting.id, MeetingDocument.published.is_(True))
        .order_by(MeetingDocument.sort_order, MeetingDocument.id)
    )
    documents = [PortalDocument(*row) for row in rows]
    return PortalView(
        site=site, meeting=meeting, agenda=agenda, documents=documents, issued=await issued_of(db, meeting.id),
        answer_closed=answer_closed_reason(meeting, now), check_closed=check_closed_reason(meeting),
    )


async def document_for_site(
    db: AsyncSession, uploads_dir: Path, site: Site, document_id: int
) -> tuple[StoredFile, Path]:
    """A published document of the site's own meeting and where its bytes are.

    Any other document, published or not, is "not found": a link opens nothing
    beyond its own meeting.
    """
    row = (
        await db.execute(
            select(StoredFile)
            .join(MeetingDocument, MeetingDocument.file_id == StoredFile.id)
            .where(
                MeetingDocument.id == document_id,
                MeetingDocument.meeting_id == site.meeting_id,
                MeetingDocument.published.is_(True),
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("No such document.")
    root = uploads_dir.resolve()
    path = (root / row.storage_key).resolve()
    # Storage keys are random names; refuse anything that would leave the uploads folder.
    if path.parent != root or not path.is_file():
        raise NotFound("No such document.")
    return row, path


# ---- answers ---------------------------------------------------------------------


def _validated(data: AttendanceInput) -> tuple[str, str, list[dict[str, Any]]]:
    """(response, reason, delegate values) or InvalidInput with every field at fault."""
    if len(data.delegates) > MAX_DELEGATES:
        raise InvalidInput(
            "A site may list at most {max} delegates.",
            params={"max": MAX_DELEGATES},
            field_errors={"delegates": N_("Too many delegates.")},
        )
    errors: dict[str, str] = {}
    reason = clean_text(data.reason)
    if len(reason) > MAX_REASON_CHARS:
        errors["reason"] = N_("At most 2,000 characters.")
    if not data.attending:
        if not reason:
            errors["reason"] = N_("Give the reason your site will not attend.")
        if errors:
            raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
        # A site that declines sends nobody; rows left in the form are not delegates.
        return Response.DECLINED.value, reason, []
    delegates = []
    for index, person in enumerate(data.delegates):
        values = person.cleaned()
        errors.update(person_errors(f"delegates.{index}", values, required=True))
        delegates.append(values)
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    return Response.ATTENDING.value, "", delegates


async def _write_answer(
    db: AsyncSession,
    actor: Any,
    site: Site,
    response: str,
    reason: str,
    people: list[dict[str, Any]],
    moment: datetime,
    *,
    by_site: bool,
) -> None:
    old_delegates = list(site.delegates)
    values: dict[str, Any] = {"response": response, "reason": reason, "responded_at": moment}
    if by_site:
        values["last_activity_at"] = moment
    changes = apply_changes(site, values)
    # Writing the site row first takes its row lock (PostgreSQL), so two answers of
    # the same site never interleave their delegate lists.
    await db.flush()
    # What the roll call already recorded about a person stays with that person.
    roll_call = {search_key(d.full_name): d for d in old_delegates}
    rows = []
    for order, person in enumerate(people):
        earlier = roll_call.get(search_key(person["full_name"]))
        rows.append(
            {
                "site_id": site.id,
                "sort_order": order,
                "full_name": person["full_name"],
                "position": person["position"],
                "organization": person["organization"] or "",
                "present": earlier.present if earlier else None,
                "absence_reason": earlier.absence_reason if earlier else "",
                "arrived_late": earlier.arrived_late if earlier else False,
            }
        )
    await db.execute(
        delete(Delegate).where(Delegate.site_id == site.id), execution_options={"synchronize_session": False}
    )
    for old in old_delegates:
        db.expunge(old)
    new_delegates: list[Delegate] = []
    if rows:
        new_delegates = list(await db.scalars(insert(Delegate).returning(Delegate, sort_by_parameter_order=True), rows))
    set_committed_value(site, "delegates", new_delegates)
    db.add(AttendanceEvent(meeting_id=site.meeting_id, site_id=site.id, response=response, delegates=len(rows)))
    before = [d.full_name for d in old_delegates]
    after = [r["full_name"] for r in rows]
    if before != after:
        changes["delegates"] = [before, after]
    record(db, actor, "respond", "site", site.id, meeting_id=site.meeting_id, changes=changes)
    _announce(db, site)


def _announce(db: AsyncSession, site: Site) -> None:
    # Sent only after commit; the board redraws the site's row, the portal its answer.
    emit(db, board_channel(site.meeting_id), "site-updated", str(site.id))
    emit(db, site_channel(site.id), "portal-updated", str(site.id))


async def answer(db: AsyncSession, site: Site, data: AttendanceInput, now: datetime | None = None) -> Site:
    """The site answers: attending with its delegates, or not with a reason."""
    moment = aware(now) if now else utc_now()
    meeting = await _meeting_of(db, site)
    closed = answer_closed_reason(meeting, moment)
    if closed:
        raise Conflict(closed)
    response, reason, people = _validated(data)
    await _write_answer(db, site, site, response, reason, people, moment, by_site=True)
    return site


async def set_site_response(
    db: AsyncSession, actor: Any, site_id: int, data: AttendanceInput, *, meeting_id: int | None = None,
    now: datetime | None = None,
) -> Site:
    """The secretariat answers for a site (by phone, on paper), also after the deadline."""
    user = require_editor(actor)
    site = await db.get(Site, site_id)
    if site is None or (meeting_id is not None and site.meeting_id != meeting_id):
        raise NotFound("No such site in this meeting.")
    meeting = await _meeting_of(db, site)
    if meeting.status in READ_ONLY_STATUSES:
        raise Conflict(MEETING_CLOSED)
    response, reason, people = _validated(data)
    await _write_answer(db, user, site, response, reason, people, aware(now) if now else utc_now(), by_site=False)
    return site


async def report_technical_check(
    db: AsyncSession, site: Site, status: str, note: str = "", now: datetime | None = None
) -> Site:
    """The site reports its sound and picture test (kiểm tra kỹ thuật): working, or a problem."""
    meeting = await _meeting_of(db, site)
    closed = check_closed_reason(meeting)
    if closed:
        raise Conflict(closed)
    errors: dict[str, str] = {}
    if status not in (TechnicalCheck.OK.value, TechnicalCheck.PROBLEM.value):
        errors["status"] = N_("Choose working or problem.")
    text = clean_text(note)
    if len(text) > MAX_NOTE_CHARS:
        errors["note"] = N_("At most 2,000 characters.")
    elif status == TechnicalCheck.PROBLEM.value and not text:
        errors["note"] = N_("Describe the problem so the technicians can help.")
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    moment = aware(now) if now else utc_now()
    changes = apply_changes(
        site,
        {"technical_check": status, "technical_note": text, "technical_checked_at": moment, "last_activity_at": moment},
    )
    record(db, site, "technical_check", "site", site.id, meeting_id=site.meeting_id, changes=changes)
    _announce(db, site)
    return site
