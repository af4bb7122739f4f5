"""Attendance (xác nhận tham dự, điểm danh): the board, the roll call and its totals.

The board must stay quick with 3,321 sites: counts are aggregated by the database,
rows come a page at a time with their delegates in one more query, never one query
per site.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from confmgr.accounts.permissions import require_editor
from confmgr.attendance.schemas import BoardFilters, RollCallInput
from confmgr.audit.services import record
from confmgr.errors import InvalidInput, NotFound
from confmgr.i18n import N_
from confmgr.live.events import board_channel, emit
from confmgr.meetings.models import Meeting
from confmgr.meetings.access import ensure_editable, get_meeting
from confmgr.schemas import Person
from confmgr.sites.models import AttendanceEvent, Delegate, Site
from confmgr.sites.units import province_of
from confmgr.text import clean_line, search_key
from confmgr.timeutil import now

PAGE_SIZE = 200
MAX_REASON = 500
MAX_PERSON_FIELD = 200


# ---- the board ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCounts:
    """Counts over every site of the meeting, whatever the board is filtered to."""

    sites: int
    attending: int
    declined: int
    silent: int
    delegates_expected: int
    delegates_confirmed: int
    checks_ok: int
    checks_problem: int
    connected: int


@dataclass(frozen=True)
class DelegateRow:
    id: int
    full_name: str
    position: str
    organization: str
    present: bool | None
    absence_reason: str
    arrived_late: bool


@dataclass(frozen=True)
class BoardRow:
    id: int
    name: str
    role: str
    response: str
    reason: str
    expected_delegates: int | None
    technical_check: str
    technical_note: str
    connected: bool | None
    last_activity_at: datetime | None
    delegates: tuple[DelegateRow, ...]
    province_code: str | None = None


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    total: int  # sites matching the filters
    page: int
    pages: int
    filters: BoardFilters


@dataclass(frozen=True)
class ChartPoint:
    """After the answer given at ``at``: how many sites attend, how many declined."""

    at: datetime
    attending: int
    declined: int


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def board_counts(db: AsyncSession, actor: Any, meeting_id: int) -> BoardCounts:
    return (await board_summary(db, actor, meeting_id)).counts


@dataclass(frozen=True)
class BoardSummary:
    """What the board's summary shows: every board viewer asks for it on each live change."""

    counts: BoardCounts
    provinces: list[ProvinceCount]  # empty when no site is an official unit
    points: list[ChartPoint]
    version: str  # as board_version


def _province_columns() -> tuple[Any, ...]:
    """A province's code and counts, in the order of :class:`ProvinceCount` (sites,
    attending, declined, silent, connected, not connected)."""
    return (
        Site.province_code, func.count(Site.id), _count_if(Site.response == "attending"),
        _count_if(Site.response == "declined"), _count_if(Site.response == "pending"),
        _count_if(Site.connected.is_(True)), _count_if(Site.connected.is_(False)),
    )


async def board_summary(db: AsyncSession, actor: Any, meeting_id: int) -> BoardSummary:
    """The counts, the per-province counts, the chart and the version, in four statements
    (sites and delegates grouped by province, then the answers)."""
    await get_meeting(db, actor, meeting_id)
    sites = list(
        await db.execute(
            select(
                *_province_columns(),
                func.coalesce(func.sum(Site.expected_delegates), 0),
                _count_if(Site.technical_check == "ok"),
                _count_if(Site.technical_check == "problem"),
                func.max(Site.updated_at),
            )
            .where(Site.meeting_id == meeting_id)
            .group_by(Site.province_code)
        )
    )
    delegates = list(
        await db.execute(
            select(
                Site.province_code, func.count(Delegate.id), _count_if(Site.response == "attending"),
                func.max(Delegate.updated_at),
            )
            .join(Site, Delegate.site_id == Site.id)
            .where(Site.meeting_id == meeting_id)
            .group_by(Site.province_code)
        )
    )
    events, unlogged = await _answer_rows(db, meeting_id)
    confirmed = {code: int(n or 0) for code, _all, n, _at in delegates}
    provinces = [
        ProvinceCount(code, info.name if (info := province_of(code)) else "", *(int(v or 0) for v in values[:6]),
                      confirmed.get(code, 0))
        for code, *values in sites
    ]
    total = [sum(int(r[i] or 0) for r in sites) for i in range(1, 10)]
    counts = BoardCounts(
        sites=total[0], attending=total[1], declined=total[2], silent=total[3], delegates_expected=total[6],
        delegates_confirmed=sum(confirmed.values()), checks_ok=total[7], checks_problem=total[8], connected=total[4],
    )
    version = _fingerprint(
        total[0], max((r[10] for r in sites if r[10] is not None), default=None),
        sum(int(n) for _code, n, _c, _at in delegates), max((at for *_, at in delegates if at is not None), default=None),
        len(events), max((e[3] for e in events), default=None),
    )
    if not any(p.code for p in provinces):
        provinces = []
    return BoardSummary(counts, sorted(provinces, key=lambda c: (c.code is None, c.code or "")), _points(events, unlogged), version)


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    # Names rarely change and the board asks again on every refresh: keep their keys.
    return search_key(name)


