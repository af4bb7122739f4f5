"""From the meeting record to the content of the minutes and the conclusions notice.

Two halves. :func:`load_record` runs the queries and returns a :class:`MeetingRecord`
of plain values (no ORM objects, no lazy loads). The rest is pure: the record is
cut into *sections* with stable keys (``item:12:notes``, ``contribution:40:summary``)
that the secretariat can edit, the stored edits are laid over the fresh sections,
and the result becomes :class:`~confmgr.documents.content.MinutesContent`.

Because the draft is always rebuilt from the record and the edits are kept apart
(``MinutesDraft.sections``), a new contribution appears in the draft at once, an
edited summary keeps its edit, and an edit whose source is gone is reported as
orphaned instead of vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.agency.models import Agency
from confmgr.agenda.models import AgendaItem, ContributionStatus, SpeakRequest, SpeakRequestStatus
from confmgr.agenda.models import Contribution as ContributionRow
from confmgr.documents.content import (
    AbsentSite,
    AgencyHeader,
    AgendaEntry,
    ConclusionsContent,
    Contribution,
    MinutesContent,
    Person,
    Replacement,
    SiteAttendance,
    Signer,
    Task,
    Venue,
    clean,
)
from confmgr.documents.models import Conclusions, MinutesDraft
from confmgr.meetings.models import Meeting
from confmgr.sites.units import province_of
from confmgr.sites.models import Delegate, Response, Site, SiteRole
from confmgr.i18n import N_
from confmgr.names import short_office, signer_title
from confmgr.schemas import person_of
from confmgr.text import clean_text
from confmgr.timeutil import aware

# Each document has its own readers: the minutes go to the chair and the sites and
# are kept in the meeting's file; the notice goes to those who must act and reports
# upward (see notice_recipients).
DEFAULT_MINUTES_RECIPIENTS = ("Chủ tọa hội nghị", "Các điểm cầu tham dự hội nghị")
SIGNER_PREFIXES = ("TM.", "KT.", "TL.", "TUQ.", "Q.")


# ---- the record, as plain values -------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: int
    name: str
    role: str
    response: str
    connected: bool | None
    roll_called: bool
    reason: str
    # (full_name, position, organization, present, absence_reason)
    delegates: tuple[tuple[str, str, str, bool | None, str], ...]
    province: str = ""  # the province's name when the site is an official unit


@dataclass(frozen=True, slots=True)
class ItemRecord:
    id: int
    title: str
    kind: str
    presenter: dict[str, Any]
    notes: str
    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class SpeechRecord:
    """A contribution (``contribution:<id>``) or a comment from the floor (``comment:<id>``)."""

    key: str
    item_id: int | None
    site_id: int | None
    speaker: dict[str, Any]
    title: str
    summary: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class ConclusionsRecord:
    title_of_chair: str = ""
    items: tuple[str, ...] = ()
    tasks: tuple[dict[str, Any], ...] = ()
    recipients: tuple[str, ...] = ()
    signer: dict[str, Any] = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    meeting_id: int
    title: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    actual_started_at: datetime | None
    actual_ended_at: datetime | None
    chair: dict[str, Any]
    secretary: dict[str, Any]
    agency: AgencyHeader | None
    sites: tuple[SiteRecord, ...]
    items: tuple[ItemRecord, ...]
    speeches: tuple[SpeechRecord, ...]
    conclusions: ConclusionsRecord
    edits: dict[str, Any]
    edits_version: int

    @property
    def started_at(self) -> datetime:
        return aware(self.actual_started_at or self.starts_at)

    @property
    def ended_at(self) -> datetime:
        return aware(self.actual_ended_at or self.ends_at)

    @property
    def roll_call_taken(self) -> bool:
        return any(s.roll_called or s.connected is not None for s in self.sites)


def _province_name(code: str | None) -> str:
    info = province_of(code)
    return info.name if info else ""


def agency_header(agency: Agency | None) -> AgencyHeader | None:
    if agency is None:
        return None
    return AgencyHeader(
        parent_name=agency.parent_name or None,
        name=agency.name,
        abbreviation=agency.abbreviation,
        place_name=agency.place_name,
        drafting_unit=agency.drafting_unit or "",
        archive_copies=agency.archive_copies,
    )


def _aware(value: datetime | None) -> datetime | None:
    # SQLite can hand back naive values; they are UTC as stored, the builders refuse naive.
    return None if value is None else aware(value)


async def load_record(db: AsyncSession, meeting: Meeting, agency: Agency | None) -> MeetingRecord:
    """Everything the documents say about ``meeting``, in five queries.

    Delegates are read in one query with plain columns (not through the
    relationship) so a meeting of 3,321 sites costs no more than a small one.
    """
    mid = meeting.id
    # Core queries on the session's connection: plain rows without the ORM's
    # per-row bookkeeping, which dominates for thousands of sites and delegates.
    conn = await db.connection()
    site_rows = (
        await conn.execute(
            select(
                Site.id, Site.name, Site.role, Site.response, Site.connected, Site.roll_called_at, Site.reason,
                Site.province_code,
            )
            .where(Site.meeting_id == mid)
            .order_by(Site.sort_order, Site.id)
        )
    ).all()
    delegates: dict[int, list[tuple[str, str, str, bool | None, str]]] = {}
    for row in await conn.execute(
        select(
            Delegate.site_id, Delegate.full_name, Delegate.position, Delegate.organization,
            Delegate.present, Delegate.absence_reason,
        )
        .join(Site, Site.id == Delegate.site_id)
        .where(Site.meeting_id == mid)
        .order_by(Delegate.site_id, Delegate.sort_order, Delegate.id)
    ):
        delegates.setdefault(row[0], []).append((row[1], row[2], row[3] or "", row[4], row[5] or ""))
    sites = tuple(
        SiteRecord(
            id=r[0], name=r[1], role=r[2], response=r[3], connected=r[4], roll_called=r[5] is not None,
            reason=r[6] or "", delegates=tuple(delegates.get(r[0], ())), province=_province_name(r[7]),
        )
        for r in site_rows
    )
    items = tuple(
        ItemRecord(
            id=i.id, title=i.title, kind=i.kind, presenter=dict(i.presenter or {}), notes=i.notes or "",
            started_at=_aware(i.actual_started_at), ended_at=_aware(i.actual_ended_at),
        )
        for i in await db.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == mid).order_by(AgendaItem.sort_order, AgendaItem.id)
        )
    )
    speeches: list[SpeechRecord] = [
        SpeechRecord(
            key=f"contribution:{c.id}", item_id=c.agenda_item_id, site_id=c.site_id, speaker=dict(c.speaker or {}),
            title=c.title or "", summary=c.summary or "", at=None,
        )
        for c in await db.scalars(
            select(ContributionRow)
            .where(
                ContributionRow.meeting_id == mid,
                (ContributionRow.status == ContributionStatus.ACCEPTED.value) | ContributionRow.presented.is_(True),
            )
            .order_by(ContributionRow.sort_order, ContributionRow.id)
        )
    ]
    speeches += [
        SpeechRecord(
            key=f"comment:{r.id}", item_id=r.agenda_item_id, site_id=r.site_id, speaker=dict(r.speaker or {}),
            title="", summary=r.topic or "", at=_aware(r.started_at),
        )
        for r in await db.scalars(
            select(SpeakRequest)
            .where(SpeakRequest.meeting_id == mid, SpeakRequest.status == SpeakRequestStatus.DONE.value)
            .order_by(SpeakRequest.started_at, SpeakRequest.sort_order, SpeakRequest.id)
        )
    ]
    conclusions = await db.scalar(select(Conclusions).where(Conclusions.meeting_id == mid))
    draft = await db.scalar(select(MinutesDraft).where(MinutesDraft.meeting_id == mid))
    return MeetingRecord(
        meeting_id=mid,
        title=meeting.title,
        venue=meeting.venue or "",
        starts_at=aware(meeting.starts_at),
        ends_at=aware(meeting.ends_at),
        actual_started_at=_aware(meeting.actual_started_at),
        actual_ended_at=_aware(meeting.actual_ended_at),
        chair=dict(meeting.chair or {}),
        secretary=dict(meeting.secretary or {}),
        agency=agency_header(agency),
        sites=sites,
        items=items,
        speeches=tuple(speeches),
        conclusions=conclusions_record(conclusions),
        edits=dict(draft.sections or {}) if draft else {},
        edits_version=draft.version if draft else 0,
    )


def conclusions_record(row: Conclusions | None) -> ConclusionsRecord:
    if row is None:
        return ConclusionsRecord()
    return ConclusionsRecord(
        title_of_chair=row.title_of_chair or "",
        items=tuple(str(i) for i in row.items or ()),
        tasks=tuple(dict(t) for t in row.tasks or ()),
        recipients=tuple(str(r) for r in row.recipients or ()),
        signer=dict(row.signer or {}),
        version=row.version,
    )


# ---- pure mapping ------------------------------------------------------------------


def _person_or_blank(value: dict[str, Any] | None) -> Person:
    return person_of(value) or Person("", "")


def attending_sites(record: MeetingRecord) -> tuple[SiteRecord | None, list[SiteRecord]]:
    """The host site and the remote sites that took part.

    After a roll call, the remote sites marked connected; before one (or for a
    meeting recorded afterwards), the remote sites that confirmed attendance.
    """
    host = next((s for s in record.sites if s.role == SiteRole.HOST.value), None)
    remotes = [s for s in record.sites if s is not host]
    if record.roll_call_taken:
        remotes = [s for s in remotes if s.connected]
    else:
        remotes = [s for s in remotes if s.response == Response.ATTENDING.value]
    return host, remotes


def absent_sites(record: MeetingRecord) -> list[AbsentSite]:
    """The remote sites that did not take part, with why: declined (the reason the
    site gave); after a roll call, not connected; before one, never answered. Every
    invited remote site is thus either taking part or here."""
    host, remotes = attending_sites(record)
    taking_part = {s.id for s in remotes}
    out = []
    for site in record.sites:
        if site is host or site.id in taking_part:
            continue
        if site.response == Response.DECLINED.value:
            out.append(AbsentSite(site.name, "declined", clean(site.reason), site.province))
        elif record.roll_call_taken:
            out.append(AbsentSite(site.name, "not_connected", province=site.province))
        else:
            out.append(AbsentSite(site.name, "no_answer", province=site.province))
    return out


def _people_of(site: SiteRecord, roll_call: bool) -> tuple[tuple[Person, ...], tuple[tuple[Person, str], ...]]:
    """Delegates present (or confirmed) at a site, and the absent with their reasons."""
    if not roll_call:
        people = tuple(Person(d[0], d[1], d[2] or None) for d in site.delegates if clean(d[0]))
        return people, ()
    present = tuple(Person(d[0], d[1], d[2] or None) for d in site.delegates if d[3] and clean(d[0]))
    absent = tuple(
        (Person(d[0], d[1], d[2] or None), clean(d[4])) for d in site.delegates if d[3] is False and clean(d[0])
    )
    return present, absent


def venue_text(record: MeetingRecord, host: SiteRecord | None) -> str:
    """The host hall as the minutes name it: the meeting's venue and the host site."""
    venue = clean(record.venue)
    if host is None:
        return venue or "—"
    name = clean(host.name)
    if not venue or venue.casefold() in name.casefold():
        return name
    return f"{venue} ({name})"


