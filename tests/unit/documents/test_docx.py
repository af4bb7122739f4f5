"""The Word builders, read back with python-docx."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from confmgr.documents.content import (
    ConclusionsContent,
    MinutesContent,
    conclusions_body,
    minutes_body,
)
from confmgr.documents.docx import FONT_NAME, build_conclusions_docx, build_minutes_docx

MakeMinutes = Callable[..., MinutesContent]
MakeConclusions = Callable[..., ConclusionsContent]


def mm(length: int | None) -> float:
    assert length is not None
    return round(length / 36000, 1)


def open_docx(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def minutes(make_minutes: MakeMinutes) -> MinutesContent:
    return make_minutes()


@pytest.fixture(scope="module")
def minutes_doc(minutes: MinutesContent) -> Document:
    return open_docx(build_minutes_docx(minutes))


def test_page_is_a4_with_the_decree_margins(minutes_doc: Document) -> None:
    section = minutes_doc.sections[0]
    # Word stores twentieths of a point: compare in tenths of a millimetre.
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert mm(section.top_margin) == 20 and mm(section.bottom_margin) == 20
    assert mm(section.left_margin) == 30 and mm(section.right_margin) == 15


def test_times_new_roman_is_named_everywhere(minutes_doc: Document) -> None:
    normal = minutes_doc.styles["Normal"]
    assert normal.font.name == FONT_NAME and normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(attr)) == FONT_NAME
    defaults = minutes_doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    default_fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert default_fonts.get(qn("w:asciiTheme")) is None
    assert default_fonts.get(qn("w:ascii")) == FONT_NAME
    # No run overrides the family.
    for para in minutes_doc.paragraphs:
        for run in para.runs:
            assert run.font.name in (None, FONT_NAME)


def test_header_table_is_two_borderless_columns(minutes_doc: Document) -> None:
    table = minutes_doc.tables[0]
    assert len(table.columns) == 2
    left, right = table.rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == ["UBND TỈNH BÌNH ĐỊNH", "SỞ NỘI VỤ"]
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert table.columns[0].width < table.columns[1].width
    motto, subtitle = (p for p in right.paragraphs if p.text)
    assert motto.runs[0].bold and motto.runs[0].font.size == Pt(12)
    assert subtitle.runs[0].bold and subtitle.runs[0].font.size == Pt(13)
    agency = [p for p in left.paragraphs if p.text][1]
    assert agency.runs[0].bold and agency.runs[0].font.size == Pt(13)
    number, dated = table.rows[1].cells
    assert number.text == "Số: 01/BB-SNV"
    assert dated.text == "Bình Định, ngày 05 tháng 01 năm 2026"
    assert dated.paragraphs[0].runs[0].italic
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(edge.get(qn("w:val")) == "nil" for edge in borders)
    # A rule (bottom border) under the agency name and under the subtitle.
    for cell in (left, right):
        ruled = [p for p in cell.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
        assert len(ruled) == 1


def test_body_has_the_same_paragraphs_in_the_same_order(minutes: MinutesContent, minutes_doc: Document) -> None:
    texts = [p.text for p in minutes_doc.paragraphs if p.text]
    # The subject keeps "năm" with its year (a no-break space): never "…năm / 2026".
    assert texts[:2] == ["BIÊN BẢN", minutes.title.replace("năm ", "năm\u00a0")]
    body = [block.text for block in minutes_body(minutes)]
    start = texts.index(body[0])
    assert texts[start : start + len(body)] == body
    for para in minutes_doc.paragraphs:
        if para.text in body:
            assert para.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
            assert mm(para.paragraph_format.first_line_indent) == 10
    assert texts[-1] == "- Lưu: VT, VP."
    assert "Nơi nhận:" in texts


def test_signatures_secretary_left_chair_right(minutes_doc: Document) -> None:
    table = minutes_doc.tables[-1]
    left, right = table.rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == ["THƯ KÝ", "Trần Thị Thu Hằng"]
    assert [p.text for p in right.paragraphs if p.text] == ["CHỦ TỌA", "Nguyễn Văn Bình"]
    assert table.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


def test_conclusions_docx(make_conclusions: MakeConclusions) -> None:
    content = make_conclusions()
    doc = open_docx(build_conclusions_docx(content))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:2] == ["THÔNG BÁO", content.subject.replace("năm ", "năm\u00a0")]
    body = [b.text for b in conclusions_body(content)]
    assert texts[2 : 2 + len(body)] == body
    left, right = doc.tables[-1].rows[0].cells
    assert left.paragraphs[0].text == "Nơi nhận:"
    assert left.paragraphs[0].runs[0].bold and left.paragraphs[0].runs[0].italic
    assert left.paragraphs[0].runs[0].font.size == Pt(12)
    assert left.paragraphs[-1].text == "- Lưu: VT, VP."
    assert left.paragraphs[-1].runs[0].font.size == Pt(11)
    assert [p.text for p in right.paragraphs if p.text] == [
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Đặng Thị Kim Oanh",
    ]


def _header_texts(doc: Document) -> tuple[str, str]:
    section = doc.sections[0]
    first = " ".join(p.text for p in section.first_page_header.paragraphs)
    later = " ".join(p.text for p in section.header.paragraphs)
    return first, later


def test_draft_mark_on_every_page_and_page_numbers_from_page_two(make_minutes: MakeMinutes) -> None:
    doc = open_docx(build_minutes_docx(make_minutes(number=None, draft=True)))
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    first, later = _header_texts(doc)
    assert "DỰ THẢO" in first and "DỰ THẢO" in later
    later_xml = section.header._element.xml
    first_xml = section.first_page_header._element.xml
    assert "PAGE" in later_xml and "PAGE" not in first_xml
    assert doc.tables[0].rows[1].cells[0].text == "Số: \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BB-SNV"


def test_no_draft_mark_when_issued(minutes_doc: Document, make_conclusions: MakeConclusions) -> None:
    for doc in (minutes_doc, open_docx(build_conclusions_docx(make_conclusions()))):
        first, later = _header_texts(doc)
        assert "DỰ THẢO" not in first + later
        assert "PAGE" in doc.sections[0].header._element.xml


def test_user_markup_is_plain_text(make_minutes: MakeMinutes, malicious: str) -> None:
    doc = open_docx(build_minutes_docx(make_minutes(summary=malicious)))
    assert any(p.text.endswith(malicious) for p in doc.paragraphs)


def test_metadata_and_reproducible_bytes(minutes: MinutesContent, make_minutes: MakeMinutes) -> None:
    first = build_minutes_docx(minutes)
    assert build_minutes_docx(make_minutes()) == first
    assert build_minutes_docx(make_minutes(number=2)) != first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = open_docx(first).core_properties
    assert props.title == f"Biên bản {minutes.title}"
    assert props.author == "Sở Nội vụ"
    assert props.subject == "Biên bản số 01/BB-SNV"
    # Created and modified on the issue date (05/01/2026, 00:00 in Vietnam), not 2000 or the clock.
    assert props.created == datetime(2026, 1, 4, 17, 0, tzinfo=UTC) and props.modified == props.created
    issued_at = datetime(2026, 1, 5, 9, 30, 12, tzinfo=UTC)
    stamped = open_docx(build_minutes_docx(dataclasses.replace(minutes, issued_at=issued_at))).core_properties
    assert stamped.created == datetime(2026, 1, 5, 9, 30, 12, tzinfo=UTC)


def test_the_package_says_confmgr_made_it_and_carries_no_template_leftovers(
    minutes: MinutesContent, make_conclusions: MakeConclusions
) -> None:
    for data in (build_minutes_docx(minutes), build_conclusions_docx(make_conclusions())):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()
            app = package.read("docProps/app.xml").decode()
            rels = package.read("_rels/.rels").decode()
            types = package.read("[Content_Types].xml").decode()
            settings = package.read("word/settings.xml").decode()
        assert "<Application>confmgr</Application>" in app and "<Company>Sở Nội vụ</Company>" in app
        for leftover in ("Macintosh", "Normal.dotm", "<Pages>", "<Words>", "<AppVersion>", "<Template>"):
            assert leftover not in app, leftover
        assert "docProps/thumbnail.jpeg" not in names
        assert "thumbnail" not in rels and 'Extension="jpeg"' not in types
        assert "<w:rsids>" not in settings
        # Every part a relationship names is in the package, and Word's reader opens it.
        assert "docProps/app.xml" in names and "docProps/core.xml" in names
        assert open_docx(data).paragraphs


def test_core_title_is_cut_to_255_characters(make_minutes: MakeMinutes) -> None:
    long_title = "Hội nghị " + "rất dài " * 60
    props = open_docx(build_minutes_docx(dataclasses.replace(make_minutes(), title=long_title))).core_properties
    assert len(props.title) <= 255 and props.title.startswith("Biên bản Hội nghị rất dài") and props.title.endswith("…")


# Child order of w:pPr and w:tblPr in the WordprocessingML schema (ECMA-376 Part 1).
PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers",
    "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
    "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl",
    "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
]
TBLPR_ORDER = [
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
    "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
    "tblDescription", "tblPrChange",
]


@pytest.mark.parametrize("which", ["minutes", "conclusions"])
def test_paragraph_and_table_properties_in_schema_order(
    which: str, make_minutes: MakeMinutes, make_conclusions: MakeConclusions
) -> None:
    data = build_minutes_docx(make_minutes()) if which == "minutes" else build_conclusions_docx(make_conclusions())
    body = open_docx(data).element.body
    checked = 0
    for tag, order in (("w:pPr", PPR_ORDER), ("w:tblPr", TBLPR_ORDER)):
        for props in body.iter(qn(tag)):
            names = [child.tag.split("}")[1] for child in props]
            assert names == sorted(names, key=order.index), names
            checked += 1
    assert checked > 20


def _rule_width_mm(cell_width_mm: float, para: docx.text.paragraph.Paragraph) -> float:
    fmt = para.paragraph_format
    return cell_width_mm - mm(fmt.left_indent) - mm(fmt.right_indent)


def test_header_rules_follow_the_decree_lengths(minutes_doc: Document) -> None:
    table = minutes_doc.tables[0]
    left, right = table.rows[0].cells
    widths = [mm(c.width) for c in table.rows[0].cells]

    def ruled(cell: docx.table._Cell) -> docx.text.paragraph.Paragraph:
        return next(p for p in cell.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None)

    # "Độc lập - Tự do - Hạnh phúc" in 13 pt bold Times New Roman is about 56 mm wide.
    assert 54 < _rule_width_mm(widths[1], ruled(right)) < 58
    # "SỞ NỘI VỤ" is about 24 mm: its rule is a third to a half of that.
    assert 24 / 3 <= _rule_width_mm(widths[0], ruled(left)) <= 24 / 2 + 0.5
