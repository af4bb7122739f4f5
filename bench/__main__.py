"""Run the benchmarks and write docs/performance.md.

    python -m bench                          # all, embedded mode; writes docs/performance.md
    python -m bench confirmations            # those whose name contains a word
    python -m bench --production-database-url postgresql+asyncpg://postgres@127.0.0.1/bench \\
                    --production-redis-url redis://127.0.0.1:6379/14
                                             # the server benchmarks again on PostgreSQL + Redis
                                             # with two workers, side by side with SQLite
    python -m bench --no-write               # print only

Each ``bench/bench_*.py`` module has ``main(argv)``, prints one JSON line and, with
``--markdown``, a section for the report. The exit status is that of the first
benchmark that failed, 0 when all ran.

docs/performance.md keeps each benchmark's section between ``<!-- bench:NAME:MODE -->``
markers, and the side-by-side table between ``<!-- bench:side-by-side -->`` markers. A
run replaces the sections of the benchmarks it ran and their cells of the table; all
the rest (other benchmarks' last results, notes written by people) stays as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench import common

HERE = Path(__file__).resolve().parent
REPORT = HERE.parent / "docs" / "performance.md"
# Benchmarks that start a server, and so run in both modes.
SERVER_BENCHMARKS = ("bench_confirmations", "bench_live_views", "bench_live_scale")


def discover() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def run_one(name: str) -> tuple[int, str, list[dict[str, Any]]]:
    """Run one benchmark with --markdown; return its status, its output and its JSON lines."""
    buffer = io.StringIO()
    common.mark_start()
    started = time.perf_counter()
    print(f"# {name} ({os.environ.get('CONFMGR_BENCH_DATABASE_URL') and 'postgresql+redis' or 'sqlite'})", file=sys.stderr, flush=True)
    with contextlib.redirect_stdout(buffer):
        try:
            module = importlib.import_module(f"bench.{name}")
            result = module.main(["--markdown"])
        except SystemExit as exc:
            result = exc.code if isinstance(exc.code, int) else 1
        except Exception:
            traceback.print_exc()
            result = 1
    output = buffer.getvalue()
    sys.stdout.write(output)
    print(f"# {name}: exit {result or 0} after {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    records = []
    for line in output.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
    return int(result or 0), output, records


def markdown_of(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if not line.startswith("{")).strip()


SIDE_BY_SIDE = {
    "confirmations": [("throughput (answers/s)", "throughput_per_s"), ("p50 (ms)", "p50_ms"), ("p99 (ms)", "p99_ms"), ("refused requests", "errors"), ("every answer stored", "no_answer_lost")],
    "live_views": [("p50 (s)", "p50"), ("p99 (s)", "p99"), ("within 1 s", "within_1s"), ("missing", "missing")],
    "live_scale": [
        ("streams held", "streams_held"), ("server RSS with them (MiB)", "rss_held_mib"),
        ("RSS per stream (KiB)", "rss_per_stream_kib"), ("a change: p99 (s)", "change_p99_s"),
        ("a change: within 1 s", "change_within_1s"), ("storm after a blip: last served (s)", "storm_blip_max_s"),
        ("storm after a restart: last served (s)", "storm_restart_max_s"),
        ("morning mix: worst request kind, p99 (ms)", "mix_request_p99_ms"), ("morning mix: changes within 2 s", "mix_within_2s"),
    ],
}
MODES = ("sqlite", "postgresql+redis")
TABLE_HEAD = ["| benchmark | measure | SQLite, 1 process | PostgreSQL + Redis |", "| --- | --- | --- | --- |"]
SKELETON = """# Performance

Each section says when, and on what machine, it was measured. `python -m bench` measures
again and replaces the sections of the benchmarks it ran (and their cells in the table
below); everything else in this file stays as written. The load clients run on the same
machine as the server and share its cores.

## Side by side

<!-- bench:side-by-side -->
<!-- /bench:side-by-side -->