def _speech_person(speech: SpeechRecord) -> Person:
    return _person_or_blank(speech.speaker)


def _item_for(speech: SpeechRecord, items: tuple[ItemRecord, ...]) -> int | None:
    """The agenda item a contribution belongs to: its own, the one running when it
    was given, or the discussion item; None when the meeting has no agenda."""
    ids = {i.id for i in items}
    if speech.item_id in ids:
        return speech.item_id
    if speech.at is not None:
        for item in items:
            if item.started_at and item.started_at <= speech.at and (item.ended_at is None or speech.at <= item.ended_at):
                return item.id
    for kind in ("discussion", "contributions"):
        for item in reversed(items):
            if item.kind == kind:
                return item.id
    return items[-1].id if items else None


@dataclass(frozen=True, slots=True)
class Section:
    """One editable piece of the minutes: a stable key, a label and the text the
    record gives (``generated``); ``text`` is what the document prints."""

    key: str
    group: str  # opening, attendance, item:<id>, conclusions, recipients
    label: str  # a message id ("Presenter"), translated where shown
    subject: str  # user text the section is about: a site, a speaker
    generated: str
    text: str
    edited: bool = False
    # The record changed since the edit was made: the edit still wins, but the
    # secretariat should look at it.
    record_changed: bool = False
    multiline: bool = True


