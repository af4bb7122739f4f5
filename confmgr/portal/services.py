"""The site portal (trang của điểm cầu): what a site sees through its link, and its answers.

The acting party is the site itself (its link is the key), except in
:func:`set_site_response`, where the secretariat answers for a site, also after
the deadline. Every change writes the audit log and tells the attendance board.
Answers and technical checks are written by the group writer (confmgr.writes).

3,321 sites may answer in the same minute, so an answer is a job for the group
writer (confmgr.writes): a handful of Core statements (the site row, one DELETE and
one INSERT for the delegates, one attendance event, one audit entry) that commit
together with the answers that arrived at the same time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor
from confmgr.agenda.models import AgendaItem
from confmgr.agenda.services import published_materials
from confmgr.audit.models import AuditEntry
from confmgr.audit.services import Actor, actor_of, changed, entry_values
from confmgr.db import read_after_write
from confmgr.documents.models import IssuedDocument
from confmgr.documents.services import issued_of
from confmgr.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from confmgr.i18n import N_
from confmgr.live.events import board_channel, site_channel
from confmgr.meetings.access import get_meeting
from confmgr.meetings.models import Meeting, MeetingStatus
from confmgr.portal.schemas import AttendanceInput
from confmgr.schemas import person_errors
from confmgr.signing.services import mark_stages
from confmgr.sites.models import AttendanceEvent, Delegate, Response, Site, TechnicalCheck
from confmgr.sites.tokens import INVALID_LINK, SiteKeys, token_digest
from confmgr.text import clean_text, search_key
from confmgr.timeutil import aware
from confmgr.timeutil import now as utc_now
from confmgr.writes import GroupWriter, Job

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
class PortalMaterial:
    """A meeting material a site may download (tài liệu hội nghị)."""

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
    materials: list[PortalMaterial]
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
    return _closed_reason(meeting.status, meeting.response_deadline, aware(now) if now else utc_now())


def _closed_reason(status: str, deadline: datetime | None, moment: datetime) -> str | None:
    if status in READ_ONLY_STATUSES:
        return MEETING_CLOSED
    if deadline is not None and moment >= aware(deadline):
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


async def portal_view(db: AsyncSession, site: Site, now: datetime | None = None) -> PortalView:
    """Everything the site's page shows: its meeting, agenda, materials, issued documents and answers."""
    meeting = await _meeting_of(db, site)
    agenda = list(
        await db.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.sort_order, AgendaItem.planned_start, AgendaItem.id)
        )
    )
    materials = [
        PortalMaterial(m.id, m.title, f.original_name, f.content_type, f.size) for m, f in await published_materials(db, site)
    ]
    issued = await issued_of(db, meeting.id)
    await mark_stages(db, issued)
    return PortalView(
        site=site, meeting=meeting, agenda=agenda, materials=materials, issued=issued,
        answer_closed=answer_closed_reason(meeting, now), check_closed=check_closed_reason(meeting),
    )


async def site_of_meeting(db: AsyncSession, actor: Any, meeting_id: int, site_id: int) -> tuple[Meeting, Site]:
    """The meeting and one of its sites, for the secretariat (any signed-in user may look)."""
    meeting = await get_meeting(db, actor, meeting_id)
    site = await db.get(Site, site_id)
    if site is None or site.meeting_id != meeting.id:
        raise NotFound("No such site in this meeting.")
    return meeting, site


async def site_as_written(db: AsyncSession, site_id: int) -> Site:
    """The site as the group writer just stored it (read after its commit)."""
    await read_after_write(db)
    site = await db.get(Site, site_id, populate_existing=True)
    if site is None:  # deleted in the instant since; the answer went with it
        raise NotFound("No such site in this meeting.")
    return site


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


@dataclass(frozen=True)
class DelegateState:
    id: int
    full_name: str
    position: str
    organization: str


@dataclass(frozen=True)
class SiteState:
    """A site as a write through the group writer left it: what the portal API
    returns after an answer or a technical check."""

    id: int
    meeting_id: int
    name: str
    role: str
    address: str
    response: str
    reason: str
    responded_at: datetime | None
    technical_check: str
    technical_note: str
    technical_checked_at: datetime | None
    delegates: list[DelegateState]
    # Why the site can no longer change its answer (English message id), or None.
    answer_closed: str | None = None


