"""The serif font family the PDF documents are set in (phông chữ).

Every office sets its documents in Times New Roman, which may not be redistributed.
The default is Liberation Serif 2 (SIL Open Font License 1.1), shipped with confmgr
as package data (``confmgr/printing/fonts/``, licence beside the files): a clone of
Times New Roman with the same advance width for every glyph, so lines and pages
break where Word breaks them, and every Vietnamese precomposed letter. An office
that owns Times New Roman points :func:`load_fonts` at a folder holding its four
TTF files (``CONFMGR_FONT_DIR``), which wins over the bundled clone.

ReportLab does no glyph shaping: every Vietnamese letter must exist as one
precomposed glyph, which is why the builders normalise text to NFC and why
:func:`missing_vietnamese_glyphs` is checked for every file loaded.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

__all__ = [
    "BUNDLED_DIR",
    "VIETNAMESE_LETTERS",
    "FontConfigurationError",
    "FontFamily",
    "bundled_font_files",
    "load_fonts",
    "missing_vietnamese_glyphs",
]

STYLES = ("regular", "bold", "italic", "bold_italic")

BUNDLED_DIR = Path(__file__).with_name("fonts")
BUNDLED_FILES = (
    "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold.ttf",
    "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic.ttf",
)


def _vietnamese_letters() -> str:
    vowels = "aăâeêioôơuưy"
    # grave, acute, tilde, hook above, dot below: the five tone marks.
    tones = "\u0300\u0301\u0303\u0309\u0323"
    letters = set(vowels) | {"đ"}
    letters |= {unicodedata.normalize("NFC", v + t) for v in vowels for t in tones}
    letters |= {c.upper() for c in letters}
    return "".join(sorted(letters))


VIETNAMESE_LETTERS = _vietnamese_letters()
"""Every lower- and upper-case Vietnamese letter with its diacritics (146 letters)."""

# Typographic punctuation that Vietnamese text pasted from Word commonly carries.
_PUNCTUATION = "“”‘’–…"


class FontConfigurationError(RuntimeError):
    """The configured font folder or file cannot be used to set Vietnamese text."""


@dataclass(frozen=True, slots=True)
class FontFamily:
    """A serif family registered with ReportLab under ``name`` (bold/italic via markup)."""

    name: str
    display_name: str
    regular: str
    bold: str
    italic: str
    bold_italic: str
    files: tuple[Path, Path, Path, Path]


def missing_vietnamese_glyphs(path: Path) -> str:
    """The Vietnamese letters and punctuation the TrueType file at ``path`` cannot show."""
    return _missing(TTFontFile(str(path)).charToGlyph)


def _missing(charmap: dict[int, int]) -> str:
    return "".join(c for c in VIETNAMESE_LETTERS + _PUNCTUATION if ord(c) not in charmap)


def bundled_font_files() -> tuple[Path, Path, Path, Path]:
    """Liberation Serif's regular, bold, italic and bold italic files, shipped as package data."""
    files = tuple(BUNDLED_DIR / name for name in BUNDLED_FILES)
    absent = [p.name for p in files if not p.is_file()]
    if absent:  # pragma: no cover - the files are package data
        raise FontConfigurationError(f"the bundled font files are missing: {', '.join(absent)}")
    return files  # type: ignore[return-value]


# File names an office's Times New Roman comes under: Windows ships times.ttf and
# friends, macOS and font managers use the full style names. Keys are compared after
# lower-casing and dropping spaces, hyphens and underscores.
_TIMES_NAMES: dict[str, tuple[str, ...]] = {
    "regular": ("times", "timesnewroman", "timesnewromanregular", "timesnewromanpsmt"),
    "bold": ("timesbd", "timesnewromanbold", "timesnewromanpsboldmt"),
    "italic": ("timesi", "timesnewromanitalic", "timesnewromanpsitalicmt"),
    "bold_italic": (
        "timesbi",
        "timesnewromanbolditalic",
        "timesnewromanpsbolditalicmt",
    ),
}


def _squash(stem: str) -> str:
    return "".join(ch for ch in stem.lower() if ch not in " -_")


def _times_files(font_dir: Path) -> tuple[Path, Path, Path, Path]:
    if not font_dir.is_dir():
        raise FontConfigurationError(f"font folder {font_dir} does not exist")
    by_key = {_squash(p.stem): p for p in sorted(font_dir.iterdir()) if p.is_file() and p.suffix.lower() == ".ttf"}
    found: dict[str, Path] = {}
    for style, names in _TIMES_NAMES.items():
        for name in names:
            if name in by_key:
                found[style] = by_key[name]
                break
    missing = [s for s in STYLES if s not in found]
    if missing:
        expected = "; ".join(f"{style.replace('_', ' ')}: {_TIMES_NAMES[style][0]}.ttf" for style in missing)
        raise FontConfigurationError(
            f"font folder {font_dir} lacks Times New Roman styles ({expected}); "
            "all four of times.ttf, timesbd.ttf, timesi.ttf and timesbi.ttf are needed"
        )
    return (found["regular"], found["bold"], found["italic"], found["bold_italic"])


_lock = threading.Lock()
_cache: dict[str | None, FontFamily] = {}


def load_fonts(font_dir: Path | None = None) -> FontFamily:
    """Register the document font family with ReportLab and return its names.

    ``font_dir=None`` uses the bundled Liberation Serif; a folder must hold the four
    Times New Roman files (``times.ttf``, ``timesbd.ttf``, ``timesi.ttf``,
    ``timesbi.ttf``, or "Times New Roman Bold.ttf" style names, any case). Raises
    :class:`FontConfigurationError` when a style is missing or a file lacks
    Vietnamese letters. Repeated calls return the cached family without touching
    the files again.
    """
    key = None if font_dir is None else str(Path(font_dir).resolve())
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        family = _register(key)
        _cache[key] = family
        return family


def _register(key: str | None) -> FontFamily:
    if key is None:
        files = bundled_font_files()
        base, display = "ConfmgrLiberationSerif", "Liberation Serif"
    else:
        files = _times_files(Path(key))
        # Two offices' folders may hold different versions of the same font; the
        # path digest keeps their ReportLab names apart within one process.
        digest = hashlib.sha256(key.encode()).hexdigest()[:8]
        base, display = f"ConfmgrTimes{digest}", "Times New Roman"
    names = (base, f"{base}-Bold", f"{base}-Italic", f"{base}-BoldItalic")
    # Parse and check all four before registering any, so a bad folder leaves no
    # half-registered family behind.
    fonts = [TTFont(name, str(path)) for name, path in zip(names, files, strict=True)]
    for font, path in zip(fonts, files, strict=True):
        gaps = _missing(font.face.charToGlyph)
        if gaps:
            raise FontConfigurationError(f"{path.name} cannot show these characters: {gaps}")
    for font in fonts:
        pdfmetrics.registerFont(font)
    # Mapping (bold, italic) lets paragraph markup <b>/<i> switch files in the family.
    for (bold, italic), name in zip(((0, 0), (1, 0), (0, 1), (1, 1)), names, strict=True):
        addMapping(base, bold, italic, name)
    return FontFamily(
        name=base,
        display_name=display,
        regular=names[0],
        bold=names[1],
        italic=names[2],
        bold_italic=names[3],
        files=files,
    )
