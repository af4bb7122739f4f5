"""The chart is a pure function: escaped text, a staircase per answer, thousands thinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from confmgr.attendance.chart import ChartLabels, answers_chart, thin
from confmgr.attendance.services import ChartPoint

LABELS = ChartLabels(title="Xác nhận <theo> thời gian", attending="Tham dự & có mặt", declined="Không tham dự", empty="Chưa có")
SVG = "{http://www.w3.org/2000/svg}"


def _points(count: int) -> list[ChartPoint]:
    start = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)
    return [ChartPoint(at=start + timedelta(seconds=i), attending=i + 1, declined=i // 10) for i in range(count)]


def test_chart_is_well_formed_svg_with_escaped_text() -> None:
    svg = str(answers_chart(_points(5), total_sites=10, labels=LABELS))
    root = ElementTree.fromstring(svg)  # raises if the text broke the markup
    assert root.find(f"{SVG}title").text == "Xác nhận <theo> thời gian"
    assert root.find(f"{SVG}desc").text == "Tham dự & có mặt: 5, Không tham dự: 0 / 10"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "08:00" in texts and "08:00" in texts  # Vietnam time, start and end
    paths = {p.get("class"): p.get("d") for p in root.iter(f"{SVG}path")}
    assert set(paths) == {"line-attending", "line-declined"}
    assert paths["line-attending"].count("V") == 6  # a step per answer, one to the right edge


def test_empty_chart_says_so() -> None:
    root = ElementTree.fromstring(str(answers_chart([], total_sites=3, labels=LABELS)))
    assert "Chưa có" in [t.text for t in root.iter(f"{SVG}text")]
    assert list(root.iter(f"{SVG}path")) == []


def test_thousands_of_answers_are_thinned_keeping_the_last() -> None:
    points = _points(3321)
    kept = thin(points, 120)
    assert len(kept) <= 120
    assert kept[-1] == points[-1]
    assert [p.at for p in kept] == sorted(p.at for p in kept)
    svg = str(answers_chart(points, total_sites=3321, labels=LABELS))
    assert len(svg) < 20_000