@dataclass(frozen=True, slots=True)
class Orphan:
    """An edit whose source left the record (a contribution removed, an item deleted)."""

    key: str
    text: str
    base: str


def _presenter_text(p: Person | None) -> str:
    return p.describe() if p else ""


def _text_to_person(text: str) -> Person | None:
    """``Nguyễn Văn An, Giám đốc Sở Nội vụ`` back into a name and an office."""
    text = clean(text)
    if not text:
        return None
    name, _sep, office = text.partition(",")
    return Person(name.strip(), office.strip())


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in clean(text).split("\n") if line.strip())


def _speech_label(speech: SpeechRecord) -> str:
    return N_("Contribution") if speech.key.startswith("contribution:") else N_("Comment from the floor")


def generated_sections(record: MeetingRecord) -> list[tuple[str, str, str, str, str]]:
    """(key, group, label, subject, text) of every editable section, in document order."""
    host, remotes = attending_sites(record)
    venue = venue_text(record, host)
    if remotes:
        venue = Venue(venue, tuple(clean(s.name) for s in remotes)).describe()
    out: list[tuple[str, str, str, str, str]] = [
        ("opening:venue", "opening", N_("Venue and connected sites"), "", venue)
    ]
    roll_call = record.roll_call_taken
    for site in ([host] if host else []) + remotes:
        people, _absent = _people_of(site, roll_call)
        detail = "; ".join(p.describe() for p in people)
        out.append((f"site:{site.id}:attendance", "attendance", N_("Attendance"), site.name, detail))
    by_item: dict[int | None, list[SpeechRecord]] = {}
    for speech in record.speeches:
        by_item.setdefault(_item_for(speech, record.items), []).append(speech)
    for item in record.items:
        group = f"item:{item.id}"
        out.append((f"{group}:title", group, N_("Item title"), "", item.title))
        out.append((f"{group}:presenter", group, N_("Presenter"), "", _presenter_text(person_of(item.presenter))))
        for speech in by_item.get(item.id, ()):
            out.append((f"{speech.key}:summary", group, _speech_label(speech), _speech_person(speech).describe(), speech.summary))
        out.append((f"{group}:notes", group, N_("Notes"), "", item.notes))
    # Contributions with nowhere to go (a meeting without an agenda) still appear.
    for speech in by_item.get(None, ()):
        out.append(
            (f"{speech.key}:summary", "item:none", _speech_label(speech), _speech_person(speech).describe(), speech.summary)
        )
    conclusions = "\n".join(clean(i) for i in record.conclusions.items)
    out.append(("conclusions", "conclusions", N_("Conclusions of the chair (one a line)"), "", conclusions))
    recipients = DEFAULT_MINUTES_RECIPIENTS
    out.append(("recipients", "recipients", N_("Recipients (one a line)"), "", "\n".join(clean(r) for r in recipients)))
    return out


