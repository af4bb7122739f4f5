"""Meetings: creation, changes, search and copies.

Status changes are in :mod:`confmgr.meetings.status`; loading a meeting and the
"issued record no longer changes" rule in :mod:`confmgr.meetings.access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor, require_user
from confmgr.audit.services import apply_changes, record
from confmgr.errors import InvalidInput
from confmgr.meetings.access import ensure_editable, get_meeting
from confmgr.meetings.models import Meeting, MeetingMode, MeetingStatus
from confmgr.meetings.schemas import CopyInput, MeetingInput, MeetingPatch
from confmgr.schemas import Person, person_errors
from confmgr.sites.services import copy_sites
from confmgr.sites.tokens import SiteKeys
from confmgr.text import clean_line, clean_text, search_key
from confmgr.timeutil import VN_TZ, aware
from confmgr.i18n import N_

S = MeetingStatus

PAGE_SIZE = 50


def _values(data: MeetingInput) -> dict[str, Any]:
    return {
        "title": clean_line(data.title),
        "starts_at": aware(data.starts_at),
        "ends_at": aware(data.ends_at),
        "mode": data.mode,
        "venue": clean_line(data.venue),
        "chair": data.chair.cleaned(),
        "secretary": data.secretary.cleaned(),
        "response_deadline": aware(data.response_deadline) if data.response_deadline else None,
        "description": clean_text(data.description),
    }


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = N_("Enter the meeting's title.")
    elif len(values["title"]) > 500:
        errors["title"] = N_("At most 500 characters.")
    if values["mode"] not in {m.value for m in MeetingMode}:
        errors["mode"] = N_("Choose in person, online or hybrid.")
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = N_("The meeting must end after it starts.")
    deadline = values["response_deadline"]
    if deadline is not None and deadline > values["starts_at"]:
        errors["response_deadline"] = N_("The deadline to answer must be before the meeting starts.")
    if len(values["venue"]) > 500:
        errors["venue"] = N_("At most 500 characters.")
    errors.update(person_errors("chair", values["chair"], required=True))
    errors.update(person_errors("secretary", values["secretary"], required=True))
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)


async def create_meeting(db: AsyncSession, actor: Any, data: MeetingInput) -> Meeting:
    user = require_editor(actor)
    values = _values(data)
    _validate(values)
    meeting = Meeting(**values, title_search=search_key(values["title"]), created_by_id=user.id)
    db.add(meeting)
    await db.flush()
    record(db, user, "create", "meeting", meeting.id, meeting_id=meeting.id, changes=values)
    return meeting


async def update_meeting(db: AsyncSession, actor: Any, meeting_id: int, patch: MeetingPatch) -> Meeting:
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    ensure_editable(meeting)
    current = MeetingInput(
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        mode=meeting.mode,  # type: ignore[arg-type]
        chair=msgspec.convert(meeting.chair or {}, type=Person),
        secretary=msgspec.convert(meeting.secretary or {}, type=Person),
        venue=meeting.venue,
        response_deadline=meeting.response_deadline,
        description=meeting.description,
    )
    merged = msgspec.structs.replace(
        current, **{f: getattr(patch, f) for f in patch.__struct_fields__ if getattr(patch, f) is not msgspec.UNSET}
    )
    values = _values(merged)
    _validate(values)
    values["title_search"] = search_key(values["title"])
    changes = apply_changes(meeting, values)
    if changes:
        changes.pop("title_search", None)
        meeting.revision += 1
        record(db, user, "update", "meeting", meeting.id, meeting_id=meeting.id, changes=changes)
    return meeting


@dataclass(frozen=True)
class MeetingQuery:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    page: int = 1


@dataclass(frozen=True)
class MeetingPage:
    items: list[Meeting]
    total: int
    page: int
    pages: int


def _midnight(day: date, days_after: int = 0) -> datetime | None:
    """Midnight in Vietnam ``days_after`` days after ``day``, in UTC; None (no bound) for
    the first and last days Python knows, whose midnight has no UTC datetime: nothing
    lies beyond them anyway."""
    try:
        return datetime.combine(day + timedelta(days=days_after), time.min, VN_TZ).astimezone(UTC)
    except OverflowError:
        return None


async def search_meetings(db: AsyncSession, actor: Any, query: MeetingQuery) -> MeetingPage:
    require_user(actor)
    stmt = select(Meeting)
    key = search_key(query.q)
    if key:
        for word in key.split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Meeting.title_search.like(f"%{escaped}%", escape="\\"))
    since = _midnight(query.date_from) if query.date_from else None
    if since is not None:
        stmt = stmt.where(Meeting.starts_at >= since)
    until = _midnight(query.date_to, days_after=1) if query.date_to else None
    if until is not None:
        stmt = stmt.where(Meeting.starts_at < until)
    if query.status:
        stmt = stmt.where(Meeting.status == query.status)
    total = int(await db.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, query.page), pages)
    rows = await db.scalars(
        stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return MeetingPage(items=list(rows), total=total, page=page, pages=pages)


async def copy_meeting(db: AsyncSession, actor: Any, keys: SiteKeys, meeting_id: int, data: CopyInput) -> Meeting:
    """A new draft from a past meeting: same shape and sites, new times, no answers."""
    user = require_editor(actor)
    source = await get_meeting(db, user, meeting_id)
    starts_at = aware(data.starts_at)
    shift = starts_at - source.starts_at
    title = clean_line(data.title) if data.title else source.title
    copy = Meeting(
        title=title,
        title_search=search_key(title),
        starts_at=starts_at,
        ends_at=source.ends_at + shift,
        response_deadline=source.response_deadline + shift if source.response_deadline else None,
        mode=source.mode,
        venue=source.venue,
        description=source.description,
        chair=dict(source.chair),
        secretary=dict(source.secretary),
        copied_from_id=source.id,
        created_by_id=user.id,
    )
    _validate(
        {k: getattr(copy, k) for k in ("title", "starts_at", "ends_at", "mode", "venue", "chair", "secretary", "response_deadline")}
    )
    db.add(copy)
    await db.flush()
    copied_sites = await copy_sites(db, keys, source.id, copy.id)
    record(
        db, user, "copy", "meeting", copy.id, meeting_id=copy.id,
        changes={"copied_from": source.id, "sites": copied_sites},
    )
    return copy
