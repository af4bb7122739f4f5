"""The board's chart of answers over time, drawn as SVG on the server.

A pure function of the points: no JavaScript library, nothing to download, and the
same picture with or without scripts. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from confmgr.attendance.services import ChartPoint
from confmgr.timeutil import to_vn

ATTENDING_COLOUR = "#1d7a3a"
DECLINED_COLOUR = "#b3261e"


@dataclass(frozen=True)
class ChartLabels:
    title: str
    attending: str
    declined: str
    empty: str


@dataclass(frozen=True)
class Box:
    width: int = 640
    height: int = 220
    left: int = 44
    right: int = 12
    top: int = 28
    bottom: int = 28

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def thin(points: Sequence[ChartPoint], buckets: int) -> list[ChartPoint]:
    """At most one point per time bucket (the last one): thousands of answers draw as ~``buckets`` steps."""
    if len(points) <= buckets:
        return list(points)
    start, end = points[0].at, points[-1].at
    span = (end - start).total_seconds() or 1.0
    kept: dict[int, ChartPoint] = {}
    for point in points:
        kept[min(buckets - 1, int((point.at - start).total_seconds() / span * buckets))] = point
    return [kept[k] for k in sorted(kept)]


def _clock(moment: datetime, with_date: bool) -> str:
    local = to_vn(moment)
    assert local is not None
    return local.strftime("%d/%m %H:%M" if with_date else "%H:%M")


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _step_path(points: Sequence[tuple[float, float]]) -> str:
    """A staircase: a count holds until the next answer changes it."""
    if not points:
        return ""
    parts = [f"M{_fmt(points[0][0])},{_fmt(points[0][1])}"]
    for x, y in points[1:]:
        parts.append(f"H{_fmt(x)}V{_fmt(y)}")
    return " ".join(parts)


def answers_chart(
    points: Sequence[ChartPoint], *, total_sites: int, labels: ChartLabels, box: Box = Box(), buckets: int = 120
) -> Markup:
    """Cumulative attending and declined sites over time, as an inline ``<svg>``."""
    last = points[-1] if points else None
    summary = (
        f"{labels.attending}: {last.attending}, {labels.declined}: {last.declined} / {total_sites}"
        if last else labels.empty
    )
    out = [
        f'<svg class="chart" viewBox="0 0 {box.width} {box.height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(labels.title)}</title><desc>{escape(summary)}</desc>",
    ]
    x0, y0 = box.left, box.top + box.plot_height
    top_value = max(1, total_sites, *(max(p.attending, p.declined) for p in points)) if points else max(1, total_sites)
    # Grid: zero, half and all of the invited sites.
    for fraction in (0.0, 0.5, 1.0):
        y = y0 - box.plot_height * fraction
        out.append(f'<line x1="{x0}" x2="{box.width - box.right}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="#d9dee5"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{_fmt(y + 4)}" text-anchor="end" font-size="11" fill="#5b6675">'
            f"{round(top_value * fraction)}</text>"
        )
    legend_y = box.top - 12
    for i, (label, colour) in enumerate(((labels.attending, ATTENDING_COLOUR), (labels.declined, DECLINED_COLOUR))):
        x = x0 + i * 160
        out.append(f'<rect x="{x}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 17}" y="{legend_y + 2}" font-size="12" fill="#1c2430">{escape(label)}</text>')
    if not points:
        out.append(
            f'<text x="{_fmt(x0 + box.plot_width / 2)}" y="{_fmt(y0 - box.plot_height / 2)}" text-anchor="middle" '
            f'font-size="13" fill="#5b6675">{escape(labels.empty)}</text>'
        )
        out.append("</svg>")
        return Markup("".join(out))
    drawn = thin(points, buckets)
    start, end = drawn[0].at, drawn[-1].at
    if end <= start:
        end = start + timedelta(minutes=1)
    span = (end - start).total_seconds()

    def xy(point: ChartPoint, value: int) -> tuple[float, float]:
        x = x0 + box.plot_width * (point.at - start).total_seconds() / span
        return x, y0 - box.plot_height * value / top_value

    for attr, colour in (("attending", ATTENDING_COLOUR), ("declined", DECLINED_COLOUR)):
        coords = [(float(x0), float(y0))] + [xy(p, getattr(p, attr)) for p in drawn]
        coords.append((float(x0 + box.plot_width), coords[-1][1]))
        out.append(f'<path d="{_step_path(coords)}" fill="none" stroke="{colour}" stroke-width="2" class="line-{attr}"/>')
    with_date = to_vn(start).date() != to_vn(end).date()  # type: ignore[union-attr]
    for moment, anchor, x in ((start, "start", x0), (end, "end", box.width - box.right)):
        out.append(
            f'<text x="{x}" y="{box.height - 8}" text-anchor="{anchor}" font-size="11" fill="#5b6675">'
            f"{escape(_clock(moment, with_date))}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))
