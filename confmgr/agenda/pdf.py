"""The printable agenda (chương trình hội nghị) as PDF: the same data the page shows.

Set in the documents' serif family (``confmgr.printing.fonts``), which has every
precomposed Vietnamese letter; user text is NFC and escaped for ReportLab's markup.
Built in the printing pool (``confmgr.printing.pool``) from plain data
(:class:`AgendaPrint`, made by :func:`agenda_print`), so the event loop keeps serving.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from confmgr.agenda.models import AgendaItem, Contribution
from confmgr.agenda.schedule import planned_starts
from confmgr.i18n import gettext
from confmgr.printing.fonts import load_fonts
from confmgr.schemas import person_of
from confmgr.text import nfc
from confmgr.timeutil import to_vn, vn_date

_KIND_VI = {
    "opening": "Khai mạc",
    "report": "Báo cáo",
    "speech": "Phát biểu chỉ đạo",
    "contributions": "Tham luận",
    "discussion": "Thảo luận",
    "conclusion": "Kết luận",
    "closing": "Bế mạc",
    "other": "",
}


@dataclass(frozen=True, slots=True)
class PrintedItem:
    id: int
    title: str
    kind: str
    presenter: dict[str, Any] | None
    planned_start: datetime | None
    duration_minutes: int | None


@dataclass(frozen=True, slots=True)
class PrintedContribution:
    agenda_item_id: int | None
    title: str
    speaker: dict[str, Any] | None
    site_name: str | None


@dataclass(frozen=True, slots=True)
class AgendaPrint:
    """What the printed agenda shows, as plain data a worker process can receive."""

    title: str
    starts_at: datetime | None
    venue: str | None
    items: tuple[PrintedItem, ...]
    contributions: tuple[PrintedContribution, ...] = ()


def agenda_print(
    meeting: Any, items: Sequence[AgendaItem], contributions: Sequence[tuple[Contribution, str | None, Any]] = ()
) -> AgendaPrint:
    """The meeting, its items and the contributions to print (each with its site's name)."""
    return AgendaPrint(
        title=meeting.title, starts_at=meeting.starts_at, venue=meeting.venue,
        items=tuple(
            PrintedItem(i.id, i.title, i.kind, dict(i.presenter) if i.presenter else None, i.planned_start, i.duration_minutes)
            for i in items
        ),
        contributions=tuple(
            PrintedContribution(c.agenda_item_id, c.title, dict(c.speaker) if c.speaker else None, site_name)
            for c, site_name, _file in contributions
        ),
    )


def _m(text: str | None) -> str:
    """User text made safe for paragraph markup: NFC, escaped, line breaks kept."""
    return escape(nfc(text or "")).replace("\n", "<br/>")


def _presenter(value: dict[str, Any] | None) -> str:
    # One rule for a title: the office is never said twice (Person.describe).
    person = person_of(value)
    return person.describe() if person else ""


def item_times(items: Sequence[Any], meeting_start: Any = None) -> list[str]:
    """Each item's time, from the meeting's start and the durations (agenda.schedule)."""
    starts = planned_starts(meeting_start, items)
    times: list[str] = []
    for item in items:
        start = to_vn(starts[item.id])
        if start is None:
            times.append("")
        else:
            end = start + timedelta(minutes=item.duration_minutes) if item.duration_minutes else None
            times.append(f"{start:%H:%M}" + (f" – {end:%H:%M}" if end else ""))
    return times


def build_agenda_pdf(agenda: AgendaPrint, font_dir: Path | None = None) -> bytes:
    """The agenda as PDF bytes (a job for the printing pool: plain data in, bytes out)."""
    fonts = load_fonts(font_dir)
    base = ParagraphStyle("agendaBody", fontName=fonts.regular, fontSize=13, leading=16, alignment=TA_LEFT)
    title = ParagraphStyle("agendaTitle", base, fontName=fonts.bold, fontSize=15, leading=19, alignment=TA_CENTER, spaceAfter=4)
    centered = ParagraphStyle("agendaCentered", base, alignment=TA_CENTER, fontName=fonts.italic)
    head = ParagraphStyle("agendaHead", base, fontName=fonts.bold, alignment=TA_CENTER)
    small = ParagraphStyle("agendaSmall", base, fontSize=12, leading=15)

    story: list[Any] = [
        Paragraph("CHƯƠNG TRÌNH", title),
        Paragraph(_m(agenda.title), ParagraphStyle("agendaSubject", title, fontSize=14, leading=18)),
        Paragraph(
            _m(f"{to_vn(agenda.starts_at):%H:%M}, {vn_date(agenda.starts_at)}" + (f" – {agenda.venue}" if agenda.venue else "")),
            centered,
        ),
        Spacer(1, 6 * mm),
    ]
    rows: list[list[Any]] = [[Paragraph("TT", head), Paragraph("Thời gian", head), Paragraph("Nội dung", head), Paragraph("Thực hiện", head)]]
    by_item: dict[int | None, list[PrintedContribution]] = {}
    for contribution in agenda.contributions:
        by_item.setdefault(contribution.agenda_item_id, []).append(contribution)
    items = agenda.items
    for number, (item, when) in enumerate(zip(items, item_times(items, agenda.starts_at), strict=True), start=1):
        kind = _KIND_VI.get(item.kind, "")
        content = f"<b>{_m(item.title)}</b>"
        if kind and kind.lower() not in item.title.lower():
            content = f"<i>{escape(kind)}:</i> " + content
        for c in by_item.get(item.id, []):
            speaker = _presenter(c.speaker)
            line = f"– {_m(c.title)}"
            if speaker or c.site_name:
                line += f" <i>({_m(speaker or c.site_name)})</i>"
            content += "<br/>" + line
        rows.append([Paragraph(str(number), ParagraphStyle("n", base, alignment=TA_CENTER)), Paragraph(_m(when), base),
                     Paragraph(content, base), Paragraph(_m(_presenter(item.presenter)), small)])
    if len(rows) == 1:
        rows.append(["", "", Paragraph(escape(gettext("No agenda item yet.", locale="vi")), base), ""])
    table = Table(rows, colWidths=[10 * mm, 31 * mm, 85 * mm, 44 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    story.append(table)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=15 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
        title=nfc(f"Chương trình: {agenda.title}"), author="confmgr", subject=nfc(agenda.title),
    )
    doc.build(story)
    return buffer.getvalue()
