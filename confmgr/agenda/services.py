"""The rules of the agenda (chương trình), contributions (tham luận), requests to speak
(đăng ký phát biểu), the minute-taker's notes and the meeting's published documents.

Every function takes the database session and who acts: a secretariat user, or a
site (for what a site may do through its link). Roles are checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor, require_user
from confmgr.agenda.models import (
    AgendaItem,
    AgendaNoteRevision,
    Contribution,
    ContributionStatus,
    MeetingMaterial,
    SpeakRequest,
    SpeakRequestStatus,
)
from confmgr.agenda.schemas import (
    KINDS,
    AgendaItemInput,
    AgendaItemPatch,
    ContributionInput,
    PortalContributionInput,
    PortalSpeakRequestInput,
    SpeakRequestInput,
)
from confmgr.audit.services import apply_changes, record
from confmgr.db import after_commit
from confmgr.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from confmgr.files import services as files
from confmgr.files.models import StoredFile
from confmgr.i18n import N_
from confmgr.meetings.models import Meeting, MeetingStatus
from confmgr.meetings.access import ensure_editable, get_meeting
from confmgr.schemas import Person, person_errors
from confmgr.settings import Settings
from confmgr.sites.models import Site
from confmgr.text import clean_line, clean_text
from confmgr.timeutil import aware, now

MAX_DURATION = 24 * 60
MAX_SUMMARY = 10_000
MAX_NOTES = 200_000
# A site may keep a few requests waiting (several delegates), not flood the queue.
MAX_WAITING_PER_SITE = 3
# Clocks of laptops in a hall drift; a time a few minutes ahead is still "now".
CLOCK_SKEW = timedelta(minutes=5)
LIVE_STATUSES = frozenset({MeetingStatus.DRAFT.value, MeetingStatus.INVITED.value, MeetingStatus.IN_PROGRESS.value})


# ---- helpers ---------------------------------------------------------------------


async def _meeting_for_change(db: AsyncSession, actor: Any, meeting_id: int) -> tuple[Any, Meeting]:
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    ensure_editable(meeting)
    return user, meeting


def _person(value: Person | None) -> dict[str, Any]:
    return value.cleaned() if value is not None else {}


def _moment(at: datetime | None, *, not_before: datetime | None = None) -> datetime:
    moment = aware(at) if at else now()
    if moment > now() + CLOCK_SKEW:
        raise InvalidInput("A time in the future cannot be recorded.", field_errors={"at": N_("Not in the future.")})
    if not_before is not None and moment < not_before:
        raise InvalidInput(
            "This time is before the meeting or the item started.", field_errors={"at": N_("Too early.")}
        )
    return moment


def _renumber(rows: list[Any]) -> None:
    for position, row in enumerate(rows, start=1):
        if row.sort_order != position:
            row.sort_order = position


def _move(rows: list[Any], row_id: int, direction: str) -> bool:
    """Swap one row with its neighbour; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise InvalidInput("Unknown step.")
    index = next((i for i, r in enumerate(rows) if r.id == row_id), None)
    if index is None:
        raise NotFound("No such item.")
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)
    return True


def _reorder(rows: list[Any], ids: list[int]) -> list[Any]:
    by_id = {r.id: r for r in rows}
    if len(ids) != len(set(ids)) or set(ids) != set(by_id):
        raise InvalidInput("Send every item of the list exactly once.", field_errors={"item_ids": N_("Not the same items.")})
    ordered = [by_id[i] for i in ids]
    _renumber(ordered)
    return ordered


# ---- agenda ----------------------------------------------------------------------


async def list_items(db: AsyncSession, actor: Any, meeting_id: int) -> list[AgendaItem]:
    await get_meeting(db, require_user(actor), meeting_id)
    return await items_of(db, meeting_id)


async def items_of(db: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    """The agenda in order, without a permission check (for the portal and the live view)."""
    rows = await db.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.sort_order, AgendaItem.id)
    )
    return list(rows)


async def get_item(db: AsyncSession, actor: Any, meeting_id: int, item_id: int) -> AgendaItem:
    await get_meeting(db, require_user(actor), meeting_id)
    return await _item(db, meeting_id, item_id)