async def _matching_ids(db: AsyncSession, meeting_id: int, q: str) -> list[int] | None:
    """Ids of the sites whose name contains every word of ``q``, accents ignored."""
    words = search_key(q).split()
    if not words:
        return None
    rows = await db.execute(select(Site.id, Site.name).where(Site.meeting_id == meeting_id))
    return [site_id for site_id, name in rows if all(w in _name_key(name) for w in words)]


def _apply_filters(stmt: Select[Any], meeting_id: int, filters: BoardFilters, ids: list[int] | None) -> Select[Any]:
    stmt = stmt.where(Site.meeting_id == meeting_id)
    if filters.response:
        stmt = stmt.where(Site.response == filters.response)
    if filters.check:
        stmt = stmt.where(Site.technical_check == filters.check)
    if filters.role:
        stmt = stmt.where(Site.role == filters.role)
    if filters.connected == "yes":
        stmt = stmt.where(Site.connected.is_(True))
    elif filters.connected == "no":
        stmt = stmt.where(Site.connected.is_(False))
    elif filters.connected == "unknown":
        stmt = stmt.where(Site.connected.is_(None))
    if filters.province == "none":
        stmt = stmt.where(Site.province_code.is_(None))
    elif filters.province:
        stmt = stmt.where(Site.province_code == filters.province)
    if ids is not None:
        stmt = stmt.where(Site.id.in_(ids))
    return stmt


async def _delegates_of(db: AsyncSession, site_ids: list[int]) -> dict[int, list[DelegateRow]]:
    found: dict[int, list[DelegateRow]] = {i: [] for i in site_ids}
    if not site_ids:
        return found
    rows = await db.execute(
        select(
            Delegate.site_id, Delegate.id, Delegate.full_name, Delegate.position, Delegate.organization,
            Delegate.present, Delegate.absence_reason, Delegate.arrived_late,
        )
        .where(Delegate.site_id.in_(site_ids))
        .order_by(Delegate.site_id, Delegate.sort_order, Delegate.id)
    )
    for site_id, *values in rows:
        found[site_id].append(DelegateRow(*values))
    return found


