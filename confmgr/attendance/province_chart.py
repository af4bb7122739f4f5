"""The board's chart by province: for each province, how many of its sites answered and
how many attend, as horizontal bars drawn in SVG on the server (no script, every text
escaped), so the secretariat of a national meeting sees which provinces to remind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from confmgr.attendance.chart import ATTENDING_COLOUR
from confmgr.attendance.services import ProvinceCount

ANSWERED_COLOUR = "#8fb3d9"
SITES_COLOUR = "#e6eaf0"


@dataclass(frozen=True)
class ProvinceChartLabels:
    title: str
    answered: str
    attending: str
    no_province: str


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _short(name: str) -> str:
    return name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def province_chart(
    counts: Sequence[ProvinceCount], labels: ProvinceChartLabels, *, width: int = 640, row: int = 16, left: int = 130
) -> Markup:
    """One row per province: its sites (light), answered (blue) and attending (green),
    each bar as long as its share of the province's sites, the numbers at the end."""
    right, top = 70, 30
    height = top + row * max(1, len(counts)) + 8
    plot = width - left - right
    out = [
        f'<svg class="chart chart-provinces" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(labels.title)}</title>",
        "<desc>"
        + escape("; ".join(f"{_short(c.name) or labels.no_province}: {c.answered}/{c.attending}/{c.sites}" for c in counts))
        + "</desc>",
    ]
    for i, (label, colour) in enumerate(((labels.answered, ANSWERED_COLOUR), (labels.attending, ATTENDING_COLOUR))):
        x = left + i * 170
        out.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 17}" y="19" font-size="12" fill="#1c2430">{escape(label)}</text>')
    for index, count in enumerate(counts):
        y = top + index * row
        total = max(1, count.sites)
        name = _short(count.name) if count.code else labels.no_province
        out.append(
            f'<g class="province-bar" data-province="{escape(count.code or "none")}">'
            f'<text x="{left - 6}" y="{_fmt(y + row * 0.72)}" text-anchor="end" font-size="11" fill="#1c2430">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{_fmt(plot)}" height="{row - 4}" fill="{SITES_COLOUR}"/>'
            f'<rect class="bar-answered" x="{left}" y="{y + 2}" width="{_fmt(plot * count.answered / total)}" height="{row - 4}" fill="{ANSWERED_COLOUR}"/>'
            f'<rect class="bar-attending" x="{left}" y="{y + 5}" width="{_fmt(plot * count.attending / total)}" height="{row - 10}" fill="{ATTENDING_COLOUR}"/>'
            f'<text x="{left + plot + 6}" y="{_fmt(y + row * 0.72)}" font-size="11" fill="#5b6675">{count.answered}/{count.sites}</text>'
            "</g>"
        )
    out.append("</svg>")
    return Markup("".join(out))
