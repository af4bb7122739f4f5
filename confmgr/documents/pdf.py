"""PDF minutes and conclusions notices laid out as Nghị định 30/2020 prescribes.

Pure functions: content and a registered font family in, PDF bytes out. The same
input always gives the same bytes (ReportLab's invariant mode: no timestamps, no
random document id), so an issued document can be rebuilt and compared.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paraparser import ParaParser

from confmgr.documents.content import (
    AgencyHeader,
    BodyParagraph,
    ConclusionsContent,
    MinutesContent,
    clean,
    conclusions_body,
    issue_date_line,
    minutes_body,
    recipient_lines,
)
from confmgr.documents.vndate import to_vn_time
from confmgr.printing.fonts import FontFamily
from confmgr.printing.metadata import FileMetadata, metadata_of, pdf_date
from confmgr.printing.layout import (
    AGENCY_COLUMN_SHARE,
    BODY_FIRST_LINE_INDENT_MM,
    BODY_LEADING,
    BODY_SIZE,
    BODY_SPACE_AFTER,
    DRAFT_MARK,
    HEADER_LEADING,
    HEADER_SIZE,
    MARGINS_MM,
    MOTTO,
    MOTTO_SIZE,
    MOTTO_SUBTITLE,
    NOTICE_RECIPIENTS_EXTRA_MM,
    PAGE_NUMBER_SIZE,
    RECIPIENT_LEADING,
    RECIPIENT_SIZE,
    RECIPIENTS_LABEL_LEADING,
    RECIPIENTS_LABEL_SIZE,
    SIGNATURE_SPACE_PT,
    TITLE_LEADING,
    TITLE_SIZE,
)

__all__ = [
    "DRAFT_MARK",
    "balanced_subject_indent",
    "MARGINS_MM",
    "build_conclusions_pdf",
    "build_minutes_pdf",
]

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP = MARGINS_MM["top"] * mm
BOTTOM = MARGINS_MM["bottom"] * mm
LEFT = MARGINS_MM["left"] * mm
RIGHT = MARGINS_MM["right"] * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT

AGENCY_COLUMN = round(TEXT_WIDTH * AGENCY_COLUMN_SHARE, 2)
MOTTO_COLUMN = TEXT_WIDTH - AGENCY_COLUMN

RULE_THICKNESS = 0.6
SIGNATURE_SPACE = SIGNATURE_SPACE_PT


def _m(text: str | None) -> str:
    """User text made safe for ReportLab paragraph markup: NFC, no control
    characters, and ``<``, ``>``, ``&`` escaped so a summary can never add tags."""
    return escape(clean(text))


class _Styles:
    """Paragraph styles of one font family; built once per family and reused."""

    def __init__(self, fonts: FontFamily) -> None:
        f = fonts
        self.fonts = f

        def style(name: str, **kw: object) -> ParagraphStyle:
            base: dict[str, object] = {
                "fontName": f.regular,
                "fontSize": HEADER_SIZE,
                "leading": HEADER_LEADING,
                "alignment": TA_CENTER,
                "textColor": "black",
            }
            base.update(kw)
            return ParagraphStyle(name, **base)  # type: ignore[arg-type]

        # Parent agency (13) and motto (12) share the leading so their second lines
        # (issuing agency, "Độc lập - ...") sit on one baseline.
        self.parent = style("parent")
        self.agency = style("agency", fontName=f.bold)
        self.motto = style("motto", fontName=f.bold, fontSize=MOTTO_SIZE)
        self.motto_subtitle = style("mottoSubtitle", fontName=f.bold)
        self.number = style("number")
        self.place_date = style("placeDate", fontName=f.italic)
        self.doc_type = style("docType", fontName=f.bold, fontSize=TITLE_SIZE, leading=TITLE_LEADING)
        self.subject = style("subject", fontName=f.bold, fontSize=TITLE_SIZE, leading=TITLE_LEADING)
        self.body = style(
            "body",
            fontName=f.name,
            fontSize=BODY_SIZE,
            leading=BODY_LEADING,
            alignment=TA_JUSTIFY,
            firstLineIndent=BODY_FIRST_LINE_INDENT_MM * mm,
            spaceAfter=BODY_SPACE_AFTER,
            # Widow and orphan control, as Word and LibreOffice do by default: a
            # paragraph never leaves one line alone at the foot or head of a page.
            allowWidows=0,
            allowOrphans=0,
        )
        # A heading is never the last line of a page.
        self.heading = ParagraphStyle("heading", self.body, spaceBefore=3, keepWithNext=1)
        self.signer = style("signer", fontName=f.bold, fontSize=TITLE_SIZE, leading=TITLE_LEADING)
        self.signer_name = style("signerName", fontName=f.bold, fontSize=TITLE_SIZE, leading=TITLE_LEADING)
        self.recipients_label = style(
            "recipientsLabel",
            fontName=f.bold_italic,
            fontSize=RECIPIENTS_LABEL_SIZE,
            leading=RECIPIENTS_LABEL_LEADING,
            alignment=TA_LEFT,
        )
        self.recipient = style(
            "recipient", fontName=f.regular, fontSize=RECIPIENT_SIZE, leading=RECIPIENT_LEADING, alignment=TA_LEFT
        )


_style_cache: dict[str, _Styles] = {}


def _styles(fonts: FontFamily) -> _Styles:
    styles = _style_cache.get(fonts.name)
    if styles is None:
        styles = _style_cache[fonts.name] = _Styles(fonts)
    return styles


def _widest_line(para: Paragraph, avail: float) -> float:
    """Width of the widest line ``para`` wraps to within ``avail`` points."""
    para.wrap(avail, PAGE_HEIGHT)
    width = avail - para.style.leftIndent - para.style.rightIndent
    lines = para.blPara.lines
    # Plain paragraphs keep (extra space, words) tuples; styled ones keep objects.
    if para.blPara.kind == 0:
        return max((width - line[0] for line in lines), default=0.0)
    return max((width - line.extraSpace for line in lines), default=0.0)


class _Rule(Flowable):
    """A solid horizontal rule of a fixed width (đường kẻ ngang, nét liền).

    ReportLab's HRFlowable draws from (0, 0) to (width, thickness), a slight slope;
    the decree's rules are level.
    """

    def __init__(self, width: float, space_before: float) -> None:
        super().__init__()
        self.width = width
        self.height = RULE_THICKNESS
        self.spaceBefore = space_before
        self.hAlign = "CENTER"

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = min(self.width, availWidth)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(RULE_THICKNESS)
        canvas.setLineCap(0)
        canvas.setStrokeGray(0)
        y = RULE_THICKNESS / 2
        canvas.line(0, y, self.width, y)
        canvas.restoreState()


def _rule(width: float, space_before: float = 3.5) -> _Rule:
    return _Rule(width, space_before)


_NO_PADDING = [
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    # Cells place flowables by this, not by the flowable's own hAlign: without it
    # the rules under the agency name and the motto would hug the left edge.
    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
]


def _table_style(s: _Styles, *extra: tuple[object, ...]) -> TableStyle:
    # Tables set their cell font even when cells hold paragraphs; left at the
    # default it would put an unembedded Helvetica into the page resources.
    return TableStyle([*_NO_PADDING, ("FONTNAME", (0, 0), (-1, -1), s.fonts.regular), *extra])


def _header(s: _Styles, header: AgencyHeader, number_text: str, date_line: str) -> list[Flowable]:
    agency: list[Flowable] = []
    if header.parent_caps:
        agency.append(Paragraph(_m(header.parent_caps), s.parent))
    name = Paragraph(_m(header.name_caps), s.agency)
    # The decree: a rule 1/3 to 1/2 as long as the agency name line, centred.
    agency += [name, _rule(_widest_line(name, AGENCY_COLUMN) / 2)]

    subtitle_width = stringWidth(MOTTO_SUBTITLE, s.fonts.bold, s.motto_subtitle.fontSize)
    motto: list[Flowable] = [
        Paragraph(MOTTO, s.motto),
        Paragraph(MOTTO_SUBTITLE, s.motto_subtitle),
        _rule(subtitle_width),  # as long as the subtitle line
    ]
    table = Table(
        [
            [agency, motto],
            [
                # Not _m: stripping would eat the blank of an unissued number.
                Paragraph(f"Số: {escape(unicodedata.normalize('NFC', number_text))}", s.number),
                Paragraph(_m(date_line), s.place_date),
            ],
        ],
        colWidths=[AGENCY_COLUMN, MOTTO_COLUMN],
        style=_table_style(s, ("TOPPADDING", (0, 1), (-1, 1), 7)),
        hAlign="LEFT",
    )
    return [table]


def _balanced_subject(s: _Styles, subject: str) -> Paragraph:
    """The subject paragraph, narrowed until its lines are about equal.

    A long subject otherwise leaves one word alone on its last line; the narrowest
    width that keeps the same number of lines spreads the words evenly.
    """
    text = _m(subject)
    para = Paragraph(text, s.subject)
    para.wrap(TEXT_WIDTH, PAGE_HEIGHT)
    lines = len(para.blPara.lines)
    if lines < 2:
        return para
    low, high = TEXT_WIDTH / 2, TEXT_WIDTH
    for _ in range(8):  # 8 halvings: within 0.4 pt of the narrowest width
        middle = (low + high) / 2
        probe = Paragraph(text, s.subject)
        probe.wrap(middle, PAGE_HEIGHT)
        if len(probe.blPara.lines) > lines:
            low = middle
        else:
            high = middle
    indent = (TEXT_WIDTH - high) / 2
    return Paragraph(text, ParagraphStyle("subjectBalanced", s.subject, leftIndent=indent, rightIndent=indent))


def balanced_subject_indent(fonts: FontFamily, subject: str) -> float:
    """The left and right indent (points) that even out a long subject's lines."""
    para = _balanced_subject(_styles(fonts), subject)
    return float(para.style.leftIndent)