async def board_rows(
    db: AsyncSession, actor: Any, meeting_id: int, filters: BoardFilters, page_size: int = PAGE_SIZE
) -> BoardPage:
    """One page of the board's sites, host first, in the meeting's order."""
    await get_meeting(db, actor, meeting_id)
    ids = await _matching_ids(db, meeting_id, filters.q)
    total = int(await db.scalar(_apply_filters(select(func.count(Site.id)), meeting_id, filters, ids)) or 0)
    pages = max(1, -(-total // page_size))
    page = min(filters.page, pages)
    stmt = _apply_filters(
        select(
            Site.id, Site.name, Site.role, Site.response, Site.reason, Site.expected_delegates,
            Site.technical_check, Site.technical_note, Site.connected,
            func.coalesce(Site.last_activity_at, Site.responded_at), Site.province_code,
        ),
        meeting_id, filters, ids,
    )
    rows = list(
        await db.execute(stmt.order_by(Site.role, Site.sort_order, Site.id).offset((page - 1) * page_size).limit(page_size))
    )
    delegates = await _delegates_of(db, [r[0] for r in rows])
    items = [BoardRow(*row[:10], delegates=tuple(delegates[row[0]]), province_code=row[10]) for row in rows]
    return BoardPage(rows=items, total=total, page=page, pages=pages, filters=BoardFilters(**{**filters.__dict__, "page": page}))


@dataclass(frozen=True)
class ProvinceCount:
    """One province's sites on the board (``code`` None: sites that are no official unit)."""

    code: str | None
    name: str
    sites: int
    attending: int
    declined: int
    silent: int
    connected: int
    not_connected: int
    delegates_confirmed: int

    @property
    def answered(self) -> int:
        return self.attending + self.declined


async def province_counts(
    db: AsyncSession, actor: Any, meeting_id: int, filters: BoardFilters | None = None
) -> list[ProvinceCount]:
    """Per-province counts, in the official order of provinces; empty when no site of the
    meeting is an official unit. Two grouped queries whatever the number of sites.
    ``filters`` (the board's, for an export) count only the sites they select."""
    await get_meeting(db, actor, meeting_id)
    filters = filters or BoardFilters()
    ids = await _matching_ids(db, meeting_id, filters.q)
    rows = list(
        await db.execute(
            _apply_filters(
                select(*_province_columns()),
                meeting_id, filters, ids,
            ).group_by(Site.province_code)
        )
    )
    if not any(code for code, *_ in rows):
        return []
    delegates = dict(
        (code, int(n))
        for code, n in await db.execute(
            _apply_filters(
                select(Site.province_code, func.count(Delegate.id)).join(Delegate, Delegate.site_id == Site.id),
                meeting_id, filters, ids,
            )
            .where(Site.response == "attending")
            .group_by(Site.province_code)
        )
    )
    out = []
    for code, *values in rows:
        info = province_of(code)
        out.append(
            ProvinceCount(code, info.name if info else "", *(int(v or 0) for v in values), delegates.get(code, 0))
        )
    return sorted(out, key=lambda c: (c.code is None, c.code or ""))


_EVENTS = (
    select(AttendanceEvent.created_at, AttendanceEvent.site_id, AttendanceEvent.response, AttendanceEvent.id)
    .order_by(AttendanceEvent.created_at, AttendanceEvent.id)
)


async def _answer_rows(db: AsyncSession, meeting_id: int) -> tuple[list[Any], list[Any]]:
    """The meeting's attendance events (time, site, answer, id) in order, and the answers
    recorded without an event (loaded data, older records), at the time they were given."""
    events = list(await db.execute(_EVENTS.where(AttendanceEvent.meeting_id == meeting_id)))
    unlogged = list(
        await db.execute(
            select(Site.responded_at, Site.id, Site.response).where(
                Site.meeting_id == meeting_id,
                Site.response != "pending",
                Site.responded_at.is_not(None),
                ~select(AttendanceEvent.id).where(AttendanceEvent.site_id == Site.id).exists(),
            )
        )
    )
    return events, unlogged


def _points(events: list[Any], unlogged: list[Any]) -> list[ChartPoint]:
    rows = sorted([*events, *unlogged], key=lambda r: r[0]) if unlogged else events
    latest: dict[int, str] = {}
    counts = {"attending": 0, "declined": 0, "pending": 0}
    points: list[ChartPoint] = []
    for at, site_id, response, *_id in rows:
        previous = latest.get(site_id)
        if previous in counts:
            counts[previous] -= 1
        if response in counts:
            counts[response] += 1
        latest[site_id] = response
        points.append(ChartPoint(at=at, attending=counts["attending"], declined=counts["declined"]))
    return points


async def answers_over_time(db: AsyncSession, actor: Any, meeting_id: int) -> list[ChartPoint]:
    """Sites attending and declining after each answer; a changed answer moves a site.
    Answers recorded without an event still count, so the chart never disagrees with the counts."""
    await get_meeting(db, actor, meeting_id)
    return _points(*await _answer_rows(db, meeting_id))


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(v) for v in parts).encode()).hexdigest()[:16]