## Details
"""


def _block(key: str, text: str) -> str:
    return f"<!-- bench:{key} -->\n{text.strip()}\n<!-- /bench:{key} -->"


def _block_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"<!-- bench:{re.escape(key)} -->\n.*?<!-- /bench:{re.escape(key)} -->", re.S)


def _table_cells(text: str) -> dict[tuple[str, str], list[str]]:
    cells: dict[tuple[str, str], list[str]] = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if len(parts) == 4 and parts[0] not in ("benchmark", "---"):
            cells[(parts[0], parts[1])] = parts[2:]
    return cells


def side_by_side(records: list[dict[str, Any]], before: str = "") -> str:
    """The table, with the cells of these records replaced and every other cell kept."""
    cells = _table_cells(before)
    for bench, measures in SIDE_BY_SIDE.items():
        for record in (r for r in records if r.get("benchmark") == bench):
            column = MODES.index(record.get("mode", "sqlite"))
            for label, key in measures:
                row = cells.setdefault((bench, label), ["not run", "not run"])
                row[column] = str(record.get(key, "not run"))
    ordered = [(b, label) for b, measures in SIDE_BY_SIDE.items() for label, _ in measures]
    keys = [k for k in ordered if k in cells] + [k for k in cells if k not in ordered]
    return "\n".join([*TABLE_HEAD, *(f"| {b} | {m} | {cells[(b, m)][0]} | {cells[(b, m)][1]} |" for b, m in keys)])


def in_production_mode(markdown: str) -> str:
    """The section's title says it was measured in production mode."""
    first, _, rest = markdown.partition("\n")
    if first.startswith("## "):
        return f"{first} (PostgreSQL + Redis, two workers)\n{rest}"
    return "## Production mode (PostgreSQL + Redis, two workers)\n\n" + markdown


def updated_report(report: str | None, sections: list[tuple[str, str]], records: list[dict[str, Any]]) -> str:
    """The report with these sections (key, markdown) and table cells replaced."""
    text = report if report is not None else SKELETON
    table = _block_pattern("side-by-side")
    found = table.search(text)
    if found is None:
        text = text.rstrip() + "\n\n## Side by side\n\n" + _block("side-by-side", "") + "\n"
        found = table.search(text)
        assert found is not None
    new_table = _block("side-by-side", side_by_side(records, found.group(0)))
    text = text[:found.start()] + new_table + text[found.end():]
    for key, markdown in sections:
        pattern = _block_pattern(key)
        replacement = _block(key, markdown)
        if pattern.search(text):
            text = pattern.sub(lambda _m: replacement, text, count=1)
        else:
            text = text.rstrip() + "\n\n" + replacement + "\n"
    return text.rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run confmgr's benchmarks.")
    parser.add_argument("names", nargs="*", help="run only benchmarks whose module name contains one of these")
    parser.add_argument("--production-database-url", help="also run the server benchmarks on this PostgreSQL database")
    parser.add_argument("--production-redis-url", help="with Redis at this URL (required with the database URL)")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    args = parser.parse_args(argv)
    modules = [m for m in discover() if not args.names or any(n in m for n in args.names)]
    if args.list or not modules:
        print("\n".join(modules) if modules else "no benchmark matches", file=sys.stdout if modules else sys.stderr)
        return 0 if modules or args.list else 2
    if args.production_database_url and not args.production_redis_url:
        parser.error("--production-database-url needs --production-redis-url")
    sys.path.insert(0, str(HERE.parent))
    for name in ("CONFMGR_BENCH_DATABASE_URL", "CONFMGR_BENCH_REDIS_URL"):
        os.environ.pop(name, None)
    status = 0
    sections: list[tuple[str, str]] = []
    records: list[dict[str, Any]] = []
    for name in modules:
        result, output, found = run_one(name)
        status = status or result
        records += found
        sections.append((f"{name}:sqlite", markdown_of(output)))
    if args.production_database_url:
        os.environ["CONFMGR_BENCH_DATABASE_URL"] = args.production_database_url
        os.environ["CONFMGR_BENCH_REDIS_URL"] = args.production_redis_url
        for name in (m for m in modules if m in SERVER_BENCHMARKS):
            result, output, found = run_one(name)
            status = status or result
            records += found
            sections.append((f"{name}:postgresql+redis", in_production_mode(markdown_of(output))))
    if not args.no_write:
        before = REPORT.read_text(encoding="utf-8") if REPORT.exists() else None
        REPORT.write_text(updated_report(before, [s for s in sections if s[1]], records), encoding="utf-8")
        print(f"# wrote {REPORT}", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