def _title(s: _Styles, doc_type: str, subject: str) -> list[Flowable]:
    subject_para = _balanced_subject(s, subject)
    # 40 % of the subject's longest line sits within the decree's 1/3 to 1/2.
    rule = _rule(_widest_line(subject_para, TEXT_WIDTH) * 0.4, space_before=4)
    return [
        Spacer(1, 16),
        Paragraph(doc_type, s.doc_type),
        subject_para,
        rule,
        Spacer(1, 14),
    ]


_FRAG_TEMPLATES: dict[int, Any] = {}


def _plain_paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of one plain run, without ReportLab's markup parser.

    The text is given to ReportLab as a ready fragment, so it is never parsed as
    markup (nothing to escape) and the national minutes' thousands of attendance
    lines skip the parser's cost. The fragment copies what the parser makes for
    this style, so it prints exactly as a parsed paragraph would.
    """
    template = _FRAG_TEMPLATES.get(id(style))
    if template is None or template[0] is not style:
        _style, frags, _bullet = ParaParser().parse("x", style)
        template = _FRAG_TEMPLATES[id(style)] = (style, frags[0])
    return Paragraph(text, style, frags=[template[1].clone(text=text)])


def _body_paragraph(s: _Styles, block: BodyParagraph) -> Paragraph:
    style = s.heading if block.heading else s.body
    if all(not run.bold and not run.italic for run in block.runs):
        return _plain_paragraph("".join(run.text for run in block.runs), style)
    parts = []
    for run in block.runs:
        text = escape(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        parts.append(text)
    return Paragraph("".join(parts), style)


def _recipients(s: _Styles, recipients: tuple[str, ...], archive_unit: str | None) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Nơi nhận:", s.recipients_label)]
    out += [Paragraph(escape(line), s.recipient) for line in recipient_lines(recipients, archive_unit)]
    return out


def _signature(s: _Styles, lines: Sequence[str], full_name: str) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(_m(line.upper()), s.signer) for line in lines if clean(line)]
    out += [Spacer(1, SIGNATURE_SPACE), Paragraph(_m(full_name), s.signer_name)]
    return out


class _DocTemplate(BaseDocTemplate):
    """A4 with the decree's margins, the page number centred in the top margin from
    page 2 on, and the draft mark on every page of a draft."""

    def __init__(self, buffer: io.BytesIO, fonts: FontFamily, draft: bool, **info: str) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=LEFT,
            rightMargin=RIGHT,
            topMargin=TOP,
            bottomMargin=BOTTOM,
            invariant=1,
            # One text frame, flush to the margins: ReportLab's default frame pads
            # 6 pt on each side, which would move every line off the decree's values.
            pageTemplates=[],
            creator="confmgr",
            # The canvas otherwise starts every page in Helvetica, which lands in the
            # page resources unembedded even though no text uses it.
            initialFontName=fonts.regular,
            initialFontSize=BODY_SIZE,
            **info,
        )
        self._fonts = fonts
        self._draft = draft
        frame = Frame(
            LEFT,
            BOTTOM,
            TEXT_WIDTH,
            PAGE_HEIGHT - TOP - BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.addPageTemplates(PageTemplate(id="page", frames=[frame], onPage=self._decorate))

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        # Called before the page's flowables are drawn, so the mark lies beneath text.
        if self._draft:
            canvas.saveState()
            canvas.setFillGray(0.87)  # light enough to read the text through
            canvas.setFont(self._fonts.bold, 96)
            canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            canvas.rotate(50)
            canvas.drawCentredString(0, -34, DRAFT_MARK)
            canvas.restoreState()
        page = canvas.getPageNumber()
        if page > 1:
            canvas.saveState()
            canvas.setFont(self._fonts.regular, PAGE_NUMBER_SIZE)
            canvas.setFillGray(0)
            # Baseline 12 mm below the top edge: within the 20 mm margin, clear of the text.
            canvas.drawCentredString(LEFT + TEXT_WIDTH / 2, PAGE_HEIGHT - 12 * mm, str(page))
            canvas.restoreState()


def _build(story: list[Flowable], fonts: FontFamily, draft: bool, meta: FileMetadata) -> bytes:
    buffer = io.BytesIO()
    doc = _DocTemplate(buffer, fonts, draft, title=meta.title, author=meta.author, subject=meta.subject)
    date_text = pdf_date(meta.stamp)

    def canvasmaker(*args: Any, **kwargs: Any) -> Canvas:
        # Invariant mode would write 2000-01-01; the document's own date is as
        # reproducible and true.
        canvas = Canvas(*args, **kwargs)
        canvas.setDateFormatter(lambda *_parts: date_text)
        return canvas

    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()


def build_minutes_pdf(content: MinutesContent, fonts: FontFamily) -> bytes:
    """The minutes (biên bản) as PDF bytes."""
    s = _styles(fonts)
    end = to_vn_time(content.ended_at).date()
    date_line = issue_date_line(content.header, content.issued_on, end.year)
    story: list[Flowable] = []
    story += _header(s, content.header, content.number_text, date_line)
    story += _title(s, "BIÊN BẢN", content.title)
    body = [_body_paragraph(s, block) for block in minutes_body(content)]
    closing = body.pop()
    story += body
    signatures = Table(
        [
            [
                _signature(s, ["Thư ký"], content.secretary.full_name),
                _signature(s, ["Chủ tọa"], content.chair.full_name),
            ]
        ],
        colWidths=[TEXT_WIDTH / 2, TEXT_WIDTH / 2],
        style=_table_style(s),
    )
    # The closing line travels with the signatures: a signature page must carry text.
    story.append(KeepTogether([closing, Spacer(1, 6), signatures]))
    story.append(Spacer(1, 12))
    story += _recipients(s, content.recipients, content.archive_unit)
    return _build(story, fonts, content.draft, metadata_of(content))


def build_conclusions_pdf(content: ConclusionsContent, fonts: FontFamily) -> bytes:
    """The conclusions notice (thông báo kết luận) as PDF bytes."""
    s = _styles(fonts)
    start = to_vn_time(content.started_at).date()
    date_line = issue_date_line(content.header, content.issued_on, start.year)
    story: list[Flowable] = []
    story += _header(s, content.header, content.number_text, date_line)
    story += _title(s, "THÔNG BÁO", content.subject)
    body = [_body_paragraph(s, block) for block in conclusions_body(content)]
    closing = body.pop()
    story += body
    left = AGENCY_COLUMN + NOTICE_RECIPIENTS_EXTRA_MM * mm
    footer = Table(
        [
            [
                _recipients(s, content.recipients, content.archive_unit),
                _signature(s, content.signer.heading_lines, content.signer.full_name),
            ]
        ],
        colWidths=[left, TEXT_WIDTH - left],
        style=_table_style(s),
        # A long recipient list may run onto the next page instead of failing the
        # whole build because the row is taller than a page.
        splitInRow=1,
    )
    story.append(KeepTogether([closing, Spacer(1, 8), footer]))
    return _build(story, fonts, content.draft, metadata_of(content))
