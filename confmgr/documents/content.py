"""What an official document shows, independent of the database.

Services fill these frozen dataclasses from the meeting record; the PDF and DOCX
builders turn them into bytes. Text is stored as the user typed it: the builders
normalise it to Unicode NFC and escape it for their markup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, ClassVar

from confmgr.schemas import Person
from confmgr.text import clean_text as clean
from confmgr.text import normalise_text as _normalise
from confmgr.documents.vndate import (
    format_number,
    format_thousands,
    format_vn_date,
    format_vn_time,
    place_and_date,
    place_and_undated,
    to_vn_time,
)

__all__ = [
    "INLINE_SITE_LIMIT",
    "PRESENTER_VERBS",
    "Replacement",
    "AbsentSite",
    "AgencyHeader",
    "AgendaEntry",
    "BodyParagraph",
    "ConclusionsContent",
    "Contribution",
    "MinutesContent",
    "Person",
    "Run",
    "Signer",
    "SiteAttendance",
    "Task",
    "Venue",
    "attendance_paragraphs",
    "clean",
    "conclusions_body",
    "header_caps",
    "issue_date_line",
    "minutes_body",
    "recipient_lines",
]

# Above this many remote sites a venue line gives their count instead of their
# names: 3,321 commune names would fill twenty pages of one sentence, and the
# minutes list every site under "Thành phần tham dự" anyway.
INLINE_SITE_LIMIT = 30

# "Ủy" and the older spelling "Uỷ" (tone mark on the other vowel) both occur.
_UBND = re.compile(r"^(?:ủy|uỷ) ban nhân dân\b", re.IGNORECASE)


def header_caps(name: str) -> str:
    """An agency name as the header prints it: capitals, with "Ủy ban nhân dân" as UBND.

    ``header_caps("Ủy ban nhân dân tỉnh Bình Định") == "UBND TỈNH BÌNH ĐỊNH"``. Practice
    abbreviates the parent agency (cơ quan chủ quản) this way; the issuing agency is
    printed in full, so callers apply this to the parent line only.
    """
    text = unicodedata.normalize("NFC", name.strip())
    text = _UBND.sub("UBND", text)
    return text.upper()


@dataclass(frozen=True, slots=True)
class AgencyHeader:
    """The issuing agency (cơ quan ban hành) and where it sits.

    ``parent_name`` is the governing agency (cơ quan chủ quản), ``None`` when the
    issuing agency has none (a provincial People's Committee issuing in its own name).
    """

    parent_name: str | None
    name: str
    abbreviation: str
    place_name: str
    drafting_unit: str = ""
    archive_copies: int | None = None

    def filing(self, *, file: bool = False) -> str:
        """What follows ``Lưu: VT,``: the drafting unit, the meeting file (``hồ sơ``,
        for minutes) and the number of copies kept (``02b``)."""
        parts = [clean(self.drafting_unit)]
        if file:
            parts.append("hồ sơ")
        if self.archive_copies:
            parts.append(f"{self.archive_copies:02d}b")
        return ", ".join(p for p in parts if p)

    @property
    def parent_caps(self) -> str | None:
        return header_caps(self.parent_name) if self.parent_name else None

    @property
    def name_caps(self) -> str:
        return unicodedata.normalize("NFC", self.name.strip()).upper()


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a hybrid meeting took place (địa điểm): the host site (điểm cầu chính) and
    the remote sites connected to it online (điểm cầu trực tuyến)."""

    host_site: str
    remote_sites: tuple[str, ...] = ()

    def remote_phrase(self) -> str | None:
        """``các điểm cầu: A; B`` or, above :data:`INLINE_SITE_LIMIT`, ``3.321 điểm cầu``."""
        count = len(self.remote_sites)
        if count == 0:
            return None
        if count > INLINE_SITE_LIMIT:
            return f"{format_thousands(count)} điểm cầu"
        return "các điểm cầu: " + "; ".join(self.remote_sites)

    def describe(self) -> str:
        """The host, then ``kết nối trực tuyến với`` the remote sites or their count."""
        phrase = self.remote_phrase()
        if phrase is None:
            return self.host_site
        return f"{self.host_site}, kết nối trực tuyến với {phrase}"

    @property
    def lists_sites_by_count(self) -> bool:
        return len(self.remote_sites) > INLINE_SITE_LIMIT


@dataclass(frozen=True, slots=True)
class SiteAttendance:
    """Who attended at one site (thành phần tham dự tại một điểm cầu).

    ``absent`` are the site's delegates who did not come, each with the reason
    given (empty when none was); ``note`` is free text that replaces the list of
    delegates (an edited line).
    """

    site_name: str
    delegates: tuple[Person, ...] = ()
    note: str | None = None
    absent: tuple[tuple[Person, str], ...] = ()
    province: str = ""  # the province of an official unit (sites/units.py); groups the list


@dataclass(frozen=True, slots=True)
class AbsentSite:
    """A site invited that did not take part: it declined (with its reason), it was
    not connected on the day, or (no roll call taken) it never answered."""

    site_name: str
    status: str  # "declined", "not_connected", "no_answer"
    reason: str = ""
    province: str = ""


@dataclass(frozen=True, slots=True)
class Contribution:
    """A paper or comment from the floor or a site (tham luận, ý kiến phát biểu)."""

    speaker: Person
    summary: str
    site_name: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One agenda item (nội dung chương trình) as it happened, in order."""

    title: str
    presenter: Person | None = None
    contributions: tuple[Contribution, ...] = ()
    notes: tuple[str, ...] = ()
    kind: str = "other"  # confmgr.agenda.models.AgendaKind

    @property
    def empty(self) -> bool:
        return self.presenter is None and not self.contributions and not any(clean(n) for n in self.notes)


@dataclass(frozen=True, slots=True)
class Task:
    """A task the chair gives an agency (giao nhiệm vụ), with an optional deadline."""

    assignee: str
    description: str
    due_on: date | None = None
    partners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signs (người ký): ``authority`` is the prefix line such as ``KT. GIÁM ĐỐC``
    or ``TL. GIÁM ĐỐC``, ``None`` when the head signs in their own name."""

    title: str
    full_name: str
    authority: str | None = None

    @property
    def heading_lines(self) -> tuple[str, ...]:
        """The capitalised lines above the signature: authority prefix, then title."""
        lines = (clean(self.authority), clean(self.title))
        return tuple(line.upper() for line in lines if line)


@dataclass(frozen=True, slots=True)
class Replacement:
    """The issued document a correction replaces: its number, date and why."""

    number_text: str
    issued_on: date
    reason: str = ""


def _replacement_paragraph(doc_name: str, agency: str, r: Replacement) -> BodyParagraph:
    text = f"{doc_name} này thay thế {doc_name} số {clean(r.number_text)} {format_vn_date(r.issued_on)} của {clean(agency)}"
    reason = _sentence(clean(r.reason))
    return _p(Run(f"{text}; lý do: {reason}." if reason else f"{text}.", italic=True))


def _stamp(issued_at: datetime | None, issued_on: date | None, meeting_time: datetime) -> datetime:
    if issued_at is not None:
        return to_vn_time(issued_at).replace(microsecond=0)
    if issued_on is not None:
        return datetime.combine(issued_on, time(0, 0), tzinfo=to_vn_time(meeting_time).tzinfo)
    return to_vn_time(meeting_time).replace(microsecond=0)


def _check_issue_state(draft: bool, number: int | None) -> None:
    # An issued document without a number cannot be filed; refuse it here rather
    # than print "Số:      /BB-SNV" on a document the secretariat thinks is final.
    if not draft and number is None:
        raise ValueError("an issued document (draft=False) needs a number")


@dataclass(frozen=True, slots=True)
class MinutesContent:
    """The minutes of a meeting (biên bản, model 1.9 of Nghị định 30/2020).

    ``issued_on=None`` prints the place-and-date line with day and month blank and
    the year of the meeting's end: a draft carries no date, and the builders never
    read the clock, so the same content always gives the same bytes.
    """

    header: AgencyHeader
    number: int | None
    issued_on: date | None
    title: str
    started_at: datetime
    ended_at: datetime
    venue: Venue
    attendance: tuple[SiteAttendance, ...]
    chair: Person
    secretary: Person
    agenda: tuple[AgendaEntry, ...]
    conclusions: tuple[str, ...]
    recipients: tuple[str, ...]
    archive_unit: str | None = None
    draft: bool = True
    absent_sites: tuple[AbsentSite, ...] = ()
    replaces: Replacement | None = None
    # The moment of issue: the files' creation and modification dates.
    issued_at: datetime | None = None

    DOC_TYPE: ClassVar[str] = "BB"

    def __post_init__(self) -> None:
        _check_issue_state(self.draft, self.number)

    @property
    def number_text(self) -> str:
        return format_number(self.number, self.DOC_TYPE, self.header.abbreviation)

    @property
    def stamp(self) -> datetime:
        """When the file says it was made: the issue moment, else the issue date,
        else (a draft) the end of the meeting. Never the clock: same content, same bytes."""
        return _stamp(self.issued_at, self.issued_on, self.ended_at)

    @property
    def file_title(self) -> str:
        return f"Biên bản {clean(self.title)}"

    @property
    def file_subject(self) -> str:
        return "Dự thảo biên bản" if self.draft else f"Biên bản số {self.number_text}"


@dataclass(frozen=True, slots=True)
class ConclusionsContent:
    """A conclusions notice (thông báo kết luận, model 1.4 of Nghị định 30/2020).

    ``chair_title`` is the chair's office as the subject names it ("Giám đốc Sở Nội
    vụ"); ``attendees`` is the free sentence of who attended ("lãnh đạo các phòng,
    đơn vị thuộc Sở; ..."). ``issued_on=None`` behaves as in :class:`MinutesContent`.
    """

    header: AgencyHeader
    number: int | None
    issued_on: date | None
    chair_title: str
    meeting_title: str
    started_at: datetime
    venue: Venue
    chair: Person
    attendees: str
    conclusions: tuple[str, ...]
    tasks: tuple[Task, ...]
    recipients: tuple[str, ...]
    signer: Signer
    archive_unit: str | None = None
    draft: bool = True
    replaces: Replacement | None = None
    issued_at: datetime | None = None

    DOC_TYPE: ClassVar[str] = "TB"

    def __post_init__(self) -> None:
        _check_issue_state(self.draft, self.number)

    @property
    def number_text(self) -> str:
        return format_number(self.number, self.DOC_TYPE, self.header.abbreviation)

    @property
    def stamp(self) -> datetime:
        return _stamp(self.issued_at, self.issued_on, self.started_at)

    @property
    def file_title(self) -> str:
        return f"Thông báo {clean(self.subject)}"

    @property
    def file_subject(self) -> str:
        return "Dự thảo thông báo kết luận" if self.draft else f"Thông báo kết luận số {self.number_text}"

    @property
    def subject(self) -> str:
        return f"Kết luận của {self.chair_title} tại {self.meeting_title}"


# --- Wording -------------------------------------------------------------------
# The sentences both builders print, composed once so the PDF and the DOCX of a
# document cannot drift apart. Renderers only lay these paragraphs out.


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in clean(text).split("\n") if line.strip()]


