"""How long the minutes of a national meeting take to build as PDF.

The case the domain plans for: 3,321 sites (every commune, ward and special zone),
one attendance line per site with a few delegates, about 60 contributions. The
script times ``build_minutes_pdf`` (ReportLab), then renders the same paragraphs
through WeasyPrint (HTML to PDF, the usual alternative) with the same font, and
prints one JSON line; ``--markdown`` adds a table for docs/performance.md.

    python bench/bench_minutes_pdf.py [--runs 3] [--sites 3321] [--markdown]
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

# Runnable from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from confmgr.documents.content import (
    AgencyHeader,
    AgendaEntry,
    Contribution,
    MinutesContent,
    Person,
    SiteAttendance,
    Venue,
    minutes_body,
)
from confmgr.documents.fonts import FontFamily, load_fonts
from confmgr.documents.pdf import build_minutes_pdf

_KINDS = ("xã", "phường", "đặc khu")
_PROVINCES = ("Bình Định", "Gia Lai", "Quảng Ngãi", "Đắk Lắk", "Khánh Hòa", "Lâm Đồng")


def national_minutes(site_count: int = 3321, contributions: int = 60) -> MinutesContent:
    """Minutes with ``site_count`` sites of three delegates and ``contributions`` papers."""
    sites = tuple(
        f"UBND {_KINDS[i % 3]} Hòa Bình {i + 1}, tỉnh {_PROVINCES[i % len(_PROVINCES)]}" for i in range(site_count)
    )
    attendance = tuple(
        SiteAttendance(
            site,
            (
                Person(f"Nguyễn Văn Hưởng {i}", "Chủ tịch", site),
                Person(f"Trần Thị Mỹ Duyên {i}", "Phó Chủ tịch", site),
                Person(f"Lê Quốc Việt {i}", "Công chức Văn phòng - Thống kê"),
            ),
        )
        for i, site in enumerate(sites)
    )
    step = max(1, site_count // max(1, contributions))
    papers = tuple(
        Contribution(
            speaker=Person(f"Phạm Đức Thắng {k}", "Chủ tịch", sites[(k * step) % site_count]),
            site_name=sites[(k * step) % site_count],
            title="Kết quả vận hành chính quyền địa phương hai cấp" if k % 3 == 0 else None,
            summary=(
                "Báo cáo kết quả sau sắp xếp đơn vị hành chính: bộ máy vận hành thông suốt, "
                "giải quyết thủ tục hành chính đúng hạn đạt trên 98%; kiến nghị bổ sung biên "
                "chế công chức chuyên môn về đất đai, xây dựng và chuyển đổi số, hỗ trợ kinh "
                "phí nâng cấp hạ tầng kết nối trực tuyến tại các điểm cầu cấp xã."
            ),
        )
        for k in range(contributions)
    )
    header = AgencyHeader("Ủy ban nhân dân tỉnh Bình Định", "Sở Nội vụ", "SNV", "Bình Định")
    chair = Person("Nguyễn Văn Bình", "Giám đốc", "Sở Nội vụ")
    return MinutesContent(
        header=header,
        number=5,
        issued_on=date(2026, 1, 9),
        title="Hội nghị trực tuyến toàn quốc tổng kết công tác nội vụ năm 2025",
        started_at=datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
        ended_at=datetime(2026, 1, 5, 4, 30, tzinfo=UTC),
        venue=Venue("Hội trường UBND tỉnh Bình Định", sites),
        attendance=attendance,
        chair=chair,
        secretary=Person("Trần Thị Thu Hằng", "Chuyên viên", "Văn phòng Sở Nội vụ"),
        agenda=(
            AgendaEntry(
                "Báo cáo tổng kết công tác năm 2025",
                presenter=Person("Đặng Thị Kim Oanh", "Phó Giám đốc", "Sở Nội vụ"),
            ),
            AgendaEntry("Tham luận và thảo luận", contributions=papers),
        ),
        conclusions=("Hoàn thành sắp xếp tổ chức bộ máy.", "Đẩy mạnh chuyển đổi số."),
        recipients=("Bộ Nội vụ (để b/c)", "UBND tỉnh (để b/c)", "Các điểm cầu"),
        archive_unit="VP",
        draft=False,
    )


def minutes_html(content: MinutesContent, fonts: FontFamily) -> str:
    """The same paragraphs as HTML for WeasyPrint, set in the same font files."""
    faces = []
    for path, weight, style in zip(
        fonts.files,
        ("normal", "bold", "normal", "bold"),
        ("normal", "normal", "italic", "italic"),
        strict=True,
    ):
        faces.append(
            f"@font-face {{ font-family: Doc; src: url('{path.as_uri()}'); "
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    css = (
        "\n".join(faces)
        + """
