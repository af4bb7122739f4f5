"""Editable Word versions of the minutes and the conclusions notice.

Same wording and order as the PDF (both come from :mod:`confmgr.documents.content`),
laid out with python-docx on A4 with the decree's margins and sizes. The font is
named Times New Roman, as the decree asks: Word documents do not embed fonts and
every office machine that edits them has it.

The output is reproducible: core properties carry fixed dates and the ZIP entries a
fixed timestamp, so the same content gives the same bytes.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, time
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from reportlab.pdfbase.pdfmetrics import stringWidth

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
from confmgr.documents.pdf import balanced_subject_indent
from confmgr.documents.vndate import to_vn_time
from confmgr.printing.fonts import load_fonts
from confmgr.printing.metadata import FileMetadata, core_text, metadata_of
from confmgr.printing.layout import (
    AGENCY_COLUMN_SHARE,
    BODY_FIRST_LINE_INDENT_MM,
    BODY_LEADING,
    BODY_SIZE,
    BODY_SPACE_AFTER,
    DRAFT_MARK,
    FONT_NAME,
    HEADER_LEADING,
    HEADER_SIZE,
    MARGINS_MM,
    MOTTO,
    MOTTO_SIZE,
    MOTTO_SUBTITLE,
    NOTICE_RECIPIENTS_EXTRA_MM,
    PAGE_HEIGHT_MM,
    PAGE_NUMBER_SIZE,
    PAGE_WIDTH_MM,
    RECIPIENT_LEADING,
    RECIPIENT_SIZE,
    RECIPIENTS_LABEL_LEADING,
    RECIPIENTS_LABEL_SIZE,
    SIGNATURE_SPACE_PT,
    TEXT_WIDTH_MM,
    TITLE_LEADING,
    TITLE_SIZE,
)

__all__ = ["FONT_NAME", "build_conclusions_docx", "build_minutes_docx"]

AGENCY_COLUMN_MM = round(TEXT_WIDTH_MM * AGENCY_COLUMN_SHARE, 1)
MOTTO_COLUMN_MM = TEXT_WIDTH_MM - AGENCY_COLUMN_MM
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Elements that follow w:pBdr in w:pPr and w:tblBorders in w:tblPr (ECMA-376 Part 1, 17.3.1.26, 17.4.60).
_PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
_TBLPR_AFTER_BORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)
# "năm 2026", "ngày 05", "số 01": a number never starts a line without its word.
_NUMBER_WORD = re.compile(r"\b(năm|tháng|ngày|số|Số) (?=\d)")


def _times_width_mm(text: str, size: float, bold: bool) -> float:
    """Width of ``text`` in Times New Roman, in millimetres.

    ReportLab carries the metrics of the standard Times fonts, whose advance
    widths Times New Roman shares. They cover unaccented Latin only; a Vietnamese
    letter is as wide as its base letter, so diacritics are dropped to measure.
    """
    base = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in base if unicodedata.category(ch) != "Mn")
    font = "Times-Bold" if bold else "Times-Roman"
    return stringWidth(ascii_text, font, size) * 25.4 / 72


def _set_fonts(rpr: object) -> None:
    """Name Times New Roman for every script slot, replacing theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)  # type: ignore[attr-defined]
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)


def _new_document() -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(8)
    section.footer_distance = Mm(8)

    # The template's defaults name theme fonts (Calibri/Cambria) that override a
    # style's font in some Word versions; replace them at the root.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    _set_fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")))
    normal = doc.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(BODY_SIZE)
    _set_fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(BODY_SPACE_AFTER)
    fmt.widow_control = True  # as the PDF: no single line alone at a page break
    # Exact line distances, the PDF's: a "multiple" would depend on the font's line gap.
    fmt.line_spacing = Pt(BODY_LEADING)
    return doc


def _paragraph(
    container: DocumentObject | _Cell,
    text: str = "",
    *,
    size: float = TITLE_SIZE,
    leading: float = TITLE_LEADING,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    space_after: float = 0,
    first: bool = False,
) -> Paragraph:
    # A new table cell already holds one empty paragraph; ``first`` reuses it.
    para = container.paragraphs[0] if first else container.add_paragraph()
    para.alignment = align
    fmt = para.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.line_spacing = Pt(leading)
    if text:
        run = para.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        run.italic = italic
    return para


def _rule(container: DocumentObject | _Cell, width_mm: float, column_mm: float) -> Paragraph:
    """A solid rule ``width_mm`` long, centred in ``column_mm``: the bottom border of
    a 1 pt high empty paragraph indented from both sides."""
    para = _paragraph(container)
    fmt = para.paragraph_format
    indent = max(0.0, (column_mm - width_mm) / 2)
    fmt.left_indent = Mm(indent)
    fmt.right_indent = Mm(indent)
    fmt.line_spacing = Pt(1)
    # Clear of the descenders of the line above.
    fmt.space_before = Pt(3)
    fmt.space_after = Pt(2)
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")  # eighths of a point: 0.75 pt
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    # Schema order (CT_PPr): pBdr comes before shd, tabs, ..., spacing, ind, jc.
    ppr.insert_element_before(borders, *_PPR_AFTER_BORDER)
    return para


