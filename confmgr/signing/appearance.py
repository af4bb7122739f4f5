"""Where and how a signature shows on the page (Decree 30/2020, Appendix I §II.7–8).

The signer's image (blue, transparent PNG) goes centred between the signer's title and
full name; the agency's seal image (red, real size) overlaps about the left third of
it. Without an image, a text stamp names the signer or the agency and the signing time
with the Vietnam offset, set in the documents' font (every Vietnamese glyph).

A separate-file appendix (or attachment) gets the agency's signature alone, at the
top right of its first page, without an image: the document's number and the
signing time in ISO 8601 with the Vietnam offset, in the documents' font at 10 pt
(Appendix I §II.8).

The signature block is found on the issued PDF itself (the name line in the right
half and the blank space above it), so the document builders need not know about
signing.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pdfplumber
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from confmgr.errors import InvalidInput
from confmgr.i18n import N_
from confmgr.signing.stampfont import PdfUnitsFontFactory
from confmgr.timeutil import VN_TZ

MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_PIXELS = 2000
MM = 72 / 25.4
# Box of a signature image when the page offers more room.
MAX_SIGNATURE_WIDTH = 170.0
TEXT_STAMP_SIZE = (175.0, 46.0)
MIN_GAP = 30.0
# An appendix's agency signature: top right of page 1, inside the top margin (the
# documents' margins are 20 mm top, 15 mm right), set in 10 pt upright.
APPENDIX_FONT_SIZE = 10
APPENDIX_LEADING = 12
APPENDIX_TOP_MM = 5.0
APPENDIX_RIGHT_MM = 15.0
APPENDIX_PADDING = 2.0
# The signature block is on the last page or close to it (a long list of recipients
# may follow it); a name not found there is not looked for through the whole document.
PAGES_SEARCHED = 5


@dataclass(frozen=True)
class Box:
    page: int  # 0-based
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def tuple(self) -> tuple[int, int, int, int]:
        return (round(self.x0), round(self.y0), round(self.x1), round(self.y1))


@dataclass(frozen=True)
class Place:
    """The blank space of the signer block: between the title and the name."""

    page: int
    center_x: float
    top: float  # PDF coordinates (from the bottom), the title's baseline area
    bottom: float  # the name's top
    found: bool


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _pages_from_last(doc: Any) -> Iterator[tuple[int, Any]]:
    """``(index, page)`` from the last page back, each page object parsed only when
    reached (pdfplumber's ``pages`` parses every page of the document first)."""
    from pdfminer.pdfpage import LITERAL_PAGE, LITERAL_PAGES, PDFPage
    from pdfminer.pdftypes import dict_value, list_value, resolve1
    from pdfplumber.page import Page as PlumberPage

    pdf = doc.doc
    root = pdf.catalog.get("Pages")
    index = int(resolve1(dict_value(root).get("Count", 0)))
    seen: set[Any] = set()

    def walk(ref: Any, inherited: dict[str, Any], depth: int) -> Iterator[tuple[int, Any]]:
        nonlocal index
        objid = getattr(ref, "objid", id(ref))
        if objid in seen or depth > 32:
            return
        seen.add(objid)
        attrs = dict(dict_value(ref))
        for key in PDFPage.INHERITABLE_ATTRS:
            if key not in attrs and key in inherited:
                attrs[key] = inherited[key]
        kind = attrs.get("Type")
        if kind is LITERAL_PAGES and "Kids" in attrs:
            for kid in reversed(list_value(attrs["Kids"])):
                yield from walk(kid, attrs, depth + 1)
        elif kind is LITERAL_PAGE:
            index -= 1
            if index < 0:  # more pages than the tree's count says: stop rather than guess
                return
            yield index, PlumberPage(doc, PDFPage(pdf, objid, attrs, None), page_number=index + 1)

    yield from walk(root, dict(pdf.catalog), 0)


def find_signer_place(pdf: bytes, full_name: str | None) -> Place:
    """The space between the signer's title and name in the right half of the page,
    looked for from the last page back over at most :data:`PAGES_SEARCHED` pages."""
    wanted = _nfc(full_name or "")
    # Not ``with``: closing a pdfplumber document parses every page to close it.
    doc = pdfplumber.open(io.BytesIO(pdf))
    opened: list[Any] = []
    try:
        return _find_place(doc, wanted, opened)
    finally:
        for page in opened:
            page.close()
        doc.flush_cache()


def _find_place(doc: Any, wanted: str, opened: list[Any]) -> Place:
    """Lines in the right half of each page; a gap of :data:`MIN_GAP` before the
    signer's name is the block (without a name: the first such gap of the last page)."""
    fallback: Place | None = None
    last: tuple[int, Any] | None = None
    for searched, (index, page) in enumerate(_pages_from_last(doc)):
        if searched >= PAGES_SEARCHED:
            break
        opened.append(page)
        if last is None:
            last = (index, page)
        width, height = float(page.width), float(page.height)
        words = [w for w in page.extract_words() if float(w["x0"]) >= width * 0.45]
        lines: list[dict[str, Any]] = []
        for word in sorted(words, key=lambda w: (round(float(w["top"])), float(w["x0"]))):
            if lines and abs(float(word["top"]) - lines[-1]["top"]) < 3:
                line = lines[-1]
                line["text"] += " " + word["text"]
                line["x0"] = min(line["x0"], float(word["x0"]))
                line["x1"] = max(line["x1"], float(word["x1"]))
                line["bottom"] = max(line["bottom"], float(word["bottom"]))
            else:
                lines.append({"text": word["text"], "top": float(word["top"]), "bottom": float(word["bottom"]),
                              "x0": float(word["x0"]), "x1": float(word["x1"])})
        for upper, lower in zip(lines, lines[1:], strict=False):
            gap = lower["top"] - upper["bottom"]
            if gap < MIN_GAP:
                continue
            place = Place(
                page=index, center_x=(lower["x0"] + lower["x1"]) / 2,
                top=height - upper["bottom"] - 2, bottom=height - lower["top"] + 2, found=True,
            )
            if wanted and _nfc(lower["text"]) == wanted:
                return place
            if fallback is None and searched == 0:
                fallback = place
        if fallback is not None and not wanted:
            return fallback  # no name to look for: the first block of the last page
    if last is None:
        raise ValueError("the PDF has no pages")
    # No block found: the lower right of the last page.
    return Place(page=last[0], center_x=float(last[1].width) * 0.68, top=150.0, bottom=70.0, found=False)


def signer_box(place: Place, image: bytes | None) -> Box:
    room = place.top - place.bottom
    if image:
        w_px, h_px = image_size(image)
        height = max(20.0, room - 4)
        width = min(MAX_SIGNATURE_WIDTH, height * w_px / max(h_px, 1))
        height = min(height, width * h_px / max(w_px, 1))
    else:
        width, height = TEXT_STAMP_SIZE
        height = min(height, max(24.0, room - 4))
    mid_y = (place.top + place.bottom) / 2
    return Box(place.page, place.center_x - width / 2, mid_y - height / 2, place.center_x + width / 2, mid_y + height / 2)


def seal_box(signer: Box, image: bytes | None, width_mm: int) -> Box:
    """The seal at real size, its right edge a third into the signer's box."""
    if image:
        w_px, h_px = image_size(image)
        width = width_mm * MM
        height = width * h_px / max(w_px, 1)
    else:
        width, height = TEXT_STAMP_SIZE
    right = signer.x0 + signer.width / 3
    mid_y = (signer.y0 + signer.y1) / 2
    x0 = max(10.0, right - width)
    return Box(signer.page, x0, mid_y - height / 2, x0 + width, mid_y + height / 2)


# ---- images -----------------------------------------------------------------------


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as img:
        return img.size


def check_png(data: bytes, field: str = "image") -> bytes:
    """A transparent PNG of at most 1 MB and 2000 px a side, or a clear error."""
    if not data:
        raise InvalidInput("Choose a file.", field_errors={field: N_("Choose a file.")})
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput("The image is larger than 1 MB.", field_errors={field: N_("The image is larger than 1 MB.")})
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidInput("The image must be a PNG file.", field_errors={field: N_("The image must be a PNG file.")})
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            transparent = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
    except Exception:  # noqa: BLE001 - any decoding failure is a bad upload
        raise InvalidInput("The image must be a PNG file.", field_errors={field: N_("The image must be a PNG file.")}) from None
    if width > MAX_IMAGE_PIXELS or height > MAX_IMAGE_PIXELS or width < 16 or height < 16:
        raise InvalidInput(
            "The image must be between 16 and 2000 pixels a side.",
            field_errors={field: N_("The image must be between 16 and 2000 pixels a side.")},
        )
    if not transparent:
        raise InvalidInput(
            "The image must have a transparent background (PNG with alpha).",
            field_errors={field: N_("The image must have a transparent background (PNG with alpha).")},
        )
    return data


# ---- stamp styles -----------------------------------------------------------------


def vn_time(moment: datetime) -> str:
    """ISO 8601 in Vietnam time, e.g. ``2021-12-27T09:30:12+07:00``."""
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds")


def image_style(image: bytes) -> TextStampStyle:
    with Image.open(io.BytesIO(image)) as img:
        picture = img.convert("RGBA")
    return TextStampStyle(
        stamp_text="",
        border_width=0,
        background=PdfImage(picture),
        background_opacity=1.0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins(0, 0, 0, 0),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
    )


_font_factories: dict[str, PdfUnitsFontFactory] = {}


def _font_factory(font_file: Path) -> PdfUnitsFontFactory:
    factory = _font_factories.get(str(font_file))
    if factory is None:
        factory = _font_factories[str(font_file)] = PdfUnitsFontFactory(str(font_file))
    return factory


def text_style(font_file: Path) -> TextStampStyle:
    factory = _font_factory(font_file)
    return TextStampStyle(
        stamp_text="%(stamp)s",
        border_width=1,
        text_box_style=TextBoxStyle(font=factory, font_size=8, leading=10),
        background=None,
    )


def stamp_text(kind: str, name: str, organization: str, moment: datetime) -> str:
    """The text stamp in Vietnamese: who signed and when (with +07:00)."""
    who = "Ký bởi" if kind == "signer" else "Cơ quan"
    lines = [f"{who}: {name}"]
    if organization and organization != name:
        lines.append(f"Đơn vị: {organization}" if kind == "signer" else organization)
    lines.append(f"Thời gian ký: {vn_time(moment)}")
    return unicodedata.normalize("NFC", "\n".join(lines))


# ---- the agency's signature on a separate-file appendix ---------------------------


def appendix_text(number_text: str, moment: datetime) -> str:
    """The document's number, then the signing time (``2021-12-27T09:30:12+07:00``)."""
    return unicodedata.normalize("NFC", f"{number_text}\n{vn_time(moment)}")


def appendix_box(page: tuple[float, float, float, float], text: str, font_name: str) -> Box:
    """Top right of the first page (``page`` is its visible box), sized to the text
    set in ``font_name`` (a font registered with ReportLab) at 10 pt."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = text.split("\n")
    # A point of slack per side: pyHanko shapes the text (kerning) where ReportLab adds advances.
    width = max(stringWidth(line, font_name, APPENDIX_FONT_SIZE) for line in lines) + 2 * APPENDIX_PADDING + 2
    height = len(lines) * APPENDIX_LEADING + 2 * APPENDIX_PADDING
    x1 = page[2] - APPENDIX_RIGHT_MM * MM
    y1 = page[3] - APPENDIX_TOP_MM * MM
    return Box(0, x1 - width, y1 - height, x1, y1)


def appendix_style(font_file: Path) -> TextStampStyle:
    """Black upright text at 10 pt, no border, no image, never scaled."""
    rule = SimpleBoxLayoutRule(
        x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MAX,
        margins=Margins.uniform(APPENDIX_PADDING), inner_content_scaling=InnerScaling.NO_SCALING,
    )
    return TextStampStyle(
        stamp_text="%(stamp)s",
        border_width=0,
        text_box_style=TextBoxStyle(
            font=_font_factory(font_file), font_size=APPENDIX_FONT_SIZE, leading=APPENDIX_LEADING, text_color=(0, 0, 0),
            box_layout_rule=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MAX, margins=Margins.uniform(0),
            ),
        ),
        inner_content_layout=rule,
        background=None,
    )
