"""The documents' font in a signature's text, measured as PDF measures glyphs.

pyHanko embeds an OpenType font for a text appearance with the glyph widths, the
text positions and the font descriptor's metrics in the font's own units, while a
PDF measures glyphs in thousandths of an em. The two agree for fonts drawn on 1,000
units (most CFF fonts); Times New Roman and its clone Liberation Serif are drawn on
2,048, so every letter took twice its width and the text ran out of its box. The
accumulator here gives pyHanko widths, HarfBuzz positions and descriptor metrics in
thousandths of an em; the font program itself is embedded unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

PDF_GLYPH_UNITS = 1000
_DESCRIPTOR_METRICS = ("/Ascent", "/Descent", "/CapHeight")


class PdfUnitsGlyphAccumulator(GlyphAccumulator):
    """A glyph accumulator whose metrics are in thousandths of an em."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font_units = int(self.units_per_em)
        if self._font_units != PDF_GLYPH_UNITS:
            factor = PDF_GLYPH_UNITS / self._font_units
            self.units_per_em = PDF_GLYPH_UNITS
            self.hb_font.scale = (PDF_GLYPH_UNITS, PDF_GLYPH_UNITS)  # HarfBuzz positions in the same units
            descriptor = self.cidfont_obj._font_descriptor  # noqa: SLF001 - pyHanko fills it in font units
            for key in _DESCRIPTOR_METRICS:
                if key in descriptor:
                    descriptor[generic.NameObject(key)] = generic.NumberObject(round(int(descriptor[key]) * factor))
            if "/FontBBox" in descriptor:
                descriptor[generic.NameObject("/FontBBox")] = generic.ArrayObject(
                    generic.NumberObject(round(int(v) * factor)) for v in descriptor["/FontBBox"]
                )

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        found = self._glyphs.get(glyph_id)
        if found is None:
            cid, width = super()._get_cid_and_width(glyph_id)  # caches the width in font units
            found = self._glyphs[glyph_id] = (cid, round(width * PDF_GLYPH_UNITS / self._font_units))
        return found


@dataclass(frozen=True)
class PdfUnitsFontFactory(GlyphAccumulatorFactory):
    """pyHanko's factory for :class:`PdfUnitsGlyphAccumulator`."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        # Left open as pyHanko leaves it: the font tables are read from it lazily.
        fh = open(self.font_file, "rb")  # noqa: SIM115
        return PdfUnitsGlyphAccumulator(
            writer=writer, font_handle=fh, font_size=self.font_size, ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag, writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code, obj_stream=obj_stream,
        )