def _borderless(table: object) -> None:
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    # Schema order (CT_TblPr): tblBorders before shd, tblLayout, tblCellMar, tblLook.
    tbl_pr.insert_element_before(borders, *_TBLPR_AFTER_BORDERS)


def _table(doc: DocumentObject, widths_mm: Sequence[float], rows: int = 1) -> object:
    """A borderless table whose rows never break across pages (a signature block
    split from its name would be void)."""
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _borderless(table)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    return table


def _header(doc: DocumentObject, header: AgencyHeader, number: str, date_line: str) -> None:
    table = _table(doc, (AGENCY_COLUMN_MM, MOTTO_COLUMN_MM), rows=2)
    left, right = table.rows[0].cells  # type: ignore[attr-defined]
    first = True
    if header.parent_caps:
        _paragraph(left, clean(header.parent_caps), size=HEADER_SIZE, leading=HEADER_LEADING, first=True)
        first = False
    name = clean(header.name_caps)
    _paragraph(left, name, size=HEADER_SIZE, leading=HEADER_LEADING, bold=True, first=first)
    name_width = min(_times_width_mm(name, HEADER_SIZE, bold=True), AGENCY_COLUMN_MM)
    _rule(left, name_width / 2, AGENCY_COLUMN_MM)  # 1/3 to 1/2 of the name line

    _paragraph(right, MOTTO, size=MOTTO_SIZE, leading=HEADER_LEADING, bold=True, first=True)
    _paragraph(right, MOTTO_SUBTITLE, size=HEADER_SIZE, leading=HEADER_LEADING, bold=True)
    _rule(right, _times_width_mm(MOTTO_SUBTITLE, HEADER_SIZE, bold=True), MOTTO_COLUMN_MM)

    number_cell, date_cell = table.rows[1].cells  # type: ignore[attr-defined]
    number_para = _paragraph(number_cell, f"Số: {number}", size=HEADER_SIZE, leading=HEADER_LEADING, first=True)
    number_para.paragraph_format.space_before = Pt(6)
    date_para = _paragraph(date_cell, date_line, size=HEADER_SIZE, leading=HEADER_LEADING, italic=True, first=True)
    date_para.paragraph_format.space_before = Pt(6)


def _title(doc: DocumentObject, doc_type: str, subject: str) -> None:
    _paragraph(doc, doc_type, bold=True).paragraph_format.space_before = Pt(16)
    subject = clean(subject)
    # The PDF narrows a long subject so its lines come out even; the same indents
    # here (Times New Roman and its clone share every width) break the same words.
    indent_pt = balanced_subject_indent(load_fonts(), subject)
    para = _paragraph(doc, _NUMBER_WORD.sub("\\1\u00a0", subject), bold=True)
    if indent_pt:
        para.paragraph_format.left_indent = Pt(indent_pt)
        para.paragraph_format.right_indent = Pt(indent_pt)
    line = min(_times_width_mm(subject, TITLE_SIZE, bold=True), TEXT_WIDTH_MM)
    _rule(doc, line * 0.4, TEXT_WIDTH_MM).paragraph_format.space_after = Pt(14)


def _body(doc: DocumentObject, blocks: Sequence[BodyParagraph]) -> None:
    for index, block in enumerate(blocks):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        para.paragraph_format.first_line_indent = Mm(BODY_FIRST_LINE_INDENT_MM)
        # Headings stay with their text; the closing line stays with the signatures.
        if block.heading or index == len(blocks) - 1:
            para.paragraph_format.keep_with_next = True
        for run in block.runs:
            r = para.add_run(run.text)
            r.bold = run.bold or None
            r.italic = run.italic or None


def _recipients(
    container: DocumentObject | _Cell,
    recipients: tuple[str, ...],
    archive_unit: str | None,
    first: bool,
) -> None:
    _paragraph(
        container,
        "Nơi nhận:",
        size=RECIPIENTS_LABEL_SIZE,
        leading=RECIPIENTS_LABEL_LEADING,
        bold=True,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        first=first,
    )
    for line in recipient_lines(recipients, archive_unit):
        _paragraph(container, line, size=RECIPIENT_SIZE, leading=RECIPIENT_LEADING, align=WD_ALIGN_PARAGRAPH.LEFT)


def _signature(cell: _Cell, lines: Sequence[str], full_name: str) -> None:
    first = True
    for line in lines:
        if clean(line):
            _paragraph(cell, clean(line).upper(), bold=True, first=first)
            first = False
    # Room for the handwritten signature and the seal.
    name = _paragraph(cell, clean(full_name), bold=True, first=first)
    name.paragraph_format.space_before = Pt(SIGNATURE_SPACE_PT)