def _sentence(text: str) -> str:
    """Drop trailing punctuation so the builder controls how a list item ends."""
    return text.rstrip(" .;,:")


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class BodyParagraph:
    """One paragraph of the body. Headings keep with the paragraph that follows."""

    runs: tuple[Run, ...]
    heading: bool = False

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def _p(*parts: str | Run, heading: bool = False) -> BodyParagraph:
    # Runs keep their outer spaces: "Chủ trì (chủ tọa): " joins the name that follows.
    runs = tuple(Run(_normalise(p)) if isinstance(p, str) else Run(_normalise(p.text), p.bold, p.italic) for p in parts)
    return BodyParagraph(tuple(r for r in runs if r.text), heading)


def _roman(n: int) -> str:
    numerals = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = []
    for value, symbol in numerals:
        count, n = divmod(n, value)
        out.append(symbol * count)
    return "".join(out)


def _person_runs(person: Person) -> list[str | Run]:
    runs: list[str | Run] = [Run(clean(person.full_name), bold=True)]
    office = clean(person.office)
    if office:
        runs.append(", " + office)
    return runs


def _site_line(site: SiteAttendance, last: bool) -> BodyParagraph:
    delegates = "; ".join(clean(d.describe()) for d in site.delegates)
    note = clean(site.note)
    detail = f"{delegates}; {note}" if delegates and note else delegates or note or "không có đại biểu"
    return _p(f"- {clean(site.site_name)}: {_sentence(detail)}{'.' if last else ';'}")


