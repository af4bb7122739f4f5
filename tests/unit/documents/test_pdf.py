"""The PDF builders, checked by reading the PDF back as a reader or a clerk would."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
import io
import itertools
import re
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import pdfplumber
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from confmgr.documents.content import (
    ConclusionsContent,
    Contribution,
    MinutesContent,
    Person,
    SiteAttendance,
)
from confmgr.documents.fonts import FontFamily
from confmgr.documents.pdf import build_conclusions_pdf, build_minutes_pdf

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898
TOP, BOTTOM, LEFT, RIGHT = 20 * MM, 20 * MM, 30 * MM, 15 * MM
TOLERANCE = 0.5  # points
WATERMARK_MIN_SIZE = 30  # the draft mark is set far larger than any text

MakeMinutes = Callable[..., MinutesContent]
MakeConclusions = Callable[..., ConclusionsContent]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _text_chars(page: Any) -> Any:
    """The page without the draft mark and without the page number in the top margin."""
    return page.filter(
        lambda o: o.get("object_type") != "char" or (o["size"] < WATERMARK_MIN_SIZE and o["top"] >= TOP - TOLERANCE)
    )


def read_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return _squash(" ".join(_text_chars(p).extract_text() for p in doc.pages))


def assert_in_order(text: str, expected: list[str]) -> None:
    position = 0
    for item in expected:
        found = text.find(item, position)
        assert found >= 0, f"{item!r} missing after position {position}"
        position = found + len(item)


def words_of(page: Any) -> list[dict[str, Any]]:
    return _text_chars(page).extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False)


def line_of(words: list[dict[str, Any]], phrase: str, *, last: bool = False) -> list[dict[str, Any]]:
    """The consecutive words spelling ``phrase`` (its first or last occurrence)."""
    parts = phrase.split()
    starts = range(len(words) - len(parts) + 1)
    for i in reversed(starts) if last else starts:
        if [w["text"] for w in words[i : i + len(parts)]] == parts:
            return words[i : i + len(parts)]
    raise AssertionError(f"{phrase!r} not found among {[w['text'] for w in words][:60]}")


@pytest.fixture(scope="module")
def minutes(make_minutes: MakeMinutes) -> MinutesContent:
    return make_minutes()


@pytest.fixture(scope="module")
def minutes_pdf(minutes: MinutesContent, fonts: FontFamily) -> bytes:
    return build_minutes_pdf(minutes, fonts)


@pytest.fixture(scope="module")
def draft_pdf(make_minutes: MakeMinutes, fonts: FontFamily) -> bytes:
    return build_minutes_pdf(make_minutes(number=None, draft=True), fonts)


@pytest.fixture(scope="module")
def conclusions_pdf(make_conclusions: MakeConclusions, fonts: FontFamily) -> bytes:
    return build_conclusions_pdf(make_conclusions(), fonts)


# --- Text and order --------------------------------------------------------------


def test_minutes_text_follows_the_decree_order(minutes: MinutesContent, minutes_pdf: bytes) -> None:
    text = read_text(minutes_pdf)
    expected = [
        "UBND TỈNH BÌNH ĐỊNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SỞ NỘI VỤ",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 01/BB-SNV",
        "Bình Định, ngày 05 tháng 01 năm 2026",
        "BIÊN BẢN",
        minutes.title,
        "Thời gian bắt đầu: 08 giờ 00 phút, ngày 05 tháng 01 năm 2026.",
        "Địa điểm: Hội trường UBND tỉnh Bình Định, kết nối trực tuyến với các điểm cầu:",
        "Thành phần tham dự:",
    ]
    expected += [f"- {site.site_name}:" for site in minutes.attendance]
    expected += [
        "Chủ trì (chủ tọa): Nguyễn Văn Bình, Giám đốc Sở Nội vụ.",
        "Thư ký (người ghi biên bản): Trần Thị Thu Hằng, Chuyên viên Văn phòng Sở Nội vụ.",
        "Nội dung (theo diễn biến cuộc họp):",
        "I. BÁO CÁO TỔNG KẾT CÔNG TÁC NĂM 2025",
        "Trình bày: Đặng Thị Kim Oanh, Phó Giám đốc Sở Nội vụ.",
        "II. THAM LUẬN VÀ THẢO LUẬN",
    ]
    for entry in minutes.agenda[1:2]:
        for c in entry.contributions:
            expected += [c.speaker.full_name, c.site_name or "", _squash(c.summary)]
    expected += [
        "III. PHÁT BIỂU CHỈ ĐẠO",
        "IV. KẾT LUẬN CỦA CHỦ TỌA",
        "1. Hoàn thành việc sắp xếp",
        "2. Đẩy mạnh chuyển đổi số",
        "Hội nghị kết thúc vào 11 giờ 30 phút, ngày 05 tháng 01 năm 2026./.",
        "THƯ KÝ",
        "CHỦ TỌA",
        "Trần Thị Thu Hằng",
        "Nguyễn Văn Bình",
        "Nơi nhận:",
        "- UBND tỉnh (để b/c);",
        "- Các phòng, đơn vị thuộc Sở;",
        "- UBND các huyện, thị xã;",
        "- Lưu: VT, VP.",
    ]
    assert_in_order(text, expected)


def test_every_site_and_speaker_of_a_large_meeting_is_printed(make_minutes: MakeMinutes, fonts: FontFamily) -> None:
    sites = tuple(f"UBND xã Thử Nghiệm {i:03d}" for i in range(120))
    content = make_minutes(sites=sites)
    text = read_text(build_minutes_pdf(content, fonts))
    assert_in_order(text, [f"- UBND xã Thử Nghiệm {i:03d}: Lê Văn Đức {i}," for i in range(120)])
    assert_in_order(text, [f"Võ Thị Huỳnh Như {i}.0" for i in range(120)])
    # Too many to name in the venue line: the count stands there instead.
    assert "kết nối trực tuyến với 120 điểm cầu" in text


def test_conclusions_text_follows_model_1_4(conclusions_pdf: bytes) -> None:
    text = read_text(conclusions_pdf)
    assert_in_order(
        text,
        [
            "UBND TỈNH BÌNH ĐỊNH",
            "Số: 03/TB-SNV",
            "Bình Định, ngày 09 tháng 01 năm 2026",
            "THÔNG BÁO",
            "Kết luận của Giám đốc Sở Nội vụ tại Hội nghị tổng kết công tác nội vụ năm 2025",
            "Vào lúc 08 giờ 00 phút, ngày 05 tháng 01 năm 2026, Nguyễn Văn Bình, Giám đốc Sở "
            "Nội vụ chủ trì Hội nghị tổng kết công tác nội vụ năm 2025 tại Hội trường UBND tỉnh "
            "Bình Định, kết nối trực tuyến với các điểm cầu: UBND thị xã An Nhơn;",
            "Tham dự hội nghị có lãnh đạo các phòng",
            "Giám đốc Sở Nội vụ kết luận như sau:",
            "1. Năm 2025,",
            "2. Năm 2026,",
            "3. Tổ chức thực hiện:",
            "a) Giao Phòng Tổ chức, biên chế chủ trì, phối hợp với các cơ quan, đơn vị liên "
            "quan tham mưu kế hoạch tinh giản biên chế năm 2026, hoàn thành trước ngày 15 "
            "tháng 02 năm 2026.",
            "b) Giao Văn phòng Sở chủ trì, phối hợp với Phòng Công chức, viên chức tổng hợp",
            "Sở Nội vụ thông báo để các cơ quan, đơn vị biết, thực hiện./.",
        ],
    )
    # Recipients (left) and the signer (right) share lines, so check each part.
    for part in ("Nơi nhận:", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Đặng Thị Kim Oanh", "- Lưu: VT, VP."):
        assert part in text


def test_body_ends_with_the_closing_mark_before_the_signatures(minutes_pdf: bytes) -> None:
    text = read_text(minutes_pdf)
    closing = text.index("./.")
    assert text.count("./.") == 1
    assert closing < text.index("THƯ KÝ")


def test_text_is_nfc_even_when_the_input_is_decomposed(make_minutes: MakeMinutes, fonts: FontFamily) -> None:
    decomposed = unicodedata.normalize("NFD", "Kiến nghị hỗ trợ kinh phí đường giao thông")
    pdf = build_minutes_pdf(make_minutes(summary=decomposed), fonts)
    text = read_text(pdf)
    assert unicodedata.normalize("NFC", decomposed) in text
    assert not any(unicodedata.combining(ch) for ch in text)


# --- Escaping ----------------------------------------------------------------------


def test_markup_in_user_text_prints_literally(make_minutes: MakeMinutes, fonts: FontFamily, malicious: str) -> None:
    base = make_minutes(summary=malicious)
    hostile = dataclasses.replace(
        base,
        title=f"Họp & bàn <b>{malicious}",
        attendance=(SiteAttendance("Xã <A&B>", (Person("Tên <i>", "Chức </para>", None),)),),
        chair=Person("Chủ <font size=40>tọa", "Giám đốc & Bí thư", None),
        conclusions=(malicious,),
        recipients=(malicious,),
    )
    pdf = build_minutes_pdf(hostile, fonts)
    text = read_text(pdf)
    assert text.count(malicious) >= 3  # summaries, conclusion, recipient
    for literal in (
        "Họp & bàn <b>",
        "- Xã <A&B>: Tên <i>, Chức </para>.",
        "Chủ <font size=40>tọa, Giám đốc & Bí thư",
    ):
        assert literal in text
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        sizes = {round(c["size"]) for p in doc.pages for c in _text_chars(p).chars}
    assert sizes <= {11, 12, 13, 14}, "markup in user text changed a font size"


def test_control_characters_are_dropped(make_minutes: MakeMinutes, fonts: FontFamily) -> None:
    pdf = build_minutes_pdf(make_minutes(summary="Ý kiến\x00 bổ\x1b sung\u200b."), fonts)
    assert "Ý kiến bổ sung." in read_text(pdf)


# --- Header geometry ---------------------------------------------------------------


def test_header_columns_and_styles(minutes_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(minutes_pdf)) as doc:
        page = doc.pages[0]
        words = words_of(page)
        lines = page.lines
    middle = PAGE_WIDTH / 2

    motto = line_of(words, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    subtitle = line_of(words, "Độc lập - Tự do - Hạnh phúc")
    parent = line_of(words, "UBND TỈNH BÌNH ĐỊNH")
    agency = line_of(words, "SỞ NỘI VỤ")
    number = line_of(words, "Số: 01/BB-SNV")
    dated = line_of(words, "Bình Định, ngày 05 tháng 01 năm 2026")

    def centre(ws: list[dict[str, Any]]) -> float:
        return (ws[0]["x0"] + ws[-1]["x1"]) / 2

    # Right column: the motto; left column: the agency.
    assert motto[0]["x0"] > middle - 10 and centre(motto) > middle
    assert centre(subtitle) > middle and centre(dated) > middle
    assert centre(parent) < middle and centre(agency) < middle and centre(number) < middle
    # Each column's lines are centred on one axis.
    assert abs(centre(motto) - centre(subtitle)) < 1 and abs(centre(subtitle) - centre(dated)) < 1
    assert abs(centre(parent) - centre(agency)) < 1 and abs(centre(agency) - centre(number)) < 1

    assert all("Bold" in w["fontname"] for w in motto + subtitle + agency)
    assert not any("Bold" in w["fontname"] or "Italic" in w["fontname"] for w in parent + number)
    assert all("Italic" in w["fontname"] and "Bold" not in w["fontname"] for w in dated)
    assert all(12 <= w["size"] <= 13 for w in motto + parent + agency)
    assert all(13 <= w["size"] <= 14 for w in subtitle + dated)
    assert all(round(w["size"], 1) == 13 for w in number)
    # "Số:" and the place and date share one baseline.
    assert abs(number[0]["bottom"] - dated[0]["bottom"]) < 0.5

    def rule_under(ws: list[dict[str, Any]]) -> dict[str, Any]:
        below = [
            ln
            for ln in lines
            if abs(ln["top"] - ln["bottom"]) < 0.01
            and 0 <= ln["top"] - ws[0]["bottom"] < 8
            and ln["x0"] < centre(ws) < ln["x1"]
        ]
        assert len(below) == 1, f"expected one rule under {ws[0]['text']}: {below}"
        return below[0]

    subtitle_rule = rule_under(subtitle)
    assert abs(subtitle_rule["x0"] - subtitle[0]["x0"]) < 1
    assert abs(subtitle_rule["x1"] - subtitle[-1]["x1"]) < 1

    agency_rule = rule_under(agency)
    agency_width = agency[-1]["x1"] - agency[0]["x0"]
    rule_width = agency_rule["x1"] - agency_rule["x0"]
    assert agency_width / 3 - 0.5 <= rule_width <= agency_width / 2 + 0.5
    assert abs((agency_rule["x0"] + agency_rule["x1"]) / 2 - centre(agency)) < 1


def test_title_and_subject_are_bold_14_centred_with_a_short_rule(minutes: MinutesContent, minutes_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(minutes_pdf)) as doc:
        page = doc.pages[0]
        words = words_of(page)
        lines = page.lines
    title = line_of(words, "BIÊN BẢN")
    text_centre = LEFT + (PAGE_WIDTH - LEFT - RIGHT) / 2
    assert all(round(w["size"], 1) == 14 and "Bold" in w["fontname"] for w in title)
    assert abs((title[0]["x0"] + title[-1]["x1"]) / 2 - text_centre) < 1
    subject_words = minutes.title.split()
    first = line_of(words, " ".join(subject_words[:4]))
    assert all(round(w["size"], 1) == 14 and "Bold" in w["fontname"] for w in first)
    below = [ln for ln in lines if ln["top"] > first[0]["bottom"] and ln["top"] < first[0]["bottom"] + 40]
    assert below, "no rule under the subject"
    rule = below[0]
    assert abs((rule["x0"] + rule["x1"]) / 2 - text_centre) < 1
    assert rule["x1"] - rule["x0"] < (PAGE_WIDTH - LEFT - RIGHT) / 2


# --- Body ------------------------------------------------------------------------


def test_body_is_14_point_justified_with_indent(minutes_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(minutes_pdf)) as doc:
        page = doc.pages[0]
        words = words_of(page)
    opening = line_of(words, "Thời gian bắt đầu:")
    assert all(13 <= w["size"] <= 14 for w in opening)
    # First-line indent of 1 cm from the left margin.
    assert abs(opening[0]["x0"] - (LEFT + 10 * MM)) < 0.5
    # Justified: lines of a long paragraph end at the right margin; the next line
    # of a wrapped paragraph starts at the margin.
    venue = line_of(words, "Địa điểm:")
    venue_line = [w for w in words if abs(w["top"] - venue[0]["top"]) < 1]
    assert abs(venue_line[-1]["x1"] - (PAGE_WIDTH - RIGHT)) < 0.5
    next_line = min((w for w in words if w["top"] > venue[0]["top"] + 5), key=lambda w: (w["top"], w["x0"]))
    assert abs(next_line["x0"] - LEFT) < 0.5
    # Line spacing from single to 1.5 of 14 pt, and at least 6 pt between paragraphs.
    tops = sorted({round(w["top"], 1) for w in words if w["top"] >= venue[0]["top"] - 0.5})
    steps = [b - a for a, b in itertools.pairwise(tops)]
    assert min(steps) >= 14 * 1.0 - 0.5 and min(steps) <= 14 * 1.5
    assert max(s for s in steps if s < 40) >= min(steps) + 6 - 0.5


def test_recipients_block_sizes(minutes_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(minutes_pdf)) as doc:
        page = doc.pages[-1]
        words = words_of(page)
    label = line_of(words, "Nơi nhận:")
    assert all(round(w["size"], 1) == 12 and "BoldItalic" in w["fontname"] for w in label)
    archive = line_of(words, "- Lưu: VT, VP.")
    assert all(round(w["size"], 1) == 11 for w in archive)
    assert not any("Bold" in w["fontname"] or "Italic" in w["fontname"] for w in archive)
    assert abs(label[0]["x0"] - LEFT) < 0.5


def test_signature_blocks_side_by_side_secretary_left_chair_right(minutes_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(minutes_pdf)) as doc:
        words = words_of(doc.pages[-1])
    secretary = line_of(words, "THƯ KÝ")
    chair = line_of(words, "CHỦ TỌA", last=True)  # the first is in "KẾT LUẬN CỦA CHỦ TỌA"
    assert abs(secretary[0]["top"] - chair[0]["top"]) < 0.5
    assert secretary[0]["x0"] < PAGE_WIDTH / 2 < chair[0]["x0"]
    name = line_of(words, "Trần Thị Thu Hằng")
    assert all("Bold" in w["fontname"] for w in name)
    # Room to sign between title and name.
    assert name[0]["top"] - secretary[0]["bottom"] > 15 * MM


def test_conclusions_recipients_left_level_with_signer_right(conclusions_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(conclusions_pdf)) as doc:
        words = words_of(doc.pages[-1])
    label = line_of(words, "Nơi nhận:")
    authority = line_of(words, "KT. GIÁM ĐỐC")
    assert abs(label[0]["x0"] - LEFT) < 0.5
    assert authority[0]["x0"] > PAGE_WIDTH / 2 - 20
    assert abs(label[0]["top"] - authority[0]["top"]) < 3
    assert all("Bold" in w["fontname"] and round(w["size"], 1) == 14 for w in authority)


# --- Page, margins, page numbers -------------------------------------------------


@pytest.fixture(scope="module")
def long_pdf(make_minutes: MakeMinutes, fonts: FontFamily) -> bytes:
    sites = tuple(f"UBND phường Đống Đa {i}" for i in range(90))
    return build_minutes_pdf(make_minutes(sites=sites, number=None, draft=True), fonts)


def test_a4_and_margins(long_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(long_pdf)) as doc:
        assert len(doc.pages) >= 4
        for page in doc.pages:
            assert abs(page.width - PAGE_WIDTH) < 0.5 and abs(page.height - PAGE_HEIGHT) < 0.5
            for c in page.chars:
                if c["size"] >= WATERMARK_MIN_SIZE:
                    continue
                assert c["x0"] >= LEFT - TOLERANCE, c
                assert c["x1"] <= PAGE_WIDTH - RIGHT + TOLERANCE, c
                assert c["bottom"] <= PAGE_HEIGHT - BOTTOM + TOLERANCE, c
                if c["top"] < TOP - TOLERANCE:
                    # Only the page number lives in the top margin.
                    assert c["text"].isdigit() and page.page_number > 1, c


def test_page_numbers_from_page_two_centred_in_the_top_margin(long_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(long_pdf)) as doc:
        for page in doc.pages:
            top = [c for c in page.chars if c["bottom"] < TOP and c["size"] < WATERMARK_MIN_SIZE]
            if page.page_number == 1:
                assert top == []
                continue
            assert "".join(c["text"] for c in top) == str(page.page_number)
            centre = (top[0]["x0"] + top[-1]["x1"]) / 2
            assert abs(centre - (LEFT + (PAGE_WIDTH - LEFT - RIGHT) / 2)) < 1
            assert all(13 <= c["size"] <= 14 and "Italic" not in c["fontname"] for c in top)


# --- Fonts -------------------------------------------------------------------------


def _fonts_of(reader: PdfReader) -> list[DictionaryObject]:
    found: dict[int, DictionaryObject] = {}
    for page in reader.pages:
        resources = page["/Resources"]
        fonts = resources.get("/Font", {})
        for ref in fonts.values():
            key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
            found[key] = ref.get_object()
    return list(found.values())


@pytest.mark.parametrize("which", ["minutes", "draft", "conclusions"])
def test_every_font_is_the_embedded_serif(
    which: str, minutes_pdf: bytes, draft_pdf: bytes, conclusions_pdf: bytes
) -> None:
    pdf = {"minutes": minutes_pdf, "draft": draft_pdf, "conclusions": conclusions_pdf}[which]
    reader = PdfReader(io.BytesIO(pdf))
    fonts = _fonts_of(reader)
    assert fonts
    names = set()
    for font in fonts:
        assert font["/Subtype"] == "/TrueType", font
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        names.add(re.sub(r"^/?[A-Z]{6}\+", "", str(font["/BaseFont"])))
    assert names <= {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }
    assert {"LiberationSerif", "LiberationSerif-Bold"} <= names
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert all("LiberationSerif" in c["fontname"] for p in doc.pages for c in p.chars)


# --- Draft mark ---------------------------------------------------------------------


def _mark_letters(page: Any) -> str:
    return "".join(c["text"] for c in page.chars if c["size"] >= WATERMARK_MIN_SIZE).replace(" ", "")


def test_draft_mark_on_every_page_of_a_draft(long_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(long_pdf)) as doc:
        for page in doc.pages:
            assert sorted(_mark_letters(page)) == sorted("DỰTHẢO"), page.page_number
    text = read_text(long_pdf)
    # Unissued: the number and the day are blanks for the clerk.
    assert re.search(r"Số: /BB-SNV", text)
    assert re.search(r"Bình Định, ngày tháng năm 2026", text)


def test_no_draft_mark_when_issued(minutes_pdf: bytes, conclusions_pdf: bytes) -> None:
    for pdf in (minutes_pdf, conclusions_pdf):
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            assert all(_mark_letters(p) == "" for p in doc.pages)
        assert "DỰ THẢO" not in read_text(pdf)


def test_conclusions_draft_is_marked(make_conclusions: MakeConclusions, fonts: FontFamily) -> None:
    pdf = build_conclusions_pdf(make_conclusions(number=None, draft=True), fonts)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert all(sorted(_mark_letters(p)) == sorted("DỰTHẢO") for p in doc.pages)
    assert "Số: /TB-SNV" in read_text(pdf)


# --- Metadata, determinism, validity ---------------------------------------------


def test_metadata(minutes: MinutesContent, minutes_pdf: bytes, draft_pdf: bytes) -> None:
    info = PdfReader(io.BytesIO(minutes_pdf)).metadata
    assert info is not None
    assert info.title == f"Biên bản {minutes.title}"
    assert info.author == "Sở Nội vụ"
    assert info.creator == "confmgr"
    assert info.subject == "Biên bản số 01/BB-SNV"
    # Created and modified on the issue date in Vietnam time, not ReportLab's 2000-01-01.
    assert info["/CreationDate"] == "D:20260105000000+07'00'" and info["/ModDate"] == info["/CreationDate"]
    draft_info = PdfReader(io.BytesIO(draft_pdf)).metadata
    assert draft_info is not None and draft_info.subject == "Dự thảo biên bản"
    # A draft has no issue date: it carries the end of the meeting.
    assert draft_info["/CreationDate"] == "D:20260105113000+07'00'"


def test_issue_moment_is_the_creation_date(minutes: MinutesContent, fonts: FontFamily) -> None:
    stamped = dataclasses.replace(minutes, issued_at=datetime(2026, 1, 5, 2, 30, 12, tzinfo=UTC))
    info = PdfReader(io.BytesIO(build_minutes_pdf(stamped, fonts))).metadata
    assert info is not None and info["/CreationDate"] == "D:20260105093012+07'00'"
    assert build_minutes_pdf(stamped, fonts) == build_minutes_pdf(stamped, fonts)


def test_same_input_gives_the_same_bytes(make_minutes: MakeMinutes, fonts: FontFamily) -> None:
    first = build_minutes_pdf(make_minutes(), fonts)
    time.sleep(1.1)  # a timestamp in the output would now differ
    second = build_minutes_pdf(make_minutes(), fonts)
    assert first == second
    other = build_minutes_pdf(make_minutes(number=2), fonts)
    assert other != first


def test_conclusions_are_deterministic(make_conclusions: MakeConclusions, fonts: FontFamily) -> None:
    assert build_conclusions_pdf(make_conclusions(), fonts) == build_conclusions_pdf(make_conclusions(), fonts)


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
@pytest.mark.parametrize("which", ["minutes", "draft", "conclusions"])
def test_qpdf_finds_no_structural_error(
    which: str, minutes_pdf: bytes, draft_pdf: bytes, conclusions_pdf: bytes, tmp_path: Any
) -> None:
    pdf = {"minutes": minutes_pdf, "draft": draft_pdf, "conclusions": conclusions_pdf}[which]
    path = tmp_path / f"{which}.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


# --- Scale ---------------------------------------------------------------------------


def test_national_meeting_of_3321_sites_builds_quickly(make_minutes: MakeMinutes, fonts: FontFamily) -> None:
    """3,321 sites with their delegates, ~60 contributions: about 270 pages.

    The bench script measures this properly; the bound here only catches a change
    that makes the build grow faster than linearly (it takes well under 1 s here).
    """
    sites = tuple(f"UBND xã Mẫu {i}" for i in range(3321))
    content = make_minutes(sites=sites, contributions_per_site=0)
    speakers = tuple(
        Contribution(Person(f"Người phát biểu {i}", "Chủ tịch", site), "Ý kiến ngắn.", site)
        for i, site in enumerate(sites[:60])
    )
    agenda = (dataclasses.replace(content.agenda[1], contributions=speakers),)
    content = dataclasses.replace(content, agenda=agenda)
    pdf = build_minutes_pdf(content, fonts)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 150
    last = reader.pages[-1].extract_text()
    assert "Hội nghị kết thúc" in last or "Nơi nhận" in last
    # The last site's line is on one of the last attendance pages.
    assert any("UBND xã Mẫu 3320:" in p.extract_text() for p in reader.pages[150:])


def test_long_recipient_list_runs_onto_the_next_page(make_conclusions: MakeConclusions, fonts: FontFamily) -> None:
    recipients = tuple(f"UBND xã Số {i}" for i in range(90))
    pdf = build_conclusions_pdf(dataclasses.replace(make_conclusions(), recipients=recipients), fonts)
    text = read_text(pdf)
    assert_in_order(text, [f"- UBND xã Số {i};" for i in range(90)] + ["- Lưu: VT, VP."])
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 2
        for page in doc.pages:
            assert all(c["bottom"] <= PAGE_HEIGHT - BOTTOM + TOLERANCE for c in page.chars)