async def board_version(db: AsyncSession, meeting_id: int) -> str:
    """A short fingerprint of everything the board shows; it changes with any change.

    One statement (three scalar subqueries): every board refresh asks for it first.
    """
    delegates = (
        select(func.count(Delegate.id), func.max(Delegate.updated_at))
        .join(Site, Delegate.site_id == Site.id)
        .where(Site.meeting_id == meeting_id)
        .subquery()
    )
    sites = select(func.count(Site.id), func.max(Site.updated_at)).where(Site.meeting_id == meeting_id).subquery()
    events = (
        select(func.count(AttendanceEvent.id), func.max(AttendanceEvent.id))
        .where(AttendanceEvent.meeting_id == meeting_id)
        .subquery()
    )
    # One row each: joined on nothing.
    both = sites.join(delegates, true()).join(events, true())
    row = (await db.execute(select(sites, delegates, events).select_from(both))).one()
    return _fingerprint(*row)


# ---- roll call ----------------------------------------------------------------------


@dataclass(frozen=True)
class RollCallTotals:
    """What the minutes quote: sites connected or not, delegates present or absent."""

    sites: int
    sites_connected: int
    sites_not_connected: int
    sites_not_called: int
    delegates: int
    delegates_present: int
    delegates_absent: int
    delegates_late: int


@dataclass(frozen=True)
class Absence:
    site_name: str
    full_name: str
    position: str
    reason: str


async def roll_call_totals(db: AsyncSession, meeting_id: int) -> RollCallTotals:
    sites = (
        await db.execute(
            select(
                func.count(Site.id),
                _count_if(Site.connected.is_(True)),
                _count_if(Site.connected.is_(False)),
                _count_if(Site.connected.is_(None)),
            ).where(Site.meeting_id == meeting_id)
        )
    ).one()
    delegates = (
        await db.execute(
            select(
                func.count(Delegate.id),
                _count_if(Delegate.present.is_(True)),
                _count_if(Delegate.present.is_(False)),
                _count_if(Delegate.present.is_(True) & Delegate.arrived_late.is_(True)),
            )
            .join(Site, Delegate.site_id == Site.id)
            .where(Site.meeting_id == meeting_id)
        )
    ).one()
    return RollCallTotals(*(int(v or 0) for v in (*sites, *delegates)))


async def roll_call_absences(db: AsyncSession, meeting_id: int) -> list[Absence]:
    """Delegates recorded absent, with their reason, in the meeting's site order."""
    rows = await db.execute(
        select(Site.name, Delegate.full_name, Delegate.position, Delegate.absence_reason)
        .join(Site, Delegate.site_id == Site.id)
        .where(Site.meeting_id == meeting_id, Delegate.present.is_(False))
        .order_by(Site.role, Site.sort_order, Site.id, Delegate.sort_order, Delegate.id)
    )
    return [Absence(*row) for row in rows]


def _person_values(person: Person, field: str, errors: dict[str, str]) -> dict[str, str]:
    values = person.cleaned()
    if not values["full_name"]:
        errors[f"{field}.full_name"] = N_("Enter the full name.")
    for key in ("full_name", "position", "organization"):
        if len(values[key] or "") > MAX_PERSON_FIELD:
            errors[f"{field}.{key}"] = N_("At most 200 characters.")
    return {k: v or "" for k, v in values.items()}


async def get_site(db: AsyncSession, actor: Any, meeting_id: int, site_id: int) -> Site:
    await get_meeting(db, actor, meeting_id)
    site = await db.get(Site, site_id)
    if site is None or site.meeting_id != meeting_id:
        raise NotFound("No such site in this meeting.")
    return site