def _page_header(doc: DocumentObject, draft: bool) -> None:
    """Page numbers centred in the top margin from page 2 on; a draft carries the
    mark at the top right of every page, first page included."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    for header in (section.first_page_header, section.header):
        para = header.paragraphs[0]
        para.style = doc.styles["Header"]
        if draft:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = para.add_run(DRAFT_MARK)
            run.bold = True
            run.font.size = Pt(PAGE_NUMBER_SIZE)
    numbers = section.header.paragraphs[0] if not draft else section.header.add_paragraph()
    numbers.style = doc.styles["Header"]
    numbers.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(numbers)


def _page_field(para: Paragraph) -> None:
    run = para.add_run()
    run.font.size = Pt(PAGE_NUMBER_SIZE)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "2"  # what a reader without field update shows; Word recomputes it
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)


def _save(doc: DocumentObject, meta: FileMetadata) -> bytes:
    props = doc.core_properties
    props.title = core_text(meta.title)
    props.author = core_text(meta.author)
    props.subject = core_text(meta.subject)
    props.comments = "confmgr"
    props.last_modified_by = core_text(meta.author)
    props.revision = 1
    props.language = "vi-VN"
    # Core properties are written in UTC.
    moment = meta.stamp.astimezone(UTC).replace(tzinfo=None)
    props.created = moment
    props.modified = moment
    raw = io.BytesIO()
    doc.save(raw)
    return _normalise_zip(raw.getvalue(), _app_properties(meta.author))


# python-docx starts from a template saved by Word for Mac: its extended properties
# claim "Microsoft Macintosh Word", one page, no words and Normal.dotm, and it
# carries that template's thumbnail. The file says instead who made it, and nothing
# it cannot know (Word recounts pages and words when it opens the file).
_THUMBNAIL = "docProps/thumbnail.jpeg"
_THUMBNAIL_REL = re.compile(rb'<Relationship [^>]*Target="docProps/thumbnail\.jpeg"\s*/>')
_JPEG_DEFAULT = re.compile(rb'<Default Extension="jpeg" ContentType="image/jpeg"\s*/>')
_RSIDS = re.compile(rb"<w:rsids>.*?</w:rsids>", re.DOTALL)


def _app_properties(company: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>confmgr</Application><DocSecurity>0</DocSecurity><Company>{xml_escape(core_text(company))}</Company>"
        "</Properties>"
    ).encode("utf-8")


def _normalise_zip(data: bytes, app_properties: bytes) -> bytes:
    """Rewrite the package with a fixed timestamp on every entry, in stored order: our
    own extended properties, without the template's thumbnail and revision ids."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        jpegs = any(n.endswith(".jpeg") and n != _THUMBNAIL for n in src.namelist())
        for info in src.infolist():
            if info.filename == _THUMBNAIL:
                continue
            part = src.read(info.filename)
            if info.filename == "docProps/app.xml":
                part = app_properties
            elif info.filename == "_rels/.rels":
                part = _THUMBNAIL_REL.sub(b"", part)
            elif info.filename == "[Content_Types].xml" and not jpegs:
                part = _JPEG_DEFAULT.sub(b"", part)
            elif info.filename == "word/settings.xml":
                part = _RSIDS.sub(b"", part)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, part)
    return out.getvalue()


def build_minutes_docx(content: MinutesContent) -> bytes:
    """The minutes (biên bản) as a Word document."""
    doc = _new_document()
    end = to_vn_time(content.ended_at).date()
    _page_header(doc, content.draft)
    date_line = issue_date_line(content.header, content.issued_on, end.year)
    _header(doc, content.header, content.number_text, date_line)
    _title(doc, "BIÊN BẢN", content.title)
    _body(doc, minutes_body(content))
    table = _table(doc, (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2))
    secretary, chair = table.rows[0].cells  # type: ignore[attr-defined]
    _signature(secretary, ["Thư ký"], content.secretary.full_name)
    _signature(chair, ["Chủ tọa"], content.chair.full_name)
    _paragraph(doc).paragraph_format.space_after = Pt(6)
    _recipients(doc, content.recipients, content.archive_unit, first=False)
    return _save(doc, metadata_of(content))


def build_conclusions_docx(content: ConclusionsContent) -> bytes:
    """The conclusions notice (thông báo kết luận) as a Word document."""
    doc = _new_document()
    start = to_vn_time(content.started_at).date()
    _page_header(doc, content.draft)
    date_line = issue_date_line(content.header, content.issued_on, start.year)
    _header(doc, content.header, content.number_text, date_line)
    _title(doc, "THÔNG BÁO", content.subject)
    _body(doc, conclusions_body(content))
    _paragraph(doc).paragraph_format.space_after = Pt(4)
    left = AGENCY_COLUMN_MM + NOTICE_RECIPIENTS_EXTRA_MM
    table = _table(doc, (left, TEXT_WIDTH_MM - left))
    recipients, signer = table.rows[0].cells  # type: ignore[attr-defined]
    _recipients(recipients, content.recipients, content.archive_unit, first=True)
    _signature(signer, content.signer.heading_lines, content.signer.full_name)
    return _save(doc, metadata_of(content))