@page { size: A4; margin: 20mm 15mm 20mm 30mm;
        @top-center { content: counter(page); font: 13pt Doc; } }
@page :first { @top-center { content: none; } }
body { font: 14pt/17pt Doc; text-align: justify; }
p { margin: 0 0 6pt 0; text-indent: 10mm; }
h1 { font-size: 14pt; text-align: center; margin: 16pt 0 14pt 0; }
"""
    )
    parts = [f"<h1>BIÊN BẢN<br>{html.escape(content.title)}</h1>"]
    for block in minutes_body(content):
        runs = []
        for run in block.runs:
            text = html.escape(run.text)
            runs.append(f"<b>{text}</b>" if run.bold else text)
        parts.append(f"<p>{''.join(runs)}</p>")
    head = f"<meta charset='utf-8'><style>{css}</style>"
    return f"<!doctype html><html><head>{head}</head><body>{''.join(parts)}</body></html>"


def _time(fn: Callable[[], bytes], runs: int) -> tuple[list[float], bytes]:
    times = []
    out = b""
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def run(site_count: int, contributions: int, runs: int) -> dict[str, object]:
    fonts = load_fonts()
    content = national_minutes(site_count, contributions)
    build_minutes_pdf(content, fonts)  # warm-up: first use parses font tables
    rl_times, pdf = _time(lambda: build_minutes_pdf(content, fonts), runs)
    result: dict[str, object] = {
        "benchmark": "minutes_pdf",
        "sites": site_count,
        "contributions": contributions,
        "pages": _pages(pdf),
        "pdf_bytes": len(pdf),
        "runs": runs,
        "reportlab_best_s": round(min(rl_times), 3),
        "reportlab_median_s": round(statistics.median(rl_times), 3),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        import weasyprint
    except Exception as exc:  # any import failure (missing pango too) means "not measured"
        result["weasyprint"] = f"not measured: {type(exc).__name__}: {exc}"
        result["weasyprint_best_s"] = None
        result["weasyprint_median_s"] = None
        result["ratio_weasyprint_to_reportlab"] = None
        return result
    document = minutes_html(content, fonts)
    wp_times, wp_pdf = _time(lambda: weasyprint.HTML(string=document).write_pdf(), runs)
    result.update(
        weasyprint=f"measured with WeasyPrint {weasyprint.__version__}",
        weasyprint_pages=_pages(wp_pdf),
        weasyprint_best_s=round(min(wp_times), 3),
        weasyprint_median_s=round(statistics.median(wp_times), 3),
        ratio_weasyprint_to_reportlab=round(min(wp_times) / min(rl_times), 1),
    )
    return result


def markdown(result: dict[str, object]) -> str:
    def seconds(key: str) -> str:
        value = result.get(key)
        return "not measured" if value is None else f"{value:.3f} s"

    lines = [
        "## Minutes PDF of a national meeting",
        "",
        f"{result['sites']} sites with three delegates each, {result['contributions']} "
        f"contributions: {result['pages']} pages. Best and median of {result['runs']} runs on "
        f"{result['cpus']} CPUs, Python {result['python']}.",
        "",
        "| renderer | best | median |",
        "| --- | --- | --- |",
        f"| ReportLab (`build_minutes_pdf`) | {seconds('reportlab_best_s')} | {seconds('reportlab_median_s')} |",
        f"| WeasyPrint (same text as HTML) | {seconds('weasyprint_best_s')} | {seconds('weasyprint_median_s')} |",
        "",
    ]
    ratio = result.get("ratio_weasyprint_to_reportlab")
    lines.append(f"WeasyPrint takes {ratio}× as long." if ratio else f"WeasyPrint: {result['weasyprint']}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=3321)
    parser.add_argument("--contributions", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help="also print a markdown section")
    args = parser.parse_args(argv)
    result = run(args.sites, args.contributions, args.runs)
    print(json.dumps(result, ensure_ascii=False))
    if args.markdown:
        print()
        print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