@dataclass(frozen=True)
class AnswerItem:
    """One answer to write: found by the site's token (the site answers through its
    link; the deadline applies) or by its id and meeting (the secretariat answers)."""

    response: str
    reason: str
    people: list[dict[str, Any]]
    moment: datetime
    token_hash: str | None = None
    site_id: int | None = None
    meeting_id: int | None = None
    user: Actor | None = None
    # A secretariat user who answered through the site's link: the audit names them.
    audit_as: Actor | None = None


_SITE = select(
    Site.id, Site.meeting_id, Site.name, Site.role, Site.address, Site.token_hash, Site.token_revoked,
    Site.response, Site.reason, Site.responded_at, Site.last_activity_at,
    Site.technical_check, Site.technical_note, Site.technical_checked_at,
    Meeting.status, Meeting.response_deadline,
).join(Meeting, Meeting.id == Site.meeting_id)
# Locks the rows on PostgreSQL, so two answers of one site never interleave, in the
# order of their ids, so two groups (two workers) never wait for each other; SQLite
# has one writer anyway.
_SITES_BY_TOKEN = (
    _SITE.where(Site.token_hash.in_(bindparam("keys", expanding=True))).order_by(Site.id).with_for_update(of=Site)
)
_SITES_BY_ID = _SITE.where(Site.id.in_(bindparam("keys", expanding=True))).order_by(Site.id).with_for_update(of=Site)
_OLD_DELEGATES = (
    select(Delegate.site_id, Delegate.full_name, Delegate.present, Delegate.absence_reason, Delegate.arrived_late)
    .where(Delegate.site_id.in_(bindparam("ids", expanding=True)))
    .order_by(Delegate.site_id, Delegate.sort_order, Delegate.id)
)
_UPDATE_SITE = (
    update(Site)
    .where(Site.id == bindparam("b_id"))
    .values(
        response=bindparam("b_response"), reason=bindparam("b_reason"),
        responded_at=bindparam("b_responded_at"), last_activity_at=bindparam("b_last_activity_at"),
    )
)
_DELETE_DELEGATES = delete(Delegate).where(Delegate.site_id.in_(bindparam("ids", expanding=True)))
_INSERT_DELEGATES = insert(Delegate).returning(Delegate.id, sort_by_parameter_order=True)


def write_answers(tx: Job, items: list[AnswerItem]) -> list[SiteState | Exception]:
    """Write answers as one batch (see confmgr.writes): each site and its meeting
    found in the transaction that writes (a link revoked or a deadline passed a
    moment ago is seen), then one statement per table for all of them."""
    db = tx.connection
    by_token = [item.token_hash for item in items if item.token_hash is not None]
    by_id = [item.site_id for item in items if item.token_hash is None]
    found_by_token = {row.token_hash: row for row in db.execute(_SITES_BY_TOKEN, {"keys": by_token})} if by_token else {}
    found_by_id = {row.id: row for row in db.execute(_SITES_BY_ID, {"keys": by_id})} if by_id else {}
    outcomes: list[SiteState | Exception | None] = [None] * len(items)
    accepted: list[tuple[int, AnswerItem, Row[Any]]] = []
    for index, item in enumerate(items):
        if item.token_hash is not None:
            site = found_by_token.get(item.token_hash)
            if site is None or site.token_revoked:
                outcomes[index] = NotAuthenticated(INVALID_LINK)
                continue
            closed = _closed_reason(site.status, site.response_deadline, item.moment)
        else:
            site = found_by_id.get(item.site_id)
            if site is None or site.meeting_id != item.meeting_id:
                outcomes[index] = NotFound("No such site in this meeting.")
                continue
            closed = MEETING_CLOSED if site.status in READ_ONLY_STATUSES else None
        if closed:
            outcomes[index] = Conflict(closed)
            continue
        accepted.append((index, item, site))
    # A site that answers twice within one batch: its answers are written in turn.
    rounds: list[list[tuple[int, AnswerItem, Row[Any]]]] = []
    seen: dict[int, int] = {}
    for entry in accepted:
        turn = seen.get(entry[2].id, 0)
        seen[entry[2].id] = turn + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(entry)
    # What each site holds as the batch goes on: the audit's "old" values of a site's
    # second answer are those its first answer wrote.
    current: dict[int, dict[str, Any]] = {}
    for batch in rounds:
        for index, answer in _write_round(tx, batch, current):
            outcomes[index] = answer
    return _all_settled(outcomes)