# Presenter lines name what the person did, by the kind of agenda item.
PRESENTER_VERBS = {
    "opening": "Phát biểu khai mạc",
    "report": "Trình bày",
    "speech": "Phát biểu chỉ đạo",
    "contributions": "Tham luận",
    "discussion": "Điều hành thảo luận",
    "conclusion": "Kết luận",
    "closing": "Phát biểu bế mạc",
    "other": "Trình bày",
}

_ABSENT_SITE = {
    "declined": "không tham dự",
    "not_connected": "không kết nối",
    "no_answer": "chưa trả lời",  # the board's word for a site that never answered
}


def _reasoned(text: str, reason: str) -> str:
    reason = _sentence(clean(reason))
    return f"{text}, lý do: {reason}" if reason else text


def _absence_lines(c: MinutesContent) -> list[str]:
    """Sites that did not take part, then delegates who did not come, per site."""
    lines = [
        _reasoned(f"{clean(s.site_name)}: {_ABSENT_SITE.get(s.status, _ABSENT_SITE['declined'])}", s.reason)
        for s in c.absent_sites
    ]
    for site in c.attendance:
        if not site.absent:
            continue
        people = "; ".join(_reasoned(clean(p.describe()), reason) for p, reason in site.absent)
        lines.append(f"{clean(site.site_name)}: vắng {people}")
    return lines