async def _item(db: AsyncSession, meeting_id: int, item_id: int) -> AgendaItem:
    item = await db.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise NotFound("No such agenda item.")
    return item


def _item_values(data: AgendaItemInput) -> dict[str, Any]:
    return {
        "title": clean_line(data.title),
        "kind": data.kind,
        "presenter": _person(data.presenter),
        "planned_start": aware(data.planned_start) if data.planned_start else None,
        "duration_minutes": data.duration_minutes,
    }


def _validate_item(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = N_("Enter the item's title.")
    elif len(values["title"]) > 500:
        errors["title"] = N_("At most 500 characters.")
    if values["kind"] not in KINDS:
        errors["kind"] = N_("Choose a kind from the list.")
    duration = values["duration_minutes"]
    if duration is not None and not 1 <= duration <= MAX_DURATION:
        errors["duration_minutes"] = N_("Between 1 and 1440 minutes.")
    errors.update(person_errors("presenter", values["presenter"], required=False))
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)


async def create_item(db: AsyncSession, actor: Any, meeting_id: int, data: AgendaItemInput) -> AgendaItem:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    values = _item_values(data)
    _validate_item(values)
    last = await db.scalar(select(func.max(AgendaItem.sort_order)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(**values, meeting_id=meeting.id, sort_order=int(last or 0) + 1)
    db.add(item)
    await db.flush()
    record(db, user, "create", "agenda_item", item.id, meeting_id=meeting.id, changes=values)
    return item


async def update_item(db: AsyncSession, actor: Any, meeting_id: int, item_id: int, patch: AgendaItemPatch) -> AgendaItem:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    item = await _item(db, meeting.id, item_id)
    current = {
        "title": item.title,
        "kind": item.kind,
        "presenter": Person(**item.presenter) if item.presenter else None,
        "planned_start": item.planned_start,
        "duration_minutes": item.duration_minutes,
    }
    for name in AgendaItemPatch.__struct_fields__:
        value = getattr(patch, name)
        if value is not msgspec.UNSET:
            current[name] = value
    values = _item_values(AgendaItemInput(**current))
    _validate_item(values)
    changes = apply_changes(item, values)
    if changes:
        record(db, user, "update", "agenda_item", item.id, meeting_id=meeting.id, changes=changes)
    return item


async def delete_item(db: AsyncSession, actor: Any, meeting_id: int, item_id: int) -> None:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    item = await _item(db, meeting.id, item_id)
    if item.actual_started_at is not None or item.notes:
        raise Conflict("An item that has started or has notes is part of the record and cannot be deleted.")
    await db.delete(item)
    await db.flush()
    _renumber(await items_of(db, meeting.id))
    record(db, user, "delete", "agenda_item", item_id, meeting_id=meeting.id, changes={"title": item.title})


async def move_item(db: AsyncSession, actor: Any, meeting_id: int, item_id: int, direction: str) -> list[AgendaItem]:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    rows = await items_of(db, meeting.id)
    if _move(rows, item_id, direction):
        record(db, user, "move_" + direction, "agenda_item", item_id, meeting_id=meeting.id)
    return rows


async def reorder_items(db: AsyncSession, actor: Any, meeting_id: int, item_ids: list[int]) -> list[AgendaItem]:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    rows = _reorder(await items_of(db, meeting.id), item_ids)
    record(db, user, "reorder", "agenda_item", None, meeting_id=meeting.id, changes={"item_ids": item_ids})
    return rows


# ---- the live meeting: items under way, notes -------------------------------------


def _require_running(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.IN_PROGRESS.value:
        raise Conflict("Start the meeting first; items can be started only while it is in progress.")


async def start_item(db: AsyncSession, actor: Any, meeting_id: int, item_id: int, at: datetime | None = None) -> AgendaItem:
    """The item is now under way: the one before it ends, every site is told."""
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    _require_running(meeting)
    item = await _item(db, meeting.id, item_id)
    moment = _moment(at, not_before=meeting.actual_started_at)
    previous_id = meeting.current_agenda_item_id
    if previous_id and previous_id != item.id:
        previous = await db.get(AgendaItem, previous_id)
        if previous is not None and previous.actual_ended_at is None:
            started = previous.actual_started_at
            previous.actual_ended_at = max(moment, started) if started else moment
    await _end_speaking(db, meeting, moment)
    changes = apply_changes(item, {"actual_started_at": item.actual_started_at or moment, "actual_ended_at": None})
    meeting.current_agenda_item_id = item.id
    meeting.current_speaker = dict(item.presenter) if item.presenter and item.presenter.get("full_name") else {}
    record(db, user, "start", "agenda_item", item.id, meeting_id=meeting.id, changes={**changes, "previous": previous_id})
    return item


async def finish_item(db: AsyncSession, actor: Any, meeting_id: int, item_id: int, at: datetime | None = None) -> AgendaItem:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    item = await _item(db, meeting.id, item_id)
    if item.actual_started_at is None:
        raise Conflict("This item has not started.")
    if at is None and item.actual_ended_at is not None and meeting.current_agenda_item_id != item.id:
        # A console left open after the item (or the meeting) ended: its end time stays.
        # A time given on purpose (``at``) still corrects it.
        raise Conflict("This item has already finished.")
    moment = _moment(at, not_before=item.actual_started_at)
    changes = apply_changes(item, {"actual_ended_at": moment})
    if meeting.current_agenda_item_id == item.id:
        meeting.current_agenda_item_id = None
        meeting.current_speaker = {}
        await _end_speaking(db, meeting, moment)
    record(db, user, "finish", "agenda_item", item.id, meeting_id=meeting.id, changes=changes)
    return item


async def close_live_state(db: AsyncSession, meeting: Meeting, moment: datetime) -> None:
    """When the meeting ends: the item under way ends with it, nobody keeps the floor."""
    if meeting.current_agenda_item_id:
        item = await db.get(AgendaItem, meeting.current_agenda_item_id)
        if item is not None and item.actual_ended_at is None:
            item.actual_ended_at = max(moment, item.actual_started_at or moment)
    meeting.current_agenda_item_id = None
    meeting.current_speaker = {}
    await _end_speaking(db, meeting, moment)


async def save_notes(db: AsyncSession, actor: Any, meeting_id: int, item_id: int, text: str, version: int) -> AgendaItem:
    """Save the item's notes when ``version`` is the one the editor started from.

    The update is a compare-and-set on the version, so of two people saving at once
    one wins and the other gets a conflict with the current text: neither is lost.
    """
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    item = await _item(db, meeting.id, item_id)
    cleaned = clean_text(text)
    if len(cleaned) > MAX_NOTES:
        raise InvalidInput("The notes are too long.", field_errors={"text": N_("The notes are too long.")})
    if version == item.notes_version and cleaned == item.notes:
        return item  # an autosave of unchanged text makes no new version
    result = await db.execute(
        update(AgendaItem)
        .where(AgendaItem.id == item.id, AgendaItem.notes_version == version)
        .values(notes=cleaned, notes_version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await db.refresh(item)
        raise Conflict(
            "Someone else saved these notes meanwhile. Compare both texts and save again.",
            extra={"current": {"text": item.notes, "version": item.notes_version}},
        )
    await db.refresh(item)
    db.add(AgendaNoteRevision(agenda_item_id=item.id, version=item.notes_version, text=cleaned, author_label=user.label))
    record(db, user, "notes", "agenda_item", item.id, meeting_id=meeting.id, changes={"version": item.notes_version})
    return item


async def note_revisions(db: AsyncSession, actor: Any, meeting_id: int, item_id: int) -> list[AgendaNoteRevision]:
    item = await get_item(db, actor, meeting_id, item_id)
    rows = await db.scalars(
        select(AgendaNoteRevision)
        .where(AgendaNoteRevision.agenda_item_id == item.id)
        .order_by(AgendaNoteRevision.version.desc())
    )
    return list(rows)


# ---- contributions ----------------------------------------------------------------


async def _check_refs(db: AsyncSession, meeting_id: int, agenda_item_id: int | None, site_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if agenda_item_id is not None:
        item = await db.get(AgendaItem, agenda_item_id)
        if item is None or item.meeting_id != meeting_id:
            errors["agenda_item_id"] = N_("Choose an item of this meeting's agenda.")
    if site_id is not None:
        site = await db.get(Site, site_id)
        if site is None or site.meeting_id != meeting_id:
            errors["site_id"] = N_("Choose a site of this meeting.")
    return errors


def _contribution_values(speaker: Person, title: str, summary: str) -> tuple[dict[str, Any], dict[str, str]]:
    values = {"speaker": speaker.cleaned(), "title": clean_line(title), "summary": clean_text(summary)}
    errors = person_errors("speaker", values["speaker"], required=True)
    if not values["title"]:
        errors["title"] = N_("Enter the paper's title.")
    elif len(values["title"]) > 500:
        errors["title"] = N_("At most 500 characters.")
    if len(values["summary"]) > MAX_SUMMARY:
        errors["summary"] = N_("At most 10,000 characters.")
    return values, errors


async def _next_contribution_order(db: AsyncSession, meeting_id: int) -> int:
    last = await db.scalar(select(func.max(Contribution.sort_order)).where(Contribution.meeting_id == meeting_id))
    return int(last or 0) + 1


async def _attach(db: AsyncSession, settings: Settings, upload: files.Upload | None, meeting_id: int) -> int | None:
    if upload is None or not getattr(upload, "filename", None):
        return None
    stored = await files.save_upload(db, settings, upload, meeting_id)
    return stored.id


async def create_contribution(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, data: ContributionInput,
    upload: files.Upload | None = None,
) -> Contribution:
    """A paper registered by the secretariat; accepted, since the secretariat chose it."""
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    values, errors = _contribution_values(data.speaker, data.title, data.summary)
    errors.update(await _check_refs(db, meeting.id, data.agenda_item_id, data.site_id))
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    # The file is stored only once everything else is known to be right.
    file_id = await _attach(db, settings, upload, meeting.id)
    contribution = Contribution(
        **values, meeting_id=meeting.id, agenda_item_id=data.agenda_item_id, site_id=data.site_id,
        status=ContributionStatus.ACCEPTED.value, sort_order=await _next_contribution_order(db, meeting.id),
        file_id=file_id, submitted_by_site=False,
    )
    db.add(contribution)
    await db.flush()
    record(db, user, "create", "contribution", contribution.id, meeting_id=meeting.id, changes={**values, "file_id": file_id})
    return contribution


async def submit_contribution(
    db: AsyncSession, site: Site, settings: Settings, data: PortalContributionInput, upload: files.Upload | None = None
) -> Contribution:
    """A paper a site sends through its link; the secretariat accepts or declines it."""
    meeting = await _site_meeting(db, site)
    values, errors = _contribution_values(data.speaker, data.title, data.summary)
    errors.update(await _check_refs(db, meeting.id, data.agenda_item_id, None))
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    file_id = await _attach(db, settings, upload, meeting.id)
    contribution = Contribution(
        **values, meeting_id=meeting.id, agenda_item_id=data.agenda_item_id, site_id=site.id,
        status=ContributionStatus.SUBMITTED.value, sort_order=await _next_contribution_order(db, meeting.id),
        file_id=file_id, submitted_by_site=True,
    )
    db.add(contribution)
    await db.flush()
    record(db, site, "submit", "contribution", contribution.id, meeting_id=meeting.id, changes={**values, "file_id": file_id})
    return contribution


async def _site_meeting(db: AsyncSession, site: Site) -> Meeting:
    meeting = await db.get(Meeting, site.meeting_id)
    if meeting is None:
        raise NotFound("No such meeting.")
    if meeting.status not in LIVE_STATUSES:
        raise Conflict("This meeting has ended; nothing more can be sent.")
    return meeting


async def list_contributions(db: AsyncSession, actor: Any, meeting_id: int) -> list[tuple[Contribution, str | None, StoredFile | None]]:
    await get_meeting(db, require_user(actor), meeting_id)
    return await contributions_of(db, meeting_id)


async def contributions_of(
    db: AsyncSession, meeting_id: int, *, site_id: int | None = None, accepted_or_site: bool = False
) -> list[tuple[Contribution, str | None, StoredFile | None]]:
    """Contributions in order with their site's name and file (no permission check)."""
    stmt = (
        select(Contribution, Site.name, StoredFile)
        .outerjoin(Site, Site.id == Contribution.site_id)
        .outerjoin(StoredFile, StoredFile.id == Contribution.file_id)
        .where(Contribution.meeting_id == meeting_id)
        .order_by(Contribution.sort_order, Contribution.id)
    )
    if accepted_or_site:
        stmt = stmt.where(
            (Contribution.status == ContributionStatus.ACCEPTED.value) | (Contribution.site_id == site_id)
        )
    return [(c, name, f) for c, name, f in (await db.execute(stmt)).all()]


async def _contribution(db: AsyncSession, meeting_id: int, contribution_id: int) -> Contribution:
    contribution = await db.get(Contribution, contribution_id)
    if contribution is None or contribution.meeting_id != meeting_id:
        raise NotFound("No such contribution.")
    return contribution


async def set_contribution_status(
    db: AsyncSession, actor: Any, meeting_id: int, contribution_id: int, status: str
) -> Contribution:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    if status not in {s.value for s in ContributionStatus}:
        raise InvalidInput("Unknown step.")
    contribution = await _contribution(db, meeting.id, contribution_id)
    changes = apply_changes(contribution, {"status": status})
    if changes:
        record(db, user, "status", "contribution", contribution.id, meeting_id=meeting.id, changes=changes)
    return contribution


async def move_contribution(db: AsyncSession, actor: Any, meeting_id: int, contribution_id: int, direction: str) -> None:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    rows = [c for c, _n, _f in await contributions_of(db, meeting.id)]
    if _move(rows, contribution_id, direction):
        record(db, user, "move_" + direction, "contribution", contribution_id, meeting_id=meeting.id)


async def reorder_contributions(db: AsyncSession, actor: Any, meeting_id: int, ids: list[int]) -> None:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    _reorder([c for c, _n, _f in await contributions_of(db, meeting.id)], ids)
    record(db, user, "reorder", "contribution", None, meeting_id=meeting.id, changes={"contribution_ids": ids})


async def contribution_file_for_user(db: AsyncSession, actor: Any, meeting_id: int, contribution_id: int) -> StoredFile:
    await get_meeting(db, require_user(actor), meeting_id)
    contribution = await _contribution(db, meeting_id, contribution_id)
    stored = await db.get(StoredFile, contribution.file_id) if contribution.file_id else None
    if stored is None:
        raise NotFound("No such file.")
    return stored


async def contribution_file_for_site(db: AsyncSession, site: Site, contribution_id: int) -> StoredFile:
    """A paper a site may read: of its own meeting, and accepted or its own."""
    contribution = await db.get(Contribution, contribution_id)
    visible = (
        contribution is not None
        and contribution.meeting_id == site.meeting_id
        and (contribution.status == ContributionStatus.ACCEPTED.value or contribution.site_id == site.id)
    )
    # Another meeting's paper answers exactly as a missing one: a token learns nothing.
    if not visible or contribution is None or contribution.file_id is None:
        raise NotFound("No such file.")
    stored = await db.get(StoredFile, contribution.file_id)
    if stored is None:
        raise NotFound("No such file.")
    return stored


# ---- requests to speak ------------------------------------------------------------


def _speaker_values(speaker: Person, topic: str) -> dict[str, Any]:
    values = {"speaker": speaker.cleaned(), "topic": clean_line(topic)}
    errors = person_errors("speaker", values["speaker"], required=True)
    if len(values["topic"]) > 500:
        errors["topic"] = N_("At most 500 characters.")
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    return values


async def add_speak_request(db: AsyncSession, actor: Any, meeting_id: int, data: SpeakRequestInput) -> SpeakRequest:
    """A request from the hall, entered by the secretariat (optionally on a site's behalf)."""
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    values = _speaker_values(data.speaker, data.topic)
    errors = await _check_refs(db, meeting.id, None, data.site_id)
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    request = SpeakRequest(
        **values, meeting_id=meeting.id, site_id=data.site_id, agenda_item_id=meeting.current_agenda_item_id
    )
    db.add(request)
    await db.flush()
    record(db, user, "create", "speak_request", request.id, meeting_id=meeting.id, changes=values)
    return request


async def request_to_speak(db: AsyncSession, site: Site, data: PortalSpeakRequestInput) -> SpeakRequest:
    meeting = await _site_meeting(db, site)
    values = _speaker_values(data.speaker, data.topic)
    waiting = await db.scalar(
        select(func.count(SpeakRequest.id)).where(
            SpeakRequest.site_id == site.id, SpeakRequest.status == SpeakRequestStatus.WAITING.value
        )
    )
    if int(waiting or 0) >= MAX_WAITING_PER_SITE:
        raise Conflict("Your site already has {count} requests waiting.", params={"count": MAX_WAITING_PER_SITE})
    request = SpeakRequest(
        **values, meeting_id=meeting.id, site_id=site.id, agenda_item_id=meeting.current_agenda_item_id
    )
    db.add(request)
    await db.flush()
    record(db, site, "create", "speak_request", request.id, meeting_id=meeting.id, changes=values)
    return request


async def _speak_request(db: AsyncSession, meeting_id: int, request_id: int) -> SpeakRequest:
    request = await db.get(SpeakRequest, request_id)
    if request is None or request.meeting_id != meeting_id:
        raise NotFound("No such request to speak.")
    return request


async def _end_speaking(db: AsyncSession, meeting: Meeting, moment: datetime) -> None:
    speaking = await db.scalars(
        select(SpeakRequest).where(
            SpeakRequest.meeting_id == meeting.id, SpeakRequest.status == SpeakRequestStatus.SPEAKING.value
        )
    )
    for request in speaking:
        request.status = SpeakRequestStatus.DONE.value
        request.finished_at = moment


async def _site_label(db: AsyncSession, site_id: int | None) -> str | None:
    return await db.scalar(select(Site.name).where(Site.id == site_id)) if site_id else None


async def give_floor(db: AsyncSession, actor: Any, meeting_id: int, request_id: int) -> SpeakRequest:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    _require_running(meeting)
    request = await _speak_request(db, meeting.id, request_id)
    if request.status != SpeakRequestStatus.WAITING.value:
        raise Conflict("This request is no longer waiting.")
    moment = now()
    await _end_speaking(db, meeting, moment)
    request.status = SpeakRequestStatus.SPEAKING.value
    request.started_at = moment
    meeting.current_speaker = {**request.speaker, "site_name": await _site_label(db, request.site_id), "request_id": request.id}
    record(db, user, "give_floor", "speak_request", request.id, meeting_id=meeting.id)
    return request


async def finish_speak_request(db: AsyncSession, actor: Any, meeting_id: int, request_id: int) -> SpeakRequest:
    """Done: after speaking, or dismissed while waiting."""
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    request = await _speak_request(db, meeting.id, request_id)
    if request.status not in (SpeakRequestStatus.WAITING.value, SpeakRequestStatus.SPEAKING.value):
        raise Conflict("This request is already closed.")
    request.status = SpeakRequestStatus.DONE.value
    request.finished_at = now()
    if (meeting.current_speaker or {}).get("request_id") == request.id:
        meeting.current_speaker = {}
    record(db, user, "done", "speak_request", request.id, meeting_id=meeting.id)
    return request


async def withdraw_speak_request(db: AsyncSession, site: Site, request_id: int) -> SpeakRequest:
    request = await db.get(SpeakRequest, request_id)
    if request is None or request.site_id != site.id:
        raise NotFound("No such request to speak.")
    if request.status != SpeakRequestStatus.WAITING.value:
        raise Conflict("Only a waiting request can be withdrawn.")
    request.status = SpeakRequestStatus.WITHDRAWN.value
    request.finished_at = now()
    record(db, site, "withdraw", "speak_request", request.id, meeting_id=site.meeting_id)
    return request


async def set_current_speaker(db: AsyncSession, actor: Any, meeting_id: int, speaker: Person | None) -> Meeting:
    """Name who has the floor directly (e.g. a presenter not in the queue), or nobody."""
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    _require_running(meeting)
    values = speaker.cleaned() if speaker is not None else {}
    if values:
        errors = person_errors("speaker", values, required=True)
        if errors:
            raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    await _end_speaking(db, meeting, now())
    meeting.current_speaker = values
    record(db, user, "current_speaker", "meeting", meeting.id, meeting_id=meeting.id, changes={"speaker": values})
    return meeting


@dataclass(frozen=True)
class QueueEntry:
    request: SpeakRequest
    site_name: str | None


async def speaking_queue(db: AsyncSession, meeting_id: int, *, include_closed: bool = False) -> list[QueueEntry]:
    """One queue ordered by time: the speaker first, then who waits (no permission check)."""
    statuses = [SpeakRequestStatus.SPEAKING.value, SpeakRequestStatus.WAITING.value]
    if include_closed:
        statuses += [SpeakRequestStatus.DONE.value, SpeakRequestStatus.WITHDRAWN.value]
    rows = await db.execute(
        select(SpeakRequest, Site.name)
        .outerjoin(Site, Site.id == SpeakRequest.site_id)
        .where(SpeakRequest.meeting_id == meeting_id, SpeakRequest.status.in_(statuses))
        .order_by(SpeakRequest.created_at, SpeakRequest.id)
    )
    entries = [QueueEntry(r, name) for r, name in rows.all()]
    rank = {SpeakRequestStatus.SPEAKING.value: 0, SpeakRequestStatus.WAITING.value: 1}
    return sorted(entries, key=lambda e: rank.get(e.request.status, 2))


async def list_speak_requests(db: AsyncSession, actor: Any, meeting_id: int) -> list[QueueEntry]:
    await get_meeting(db, require_user(actor), meeting_id)
    return await speaking_queue(db, meeting_id, include_closed=True)


async def site_requests(db: AsyncSession, site: Site) -> list[SpeakRequest]:
    rows = await db.scalars(
        select(SpeakRequest)
        .where(SpeakRequest.site_id == site.id, SpeakRequest.status == SpeakRequestStatus.WAITING.value)
        .order_by(SpeakRequest.created_at, SpeakRequest.id)
    )
    return list(rows)


# ---- the live state every site sees -----------------------------------------------


@dataclass
class LiveState:
    meeting: Meeting
    current_item: AgendaItem | None
    items: list[AgendaItem]
    queue: list[QueueEntry] = field(default_factory=list)

    @property
    def speaker(self) -> dict[str, Any]:
        return dict(self.meeting.current_speaker or {})


async def live_state(db: AsyncSession, meeting_id: int) -> LiveState:
    meeting = await db.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None:
        raise NotFound("No such meeting.")
    items = await items_of(db, meeting_id)
    current = next((i for i in items if i.id == meeting.current_agenda_item_id), None)
    return LiveState(meeting=meeting, current_item=current, items=items, queue=await speaking_queue(db, meeting_id))


# ---- meeting materials ------------------------------------------------------------
# (audited as "meeting_document", the name the log has always used for them)


async def upload_material(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, title: str, upload: files.Upload | None,
    *, published: bool = True,
) -> MeetingMaterial:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    clean_title = clean_line(title)
    if len(clean_title) > 500:
        raise InvalidInput("Please correct the highlighted fields.", field_errors={"title": N_("At most 500 characters.")})
    stored = await files.save_upload(db, settings, upload, meeting.id)
    last = await db.scalar(select(func.max(MeetingMaterial.sort_order)).where(MeetingMaterial.meeting_id == meeting.id))
    material = MeetingMaterial(
        meeting_id=meeting.id, file_id=stored.id, title=clean_title or stored.original_name,
        sort_order=int(last or 0) + 1, published=published,
    )
    db.add(material)
    await db.flush()
    record(db, user, "upload", "meeting_document", material.id, meeting_id=meeting.id,
           changes={"title": material.title, "file": stored.original_name, "sha256": stored.sha256, "published": published})
    return material


async def _material(db: AsyncSession, meeting_id: int, material_id: int) -> MeetingMaterial:
    material = await db.get(MeetingMaterial, material_id)
    if material is None or material.meeting_id != meeting_id:
        raise NotFound("No such document.")
    return material


async def update_material(
    db: AsyncSession, actor: Any, meeting_id: int, material_id: int, *, title: str | None = None, published: bool | None = None
) -> MeetingMaterial:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    material = await _material(db, meeting.id, material_id)
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = clean_line(title)
        if not values["title"] or len(values["title"]) > 500:
            raise InvalidInput("Please correct the highlighted fields.", field_errors={"title": N_("Enter a title of at most 500 characters.")})
    if published is not None:
        values["published"] = published
    changes = apply_changes(material, values)
    if changes:
        record(db, user, "update", "meeting_document", material.id, meeting_id=meeting.id, changes=changes)
    return material


async def delete_material(db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, material_id: int) -> None:
    user, meeting = await _meeting_for_change(db, actor, meeting_id)
    material = await _material(db, meeting.id, material_id)
    stored = await db.get(StoredFile, material.file_id)
    await db.delete(material)
    if stored is not None:
        in_use = await db.scalar(select(func.count(Contribution.id)).where(Contribution.file_id == stored.id))
        if not in_use:
            await db.delete(stored)
            # Bytes go only once the deletion is committed; a rollback keeps them.
            after_commit(db, lambda: files.remove_bytes(settings, stored))
    record(db, user, "delete", "meeting_document", material_id, meeting_id=meeting.id, changes={"title": material.title})


async def list_materials(db: AsyncSession, actor: Any, meeting_id: int) -> list[tuple[MeetingMaterial, StoredFile]]:
    await get_meeting(db, require_user(actor), meeting_id)
    return await materials_of(db, meeting_id)


async def materials_of(db: AsyncSession, meeting_id: int, *, published_only: bool = False) -> list[tuple[MeetingMaterial, StoredFile]]:
    stmt = (
        select(MeetingMaterial, StoredFile)
        .join(StoredFile, StoredFile.id == MeetingMaterial.file_id)
        .where(MeetingMaterial.meeting_id == meeting_id)
        .order_by(MeetingMaterial.sort_order, MeetingMaterial.id)
    )
    if published_only:
        stmt = stmt.where(MeetingMaterial.published.is_(True))
    return [(d, f) for d, f in (await db.execute(stmt)).all()]


def _seen_by_site(site: Site) -> Any:
    """The one rule for what a site's link opens of the materials: those of its own
    meeting that are published. Any other, published or not, is "not found"."""
    return (MeetingMaterial.meeting_id == site.meeting_id) & MeetingMaterial.published.is_(True)


async def published_materials(db: AsyncSession, site: Site) -> list[tuple[MeetingMaterial, StoredFile]]:
    """What a site may download, in the meeting's order."""
    stmt = (
        select(MeetingMaterial, StoredFile)
        .join(StoredFile, StoredFile.id == MeetingMaterial.file_id)
        .where(_seen_by_site(site))
        .order_by(MeetingMaterial.sort_order, MeetingMaterial.id)
    )
    return [(m, f) for m, f in (await db.execute(stmt)).all()]


async def material_for_site(db: AsyncSession, uploads_dir: Path, site: Site, material_id: int) -> tuple[StoredFile, Path]:
    """One material the site may download, and where its bytes are."""
    stored = (
        await db.execute(
            select(StoredFile)
            .join(MeetingMaterial, MeetingMaterial.file_id == StoredFile.id)
            .where(MeetingMaterial.id == material_id, _seen_by_site(site))
        )
    ).scalar_one_or_none()
    if stored is None:
        raise NotFound("No such document.")
    root = uploads_dir.resolve()
    path = (root / stored.storage_key).resolve()
    # Storage keys are random names; refuse anything that would leave the uploads folder.
    if path.parent != root or not path.is_file():
        raise NotFound("No such document.")
    return stored, path


async def material_file_for_user(db: AsyncSession, actor: Any, meeting_id: int, material_id: int) -> StoredFile:
    await get_meeting(db, require_user(actor), meeting_id)
    material = await _material(db, meeting_id, material_id)
    stored = await db.get(StoredFile, material.file_id)
    if stored is None:
        raise NotFound("No such file.")
    return stored


def ensure_site_of_meeting(site: Site, meeting_id: int) -> None:
    if site.meeting_id != meeting_id:
        raise PermissionDenied("This link is for another meeting.")
