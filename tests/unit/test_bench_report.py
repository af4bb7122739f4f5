"""docs/performance.md is updated section by section: a benchmark run replaces its own
section and its cells of the side-by-side table, and keeps everything else."""

from __future__ import annotations

from bench.__main__ import SKELETON, updated_report


def _record(mode: str, p99: float) -> dict[str, object]:
    return {"benchmark": "live_scale", "mode": mode, "streams_held": 10000, "mix_request_p99_ms": p99}


def test_a_run_replaces_its_sections_and_cells_and_keeps_the_rest() -> None:
    first = updated_report(
        None,
        [("bench_live_scale:sqlite", "## Live\n\nold sqlite"), ("bench_live_scale:postgresql+redis", "#### Production\n\nold pg"),
         ("bench_minutes:sqlite", "## Minutes\n\n2.2 s")],
        [_record("sqlite", 246.0), _record("postgresql+redis", 133.1)],
    )
    assert first.startswith(SKELETON.split("<!--")[0])
    # A person adds a note between the sections.
    noted = first.replace("<!-- bench:bench_minutes:sqlite -->", "A note written by hand.\n\n<!-- bench:bench_minutes:sqlite -->")
    second = updated_report(noted, [("bench_live_scale:sqlite", "## Live\n\nnew sqlite")], [_record("sqlite", 151.0)])
    assert "new sqlite" in second and "old sqlite" not in second
    assert "old pg" in second and "## Minutes\n\n2.2 s" in second
    assert "A note written by hand." in second
    assert "| live_scale | morning mix: worst request kind, p99 (ms) | 151.0 | 133.1 |" in second
    assert "| live_scale | streams held | 10000 | 10000 |" in second
    # The order of the sections is kept; nothing is written twice.
    assert second.index("new sqlite") < second.index("old pg") < second.index("A note written by hand.")
    assert second.count("<!-- bench:bench_live_scale:sqlite -->") == 1


def test_a_section_never_measured_before_is_added_at_the_end() -> None:
    report = updated_report(SKELETON, [("bench_signing:sqlite", "## Signing\n\n0.156 s")], [])
    assert report.rstrip().endswith("<!-- /bench:bench_signing:sqlite -->")
    assert "0.156 s" in report