def _edit_text(edit: Any) -> tuple[str, str]:
    if isinstance(edit, dict):
        return str(edit.get("text", "")), str(edit.get("base", ""))
    return str(edit), ""


def sections_with_edits(record: MeetingRecord) -> tuple[list[Section], list[Orphan]]:
    """The fresh sections with the stored edits laid over them, and the orphans."""
    sections: list[Section] = []
    seen: set[str] = set()
    for key, group, label, subject, generated in generated_sections(record):
        seen.add(key)
        generated = clean_text(generated)
        multiline = not key.endswith((":title", ":presenter"))
        edit = record.edits.get(key)
        if edit is None:
            sections.append(Section(key, group, label, subject, generated, generated, multiline=multiline))
            continue
        text, base = _edit_text(edit)
        sections.append(
            Section(
                key, group, label, subject, generated, text, edited=True,
                record_changed=base != generated, multiline=multiline,
            )
        )
    orphans = [Orphan(k, *_edit_text(v)) for k, v in record.edits.items() if k not in seen]
    return sections, orphans


def _speech(record: MeetingRecord, speech: SpeechRecord, text: str, site_names: dict[int, str]) -> Contribution:
    return Contribution(
        speaker=_speech_person(speech),
        summary=text,
        site_name=site_names.get(speech.site_id) if speech.site_id is not None else None,
        title=speech.title or None,
    )