def _grouped_by_province(c: MinutesContent) -> bool:
    """Group when the sites of the list (those who came and those who did not) are
    more than :data:`INLINE_SITE_LIMIT` and some carry a province: below it a line
    per site with its delegates fits a page and says more than a count."""
    if len(c.attendance) + len(c.absent_sites) <= INLINE_SITE_LIMIT:
        return False
    return any(site.province for site in c.attendance) or any(site.province for site in c.absent_sites)


def attendance_paragraphs(c: MinutesContent) -> list[BodyParagraph]:
    """``Thành phần tham dự:`` who came, site by site; then ``Vắng mặt:`` the sites and
    the delegates who did not, with their reasons. The one place attendance is
    worded, so a grouping (by province, by level) changes only this function.

    At national scale (more sites than :data:`INLINE_SITE_LIMIT`, the sites official
    units of provinces: thousands of communes) they are counted per province instead
    of listed one by one, and the absences are named per province. A provincial
    meeting of a dozen communes still lists who came at each site, by name."""
    if _grouped_by_province(c):
        return _attendance_by_province(c)
    out = [_p("Thành phần tham dự:")]
    for i, site in enumerate(c.attendance):
        out.append(_site_line(site, last=i == len(c.attendance) - 1))
    absences = _absence_lines(c)
    if absences:
        out.append(_p("Vắng mặt:"))
        out += [_p(f"- {_sentence(line)}{'.' if i == len(absences) - 1 else ';'}") for i, line in enumerate(absences)]
    return out