def _all_settled(outcomes: list[SiteState | Exception | None]) -> list[SiteState | Exception]:
    """Every item's outcome; an item left without one is a bug, and raising makes the
    group writer write the batch item by item."""
    missing = [index for index, outcome in enumerate(outcomes) if outcome is None]
    if missing:
        raise RuntimeError(f"items {missing} of the batch got no outcome")
    return [outcome for outcome in outcomes if outcome is not None]


def _write_round(
    tx: Job, batch: list[tuple[int, AnswerItem, Row[Any]]], current: dict[int, dict[str, Any]]
) -> list[tuple[int, SiteState]]:
    """Answers of distinct sites, written with one statement per table."""
    db = tx.connection
    ids = [site.id for _, _, site in batch]
    old: dict[int, list[Row[Any]]] = {}
    for row in db.execute(_OLD_DELEGATES, {"ids": ids}):
        old.setdefault(row.site_id, []).append(row)
    site_rows, delegate_rows, events, audits = [], [], [], []
    for _, item, site in batch:
        values: dict[str, Any] = {"response": item.response, "reason": item.reason, "responded_at": item.moment}
        if item.user is None:
            values["last_activity_at"] = item.moment
        before = current.setdefault(site.id, dict(site._mapping))
        changes = changed(before, values)
        site_rows.append(
            {
                "b_id": site.id, "b_response": item.response, "b_reason": item.reason,
                "b_responded_at": item.moment, "b_last_activity_at": values.get("last_activity_at", before["last_activity_at"]),
            }
        )
        before.update(values)
        # What the roll call already recorded about a person stays with that person.
        earlier_of = {search_key(d.full_name): d for d in old.get(site.id, [])}
        for order, person in enumerate(item.people):
            earlier = earlier_of.get(search_key(person["full_name"]))
            delegate_rows.append(
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
        events.append(
            {"meeting_id": site.meeting_id, "site_id": site.id, "response": item.response, "delegates": len(item.people)}
        )
        before = [d.full_name for d in old.get(site.id, [])]
        after = [person["full_name"] for person in item.people]
        if before != after:
            changes["delegates"] = [before, after]
        actor = item.user or item.audit_as or Actor("site", site.id, site.name)
        audits.append(entry_values(actor, "respond", "site", site.id, meeting_id=site.meeting_id, changes=changes))
    db.execute(_UPDATE_SITE, site_rows)
    db.execute(_DELETE_DELEGATES, {"ids": ids})
    new_ids = list(db.scalars(_INSERT_DELEGATES, delegate_rows)) if delegate_rows else []
    db.execute(insert(AttendanceEvent), events)
    db.execute(insert(AuditEntry), audits)
    results = []
    position = 0
    for index, item, site in batch:
        delegates = []
        for person in item.people:
            delegates.append(
                DelegateState(new_ids[position], person["full_name"], person["position"], person["organization"] or "")
            )
            position += 1
        _announce(tx.emit, site.id, site.meeting_id)
        results.append(
            (
                index,
                SiteState(
                    id=site.id, meeting_id=site.meeting_id, name=site.name, role=site.role, address=site.address,
                    response=item.response, reason=item.reason, responded_at=item.moment,
                    technical_check=site.technical_check, technical_note=site.technical_note,
                    technical_checked_at=site.technical_checked_at, delegates=delegates,
                    answer_closed=_closed_reason(site.status, site.response_deadline, item.moment),
                ),
            )
        )
    return results


def _announce(emit: Callable[[str, str, str], None], site_id: int, meeting_id: int) -> None:
    # Sent only after commit; the board redraws the site's row, the portal its answer.
    emit(board_channel(meeting_id), "site-updated", str(site_id))
    emit(site_channel(site_id), "portal-updated", str(site_id))


async def answer(
    writer: GroupWriter, keys: SiteKeys, token: str | None, data: AttendanceInput, now: datetime | None = None,
    *, audit_as: Actor | None = None,
) -> SiteState:
    """The site answers through its link: attending with its delegates, or not with a
    reason. ``audit_as``: the secretariat user who opened the link, when one did."""
    digest = token_digest(keys, token)
    if digest is None:
        raise NotAuthenticated(INVALID_LINK)
    response, reason, people = _validated(data)
    moment = aware(now) if now else utc_now()
    return await writer.run(write_answers, AnswerItem(response, reason, people, moment, token_hash=digest, audit_as=audit_as))


async def set_site_response(
    writer: GroupWriter, actor: Any, site_id: int, data: AttendanceInput, *, meeting_id: int,
    now: datetime | None = None,
) -> SiteState:
    """The secretariat answers for a site (by phone, on paper), also after the deadline."""
    user = require_editor(actor)
    response, reason, people = _validated(data)
    moment = aware(now) if now else utc_now()
    item = AnswerItem(response, reason, people, moment, site_id=site_id, meeting_id=meeting_id, user=actor_of(user))
    return await writer.run(write_answers, item)


def _checked(status: str, note: str) -> str:
    """The note, cleaned, or InvalidInput with every field at fault."""
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
    return text


@dataclass(frozen=True)
class CheckItem:
    token_hash: str
    status: str
    note: str
    moment: datetime
    audit_as: Actor | None = None  # as AnswerItem.audit_as


_UPDATE_CHECK = (
    update(Site)
    .where(Site.id == bindparam("b_id"))
    .values(
        technical_check=bindparam("b_status"), technical_note=bindparam("b_note"),
        technical_checked_at=bindparam("b_at"), last_activity_at=bindparam("b_at"),
    )
)
_DELEGATES_OF = (
    select(Delegate.site_id, Delegate.id, Delegate.full_name, Delegate.position, Delegate.organization)
    .where(Delegate.site_id.in_(bindparam("ids", expanding=True)))
    .order_by(Delegate.site_id, Delegate.sort_order, Delegate.id)
)


def write_technical_checks(tx: Job, items: list[CheckItem]) -> list[SiteState | Exception]:
    """Write technical checks as one batch (see confmgr.writes); on the morning of
    the meeting every site tests its sound and picture within the same half hour."""
    db = tx.connection
    found = {row.token_hash: row for row in db.execute(_SITES_BY_TOKEN, {"keys": [i.token_hash for i in items]})}
    outcomes: list[SiteState | Exception | None] = [None] * len(items)
    accepted: list[tuple[int, CheckItem, Row[Any]]] = []
    for index, item in enumerate(items):
        site = found.get(item.token_hash)
        if site is None or site.token_revoked:
            outcomes[index] = NotAuthenticated(INVALID_LINK)
        elif site.status in READ_ONLY_STATUSES:
            outcomes[index] = Conflict(MEETING_CLOSED)
        else:
            accepted.append((index, item, site))
    if not accepted:
        return _all_settled(outcomes)
    rows, audits = [], []
    current: dict[int, dict[str, Any]] = {}
    for _, item, site in accepted:
        values = {
            "technical_check": item.status, "technical_note": item.note,
            "technical_checked_at": item.moment, "last_activity_at": item.moment,
        }
        before = current.setdefault(site.id, dict(site._mapping))
        rows.append({"b_id": site.id, "b_status": item.status, "b_note": item.note, "b_at": item.moment})
        audits.append(
            entry_values(
                item.audit_as or Actor("site", site.id, site.name), "technical_check", "site", site.id,
                meeting_id=site.meeting_id, changes=changed(before, values),
            )
        )
        before.update(values)
        _announce(tx.emit, site.id, site.meeting_id)
    db.execute(_UPDATE_CHECK, rows)
    db.execute(insert(AuditEntry), audits)
    delegates: dict[int, list[DelegateState]] = {}
    for row in db.execute(_DELEGATES_OF, {"ids": [site.id for _, _, site in accepted]}):
        delegates.setdefault(row.site_id, []).append(DelegateState(row.id, row.full_name, row.position, row.organization))
    for index, item, site in accepted:
        outcomes[index] = SiteState(
            id=site.id, meeting_id=site.meeting_id, name=site.name, role=site.role, address=site.address,
            response=site.response, reason=site.reason, responded_at=site.responded_at,
            technical_check=item.status, technical_note=item.note, technical_checked_at=item.moment,
            delegates=delegates.get(site.id, []),
            answer_closed=_closed_reason(site.status, site.response_deadline, item.moment),
        )
    return _all_settled(outcomes)


async def report_technical_check(
    writer: GroupWriter, keys: SiteKeys, token: str | None, status: str, note: str = "", now: datetime | None = None,
    *, audit_as: Actor | None = None,
) -> SiteState:
    """The site reports its sound and picture test (kiểm tra kỹ thuật): working, or a
    problem. It happens on the day, after the deadline to answer, until the documents
    are issued."""
    digest = token_digest(keys, token)
    if digest is None:
        raise NotAuthenticated(INVALID_LINK)
    text = _checked(status, note)
    moment = aware(now) if now else utc_now()
    return await writer.run(write_technical_checks, CheckItem(digest, status, text, moment, audit_as))
