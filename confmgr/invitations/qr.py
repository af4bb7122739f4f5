"""QR codes of site links (mã QR): a PNG to download, inline SVG for the printed sheet.

Both come from one :func:`qr_code`, so the picture on paper and the one on screen
encode the same URL in the same way.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno

# Level M survives a crease or a smudge on a printed sheet and keeps the symbol small
# (version 5 for a typical link); codes are never Micro QR, which phones read poorly.
ERROR_LEVEL = "m"
PNG_SCALE = 8
PNG_BORDER = 4
SVG_BORDER = 2


# Choosing the best mask is most of the cost (a few milliseconds a code; a fixed mask
# would be five times faster but can leave patterns that confuse a phone's camera on
# paper). The printed sheet draws the same links again and again, so codes are kept for
# the process's life: enough for every site of the largest national conference.
@lru_cache(maxsize=4096)
def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def qr_png(url: str, *, scale: int = PNG_SCALE) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, border=PNG_BORDER)
    return out.getvalue()


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> str:
    """An ``<svg>`` element without size, scaled by CSS (a viewBox of one unit a module)."""
    return str(qr_code(url).svg_inline(scale=1, border=SVG_BORDER, omitsize=True, svgclass="qr", lineclass=None))