def _attendance_by_province(c: MinutesContent) -> list[BodyParagraph]:
    """Sites of no province (the host hall) and edited lines, one by one; then one line
    per province: its sites that took part and their delegates, out of the sites
    invited (every invited site is either attending or absent); then, per province, the sites and delegates who did not."""
    provinces: dict[str, dict[str, Any]] = {}

    def group(name: str) -> dict[str, Any]:
        return provinces.setdefault(name, {"sites": 0, "delegates": 0, "absent_sites": [], "absent_people": []})

    single: list[SiteAttendance] = []
    for site in c.attendance:
        if site.province and not site.note:
            g = group(site.province)
            g["sites"] += 1
            g["delegates"] += len(site.delegates)
        else:
            single.append(site)
        if site.province and site.absent:
            group(site.province)["absent_people"].append(site)
    loose_absent = [s for s in c.absent_sites if not s.province]
    for absent in c.absent_sites:
        if absent.province:
            group(absent.province)["absent_sites"].append(absent)
    lines = [_site_line(site, last=False).text for site in single]
    for name, g in provinces.items():
        invited = g["sites"] + len(g["absent_sites"])
        text = f"- {clean(name)}: {g['sites']}/{invited} điểm cầu tham dự"
        if g["delegates"]:
            text += f", {g['delegates']} đại biểu"
        lines.append(text + ";")
    out = [_p("Thành phần tham dự:")]
    out += [_p(line[:-1] + ("." if i == len(lines) - 1 else ";")) for i, line in enumerate(lines)]
    absences = [
        _reasoned(f"{clean(s.site_name)}: {_ABSENT_SITE.get(s.status, _ABSENT_SITE['declined'])}", s.reason)
        for s in loose_absent
    ]
    for site in single:
        if site.absent and not site.province:
            people = "; ".join(_reasoned(clean(p.describe()), reason) for p, reason in site.absent)
            absences.append(f"{clean(site.site_name)}: vắng {people}")
    for name, g in provinces.items():
        parts = [
            _reasoned(f"{clean(s.site_name)} {_ABSENT_SITE.get(s.status, _ABSENT_SITE['declined'])}", s.reason)
            for s in g["absent_sites"]
        ]
        for site in g["absent_people"]:
            people = "; ".join(_reasoned(clean(p.describe()), reason) for p, reason in site.absent)
            parts.append(f"{clean(site.site_name)} vắng {people}")
        if parts:
            absences.append(f"{clean(name)}: " + "; ".join(parts))
    if absences:
        out.append(_p("Vắng mặt:"))
        out += [_p(f"- {_sentence(line)}{'.' if i == len(absences) - 1 else ';'}") for i, line in enumerate(absences)]
    return out


def _multiline(first: list[str | Run], text: str) -> list[BodyParagraph]:
    """``first`` runs, then the first line of ``text``; later lines as own paragraphs."""
    lines = _lines(text)
    head = _p(*first, lines[0] if lines else "")
    return [head] + [_p(line) for line in lines[1:]]


def _contribution(number: int, c: Contribution) -> list[BodyParagraph]:
    lead: list[str | Run] = [f"{number}. ", *_person_runs(c.speaker)]
    site = clean(c.site_name)
    # The site in brackets only when the speaker's title does not already name it.
    if site and site.casefold() not in clean(c.speaker.office).casefold():
        lead.append(f" ({site})")
    if c.title and clean(c.title):
        lead.append(f", tham luận “{clean(c.title)}”")
    lead.append(": ")
    return _multiline(lead, c.summary)


def minutes_body(c: MinutesContent) -> list[BodyParagraph]:
    """The body of the minutes, from "Thời gian bắt đầu:" to the closing line ``./.``."""
    start = to_vn_time(c.started_at)
    end = to_vn_time(c.ended_at)
    venue = clean(c.venue.describe())
    if c.venue.lists_sites_by_count:
        venue += " (danh sách tại phần thành phần tham dự)"
    out = [
        _p(f"Thời gian bắt đầu: {format_vn_time(start)}, {format_vn_date(start.date())}."),
        _p(f"Địa điểm: {_sentence(venue)}."),
        *attendance_paragraphs(c),
        _p("Chủ trì (chủ tọa): ", *_person_runs(c.chair), "."),
        _p("Thư ký (người ghi biên bản): ", *_person_runs(c.secretary), "."),
        _p("Nội dung (theo diễn biến cuộc họp):"),
    ]
    # The chair's conclusions belong to the conclusion item; without one they get
    # their own section, before the closing.
    conclusion_at = next((i for i in range(len(c.agenda) - 1, -1, -1) if c.agenda[i].kind == "conclusion"), None)
    closing_at = next((i for i, e in enumerate(c.agenda) if e.kind == "closing"), len(c.agenda))
    section = 0

    def heading(title: str) -> None:
        nonlocal section
        section += 1
        out.append(_p(Run(f"{_roman(section)}. {clean(title).upper()}", bold=True), heading=True))

    def conclusions() -> None:
        for n, text in enumerate(c.conclusions, start=1):
            out.extend(_multiline([f"{n}. "], text))

    for index, entry in enumerate(c.agenda):
        if index == closing_at and conclusion_at is None and c.conclusions:
            heading("Kết luận của chủ tọa")
            conclusions()
        has_conclusions = index == conclusion_at and bool(c.conclusions)
        if entry.empty and not has_conclusions:
            continue  # no heading with nothing under it
        heading(entry.title)
        if entry.presenter is not None:
            verb = PRESENTER_VERBS.get(entry.kind, PRESENTER_VERBS["other"])
            out.append(_p(f"{verb}: ", *_person_runs(entry.presenter), "."))
        if entry.contributions:
            out.append(_p("Ý kiến phát biểu, tham luận:"))
            for n, contribution in enumerate(entry.contributions, start=1):
                out.extend(_contribution(n, contribution))
        for note in entry.notes:
            out.extend(_p(line) for line in _lines(note))
        if has_conclusions:
            conclusions()
    if closing_at == len(c.agenda) and conclusion_at is None and c.conclusions:
        heading("Kết luận của chủ tọa")
        conclusions()
    if c.replaces is not None:
        out.append(_replacement_paragraph("Biên bản", c.header.name, c.replaces))
    out.append(_p(f"Hội nghị kết thúc vào {format_vn_time(end)}, {format_vn_date(end.date())}./."))
    return out


