from __future__ import annotations

import io
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest
import reportlab

import confmgr.printing
from reportlab.lib.fonts import tt2ps
from reportlab.pdfbase import pdfmetrics

from confmgr.documents.content import MinutesContent
from confmgr.printing.fonts import (
    VIETNAMESE_LETTERS,
    FontConfigurationError,
    FontFamily,
    bundled_font_files,
    load_fonts,
    missing_vietnamese_glyphs,
)
from confmgr.documents.pdf import build_minutes_pdf

# The letters the brief lists, and their capitals.
REQUIRED = "ằẳẵặẩẫậềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĐ"


def test_letter_list_covers_every_vietnamese_letter() -> None:
    letters = set(VIETNAMESE_LETTERS)
    for ch in REQUIRED + REQUIRED.upper():
        assert ch in letters
    assert len(letters) == 146  # 12 vowels x (1 + 5 tones) + đ, both cases
    assert all(unicodedata.is_normalized("NFC", ch) and len(ch) == 1 for ch in letters)


def test_bundled_files_are_static_truetype_with_full_vietnamese_coverage() -> None:
    files = bundled_font_files()
    assert [p.name for p in files] == [
        "LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf",
        "LiberationSerif-BoldItalic.ttf",
    ]
    for path in files:
        data = path.read_bytes()[:4]
        assert data == b"\x00\x01\x00\x00", f"{path.name} is not TrueType outlines"
        assert missing_vietnamese_glyphs(path) == ""
        # Shipped inside the package, with its licence beside it.
        assert path.parent == Path(confmgr.printing.__file__).parent / "fonts"
    licence = (files[0].parent / "LICENSE.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Reserved Font Name Liberation" in licence


@pytest.mark.parametrize(
    ("style", "times"),
    [("regular", "Times-Roman"), ("bold", "Times-Bold"), ("italic", "Times-Italic"), ("bold_italic", "Times-BoldItalic")],
)
def test_default_font_has_the_advance_widths_of_times_new_roman(fonts: FontFamily, style: str, times: str) -> None:
    # ReportLab carries the Adobe metrics of Times, whose widths Times New Roman
    # shares: a metric-compatible clone measures every Latin line the same.
    sample = "The quick brown fox jumps over the lazy dog, 0123456789 (HỘI NGHỊ) - ./;:"
    ascii_sample = "".join(c for c in sample if c.isascii())
    name = getattr(fonts, style)
    for ch in sorted(set(ascii_sample)):
        assert pdfmetrics.stringWidth(ch, name, 1000) == pytest.approx(pdfmetrics.stringWidth(ch, times, 1000), abs=1.5), ch
    # A Vietnamese letter keeps the width of its base letter.
    assert pdfmetrics.stringWidth("ệ", name, 14) == pytest.approx(pdfmetrics.stringWidth("e", name, 14))
    assert pdfmetrics.stringWidth("Đ", name, 14) == pytest.approx(pdfmetrics.stringWidth("D", times, 14), abs=0.05)


def test_configured_font_dir_wins_over_the_bundled_font(tmp_path: Path) -> None:
    from confmgr.settings import load_settings

    folder = _office_folder(tmp_path, ("times.ttf", "timesbd.ttf", "timesi.ttf", "timesbi.ttf"))
    settings = load_settings({"CONFMGR_DATA_DIR": str(tmp_path), "CONFMGR_SECRET_KEY": "k" * 40, "CONFMGR_FONT_DIR": str(folder)})
    assert settings.font_dir == folder
    assert load_fonts(settings.font_dir).display_name == "Times New Roman"
    assert load_fonts().display_name == "Liberation Serif"


def test_coverage_check_reports_a_font_without_vietnamese() -> None:
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    missing = missing_vietnamese_glyphs(vera)
    assert "ư" in missing and "Ợ" in missing


def test_load_registers_a_family_once_and_caches(fonts: FontFamily) -> None:
    assert load_fonts() is fonts
    assert load_fonts() is load_fonts()
    for name in (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic):
        assert pdfmetrics.getFont(name) is not None
    # <b>/<i> in paragraph markup resolve to the family's files.
    assert tt2ps(fonts.name, 1, 0) == fonts.bold
    assert tt2ps(fonts.name, 0, 1) == fonts.italic
    assert tt2ps(fonts.name, 1, 1) == fonts.bold_italic


def _office_folder(tmp_path: Path, names: tuple[str, str, str, str]) -> Path:
    # Stand-ins for an office's Times New Roman: the bundled files under its names.
    folder = tmp_path / "fonts"
    folder.mkdir()
    for source, name in zip(bundled_font_files(), names, strict=True):
        shutil.copy(source, folder / name)
    return folder


def test_office_times_new_roman_by_windows_names(tmp_path: Path) -> None:
    folder = _office_folder(tmp_path, ("times.ttf", "timesbd.ttf", "timesi.ttf", "timesbi.ttf"))
    family = load_fonts(folder)
    assert family.display_name == "Times New Roman"
    assert family.name != load_fonts().name
    assert [p.name for p in family.files] == ["times.ttf", "timesbd.ttf", "timesi.ttf", "timesbi.ttf"]
    assert load_fonts(folder) is family


def test_office_times_new_roman_by_full_names_any_case(tmp_path: Path) -> None:
    names = (
        "Times New Roman.TTF",
        "Times New Roman Bold.ttf",
        "times new roman italic.ttf",
        "Times_New_Roman-Bold-Italic.ttf",
    )
    family = load_fonts(_office_folder(tmp_path, names))
    assert [p.name for p in family.files] == list(names)


def test_office_font_builds_a_pdf_with_its_files(tmp_path: Path, make_minutes: Callable[..., MinutesContent]) -> None:
    folder = _office_folder(tmp_path, ("TIMES.TTF", "TIMESBD.TTF", "TIMESI.TTF", "TIMESBI.TTF"))
    family = load_fonts(folder)
    pdf = build_minutes_pdf(make_minutes(), family)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert "Độc lập - Tự do - Hạnh phúc" in doc.pages[0].extract_text()


def test_missing_style_fails_with_a_clear_message(tmp_path: Path) -> None:
    folder = _office_folder(tmp_path, ("times.ttf", "timesbd.ttf", "timesi.ttf", "unrelated.ttf"))
    with pytest.raises(FontConfigurationError, match=r"bold italic: timesbi\.ttf"):
        load_fonts(folder)


def test_missing_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(FontConfigurationError, match="does not exist"):
        load_fonts(tmp_path / "nowhere")


def test_font_without_vietnamese_is_refused(tmp_path: Path) -> None:
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    folder = tmp_path / "latin"
    folder.mkdir()
    for name in ("times.ttf", "timesbd.ttf", "timesi.ttf", "timesbi.ttf"):
        shutil.copy(vera, folder / name)
    with pytest.raises(FontConfigurationError, match="cannot show"):
        load_fonts(folder)