async def roll_call(db: AsyncSession, actor: Any, meeting_id: int, site_id: int, data: RollCallInput) -> Site:
    """Record a site's roll call; it replaces the site's previous one.

    A person named in ``present`` or ``absent`` who is not yet one of the site's
    delegates (by name, accents ignored) becomes one; present once the meeting has
    started, they count as arrived late.
    """
    user = require_editor(actor)
    meeting: Meeting = await get_meeting(db, user, meeting_id)
    ensure_editable(meeting)
    site = await get_site(db, user, meeting_id, site_id)
    started = meeting.actual_started_at is not None and meeting.actual_started_at <= now()
    by_id = {d.id: d for d in site.delegates}
    by_name = {search_key(d.full_name): d for d in site.delegates}
    errors: dict[str, str] = {}
    # delegate (existing) or a new person's values -> (present, reason)
    decided: dict[int, tuple[bool, str]] = {}
    added: list[tuple[dict[str, str], bool, str]] = []
    added_keys: set[str] = set()

    def resolve(entry: int | Person, field: str, present: bool, reason: str) -> None:
        if isinstance(entry, int):
            delegate = by_id.get(entry)
            if delegate is None:
                errors[field] = N_("Not one of this site's delegates.")
                return
        else:
            values = _person_values(entry, field, errors)
            key = search_key(values["full_name"])
            delegate = by_name.get(key)
            if delegate is None:
                if key in added_keys:
                    errors[field] = N_("This person is listed twice.")
                elif values["full_name"]:
                    added_keys.add(key)
                    added.append((values, present, reason))
                return
        if delegate.id in decided:
            errors[field] = N_("This person is listed twice.")
            return
        decided[delegate.id] = (present, reason)

    for i, entry in enumerate(data.present):
        resolve(entry, f"present.{i}", True, "")
    for i, absent in enumerate(data.absent):
        reason = clean_line(absent.reason)
        if len(reason) > MAX_REASON:
            errors[f"absent.{i}.reason"] = N_("At most 500 characters.")
        resolve(absent.person, f"absent.{i}.person", False, reason)
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)

    before = {"connected": site.connected}
    for delegate in site.delegates:
        present, reason = decided.get(delegate.id, (None, ""))
        # Marked absent earlier and present now, after the start: the delegate came late.
        if present and delegate.present is False and started:
            delegate.arrived_late = True
        elif present is None:
            delegate.arrived_late = False
        delegate.present = present
        delegate.absence_reason = reason
    order = max((d.sort_order for d in site.delegates), default=0)
    for offset, (values, present, reason) in enumerate(added, start=1):
        site.delegates.append(
            Delegate(
                full_name=values["full_name"], position=values["position"], organization=values["organization"],
                sort_order=order + offset, present=present, absence_reason=reason,
                arrived_late=present and started,
            )
        )
    site.connected = data.connected
    site.roll_called_at = now()
    await db.flush()
    record(
        db, user, "roll_call", "site", site.id, meeting_id=meeting.id,
        changes={
            "connected": [before["connected"], data.connected],
            "present": [d.full_name for d in site.delegates if d.present],
            "absent": [{"full_name": d.full_name, "reason": d.absence_reason} for d in site.delegates if d.present is False],
            "added": [values["full_name"] for values, _p, _r in added],
        },
    )
    emit(db, board_channel(meeting.id), "site-updated", str(site.id))
    return site


# ---- exports ------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetLine:
    """One line of the attendance sheet: a delegate, or a site without delegates."""

    site_name: str
    role: str
    response: str
    reason: str
    connected: bool | None
    technical_check: str
    full_name: str | None
    position: str
    organization: str
    present: bool | None
    absence_reason: str
    arrived_late: bool
    province_code: str | None = None


async def attendance_sheet(
    db: AsyncSession, actor: Any, meeting_id: int, filters: BoardFilters | None = None
) -> tuple[Meeting, list[SheetLine]]:
    """One line per delegate (a site without delegates: one line), for the sites the
    board's ``filters`` select (page aside): the export of what the board shows."""
    meeting = await get_meeting(db, actor, meeting_id)
    filters = filters or BoardFilters()
    ids = await _matching_ids(db, meeting_id, filters.q)
    rows = await db.execute(
        _apply_filters(
            select(
                Site.name, Site.role, Site.response, Site.reason, Site.connected, Site.technical_check,
                Delegate.full_name, Delegate.position, Delegate.organization, Delegate.present,
                Delegate.absence_reason, Delegate.arrived_late, Site.province_code,
            ).outerjoin(Delegate, Delegate.site_id == Site.id),
            meeting_id, filters, ids,
        )
        # Sites of one province together, in the official order of provinces.
        .order_by(
            Site.role, Site.province_code.is_(None), Site.province_code, Site.sort_order, Site.id,
            Delegate.sort_order, Delegate.id,
        )
    )
    lines = [
        SheetLine(
            site_name=r[0], role=r[1], response=r[2], reason=r[3], connected=r[4], technical_check=r[5],
            full_name=r[6], position=r[7] or "", organization=r[8] or "", present=r[9],
            absence_reason=r[10] or "", arrived_late=bool(r[11]), province_code=r[12],
        )
        for r in rows
    ]
    return meeting, lines