def _task(letter: str, task: Task) -> BodyParagraph:
    partners = "; ".join(clean(p) for p in task.partners if clean(p))
    text = (
        f"{letter}) Giao {clean(task.assignee)} chủ trì, phối hợp với "
        f"{partners or 'các cơ quan, đơn vị liên quan'} {_sentence(clean(task.description))}"
    )
    if task.due_on is not None:
        text += f", hoàn thành trước {format_vn_date(task.due_on)}"
    return _p(text + ".")


# Sub-items are lettered in the order of the Vietnamese alphabet, which has no
# f, j, w or z and puts đ after d and ư after u, as legal drafting does.
_LETTERS = (
    "a",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "g",
    "h",
    "i",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "x",
    "y",
)


def _letter(i: int) -> str:
    base = len(_LETTERS)
    return _LETTERS[i] if i < base else _LETTERS[i // base - 1] + _LETTERS[i % base]


def conclusions_body(c: ConclusionsContent) -> list[BodyParagraph]:
    """The body of the notice, from the opening paragraph to ``… thực hiện./.``."""
    start = to_vn_time(c.started_at)
    chair = clean(c.chair.describe())
    opening = (
        f"Vào lúc {format_vn_time(start)}, {format_vn_date(start.date())}, {chair} "
        f"chủ trì {clean(c.meeting_title)} tại {clean(c.venue.host_site)}"
    )
    phrase = c.venue.remote_phrase()
    if phrase:
        opening += f", kết nối trực tuyến với {clean(phrase)}"
    opening += "."
    attendees = clean(c.attendees)
    if attendees:
        opening += f" Tham dự hội nghị có {_sentence(attendees)}."
    out = [
        _p(opening),
        _p(f"Sau khi nghe báo cáo và ý kiến phát biểu của các đại biểu, {clean(c.chair_title)} kết luận như sau:"),
    ]
    n = 0
    for n, text in enumerate(c.conclusions, start=1):
        out.extend(_multiline([f"{n}. "], text))
    if c.tasks:
        out.append(_p(f"{n + 1}. Tổ chức thực hiện:"))
        out.extend(_task(_letter(i), t) for i, t in enumerate(c.tasks))
    if c.replaces is not None:
        out.append(_replacement_paragraph("Thông báo", c.header.name, c.replaces))
    out.append(_p(f"{clean(c.header.name)} thông báo để các cơ quan, đơn vị biết, thực hiện./."))
    return out


def recipient_lines(recipients: tuple[str, ...], archive_unit: str | None) -> list[str]:
    """``- X;`` per recipient, then ``- Lưu: VT, <unit>.`` (nơi nhận)."""
    lines = [f"- {_sentence(clean(r))};" for r in recipients if clean(r)]
    unit = clean(archive_unit)
    lines.append(f"- Lưu: VT, {_sentence(unit)}." if unit else "- Lưu: VT.")
    return lines


def issue_date_line(header: AgencyHeader, issued_on: date | None, fallback_year: int) -> str:
    """The place-and-date line; a draft without a date leaves day and month blank."""
    place = clean(header.place_name)
    if issued_on is None:
        return place_and_undated(place, fallback_year)
    return place_and_date(place, issued_on)
