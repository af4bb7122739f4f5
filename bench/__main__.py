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
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
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


def side_by_side(records: list[dict[str, Any]]) -> str:
    rows = {
        "confirmations": [("throughput (answers/s)", "throughput_per_s"), ("p50 (ms)", "p50_ms"), ("p99 (ms)", "p99_ms"), ("refused requests", "errors"), ("every answer stored", "no_answer_lost")],
        "live_views": [("p50 (s)", "p50"), ("p99 (s)", "p99"), ("within 1 s", "within_1s"), ("missing", "missing")],
        "live_scale": [
            ("streams held", "streams_held"), ("server RSS with them (MiB)", "rss_held_mib"),
            ("RSS per stream (KiB)", "rss_per_stream_kib"), ("a change: p99 (s)", "change_p99_s"),
            ("a change: within 1 s", "change_within_1s"), ("storm after a blip: last served (s)", "storm_blip_max_s"),
            ("storm after a restart: last served (s)", "storm_restart_max_s"),
            ("morning mix: request p99 (ms)", "mix_request_p99_ms"), ("morning mix: changes within 2 s", "mix_within_2s"),
        ],
    }
    lines = ["| benchmark | measure | SQLite, 1 process | PostgreSQL + Redis |", "| --- | --- | --- | --- |"]
    for bench, measures in rows.items():
        by_mode = {r.get("mode", "sqlite"): r for r in records if r.get("benchmark") == bench}
        if not by_mode:
            continue
        for label, key in measures:
            values = [by_mode.get(m, {}).get(key, "not run") for m in ("sqlite", "postgresql+redis")]
            lines.append(f"| {bench} | {label} | {values[0]} | {values[1]} |")
    return "\n".join(lines)


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
    sections: list[str] = []
    records: list[dict[str, Any]] = []
    for name in modules:
        result, output, found = run_one(name)
        status = status or result
        records += found
        sections.append(markdown_of(output))
    if args.production_database_url:
        os.environ["CONFMGR_BENCH_DATABASE_URL"] = args.production_database_url
        os.environ["CONFMGR_BENCH_REDIS_URL"] = args.production_redis_url
        for name in (m for m in modules if m in SERVER_BENCHMARKS):
            result, output, found = run_one(name)
            status = status or result
            records += found
            sections.append("#### Production mode (PostgreSQL + Redis, two workers)\n\n" + markdown_of(output))
    if not args.no_write:
        facts = common.machine()
        report = [
            "# Performance",
            "",
            f"Measured on {facts['date']} on {common.describe(facts)}, with `python -m bench`"
            + (" (and the production options)" if args.production_database_url else "") + ".",
            "The load clients run on the same machine as the server and share its cores.",
            "",
            "## Side by side",
            "",
            side_by_side(records),
            "",
            "## Details",
            "",
            *[s + "\n" for s in sections if s],
        ]
        REPORT.write_text("\n".join(report).rstrip() + "\n", encoding="utf-8")
        print(f"# wrote {REPORT}", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