def _edited(record: MeetingRecord, key: str) -> str | None:
    edit = record.edits.get(key)
    return None if edit is None else _edit_text(edit)[0]


def minutes_content(
    record: MeetingRecord, *, number: int | None = None, issued_on: date | None = None,
    replaces: Replacement | None = None, issued_at: datetime | None = None,
) -> MinutesContent:
    """The minutes as printed: record plus edits; a draft unless ``number`` is given.

    Reads the edits by key instead of building every section: with 3,321 sites the
    sections' texts (one per site) would be composed only to be thrown away.
    """
    if record.agency is None:
        raise ValueError("the agency profile is needed to build a document")
    host, remotes = attending_sites(record)
    venue_edit = _edited(record, "opening:venue")
    if venue_edit is not None:
        venue = Venue(venue_edit)
    else:
        venue = Venue(venue_text(record, host), tuple(clean(s.name) for s in remotes))
    roll_call = record.roll_call_taken
    attendance = []
    for site in ([host] if host else []) + remotes:
        edited = _edited(record, f"site:{site.id}:attendance")
        people, absent = _people_of(site, roll_call)
        if edited is not None:
            # An edited line replaces the generated list of people as free text.
            attendance.append(SiteAttendance(site.name, (), edited or None, absent, site.province))
        else:
            attendance.append(SiteAttendance(site.name, people, None, absent, site.province))
    site_names = {s.id: s.name for s in record.sites}
    by_item: dict[int | None, list[SpeechRecord]] = {}
    for speech in record.speeches:
        by_item.setdefault(_item_for(speech, record.items), []).append(speech)

    def speeches(rows: list[SpeechRecord] | tuple[SpeechRecord, ...]) -> tuple[Contribution, ...]:
        return tuple(
            _speech(record, s, _or(_edited(record, f"{s.key}:summary"), s.summary), site_names) for s in rows
        )

    agenda = []
    for item in record.items:
        group = f"item:{item.id}"
        presenter_edit = _edited(record, f"{group}:presenter")
        presenter = person_of(item.presenter) if presenter_edit is None else _text_to_person(presenter_edit)
        notes = _or(_edited(record, f"{group}:notes"), item.notes)
        title = _or(_edited(record, f"{group}:title"), item.title) or item.title
        agenda.append(
            AgendaEntry(
                title, presenter, speeches(by_item.get(item.id, ())), (notes,) if clean(notes) else (), kind=item.kind
            )
        )
    loose = by_item.get(None, ())
    if loose:
        agenda.append(AgendaEntry("Ý kiến phát biểu", contributions=speeches(loose)))
    conclusions_edit = _edited(record, "conclusions")
    conclusions = (
        tuple(clean(i) for i in record.conclusions.items if clean(i)) if conclusions_edit is None else _lines(conclusions_edit)
    )
    recipients_edit = _edited(record, "recipients")
    recipients = (
        DEFAULT_MINUTES_RECIPIENTS
        if recipients_edit is None
        else _lines(recipients_edit)
    )
    return MinutesContent(
        header=record.agency,
        number=number,
        issued_on=issued_on,
        title=record.title,
        started_at=record.started_at,
        ended_at=record.ended_at,
        venue=venue,
        attendance=tuple(attendance),
        chair=_person_or_blank(record.chair),
        secretary=_person_or_blank(record.secretary),
        agenda=tuple(agenda),
        conclusions=conclusions,
        recipients=recipients,
        archive_unit=record.agency.filing(file=True),
        draft=number is None,
        absent_sites=tuple(absent_sites(record)),
        replaces=replaces,
        issued_at=issued_at,
    )


def _or(edited: str | None, original: str) -> str:
    return original if edited is None else edited


def signer_default(chair: dict[str, Any], agency_name: str | None) -> dict[str, Any]:
    """The chair signs; the title as the decree's block writes it (``GIÁM ĐỐC``, a
    deputy ``KT. GIÁM ĐỐC`` / ``PHÓ GIÁM ĐỐC``), without repeating the agency."""
    organization = agency_name or clean(chair.get("organization"))
    prefix, behalf, title = signer_title(clean(chair.get("position")), organization)
    return {"prefix": prefix, "on_behalf_of": behalf, "title": title, "full_name": clean(chair.get("full_name"))}


def default_signer(record: MeetingRecord) -> dict[str, Any]:
    return signer_default(record.chair or {}, record.agency.name if record.agency else None)


def notice_recipients(record: MeetingRecord) -> tuple[str, ...]:
    """The notice's default readers: the parent agency (to report to), every agency
    given a task, and the sites that took part."""
    out: list[str] = []
    if record.agency is not None and record.agency.parent_name:
        out.append(f"{short_office(record.agency.parent_name)} (để báo cáo)")
    for task in record.conclusions.tasks:
        assignee = clean(task.get("assignee"))
        if assignee and assignee not in out:
            out.append(assignee)
    out.append("Các điểm cầu tham dự hội nghị")
    return tuple(out)


def signer_of(value: dict[str, Any]) -> Signer:
    prefix = clean(value.get("prefix"))
    behalf = clean(value.get("on_behalf_of"))
    authority = f"{prefix} {behalf}".strip() if prefix else None
    return Signer(title=clean(value.get("title")), full_name=clean(value.get("full_name")), authority=authority)


def attendees_sentence(record: MeetingRecord) -> str:
    """Who attended, for the notice's opening: the delegates at the host and the count of sites."""
    host, remotes = attending_sites(record)
    parts = []
    if host is not None:
        people, _absent = _people_of(host, record.roll_call_taken)
        if people:
            parts.append("; ".join(p.describe() for p in people))
    if remotes:
        parts.append(f"đại biểu tại {len(remotes)} điểm cầu trực tuyến" if len(remotes) > 1 else f"đại biểu tại {clean(remotes[0].name)}")
    return "; ".join(parts)


def _due(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def conclusions_content(
    record: MeetingRecord, *, number: int | None = None, issued_on: date | None = None,
    replaces: Replacement | None = None, issued_at: datetime | None = None,
) -> ConclusionsContent:
    if record.agency is None:
        raise ValueError("the agency profile is needed to build a document")
    host, remotes = attending_sites(record)
    c = record.conclusions
    chair = _person_or_blank(record.chair)
    signer = signer_of(c.signer or default_signer(record))
    return ConclusionsContent(
        header=record.agency,
        number=number,
        issued_on=issued_on,
        chair_title=clean(c.title_of_chair) or clean(chair.office) or "Chủ tọa",
        meeting_title=record.title,
        started_at=record.started_at,
        venue=Venue(venue_text(record, host), tuple(clean(s.name) for s in remotes)),
        chair=chair,
        attendees=attendees_sentence(record),
        conclusions=tuple(clean(i) for i in c.items if clean(i)),
        tasks=tuple(
            Task(assignee=clean(t.get("assignee")), description=clean(t.get("description")), due_on=_due(t.get("due_date")))
            for t in c.tasks
        ),
        recipients=tuple(clean(r) for r in c.recipients if clean(r)) or notice_recipients(record),
        signer=signer,
        archive_unit=record.agency.filing(),
        draft=number is None,
        replaces=replaces,
        issued_at=issued_at,
    )
