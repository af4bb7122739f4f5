"""Run the benchmarks: every ``bench/bench_*.py`` module's ``main(argv)``, one after another.

    python -m bench                      # all of them
    python -m bench confirmations        # those whose name contains a word
    python -m bench --markdown           # each also prints its docs/performance.md section

Each module takes its own options; ``--markdown`` is passed to every one. The exit
status is that of the first benchmark that failed, 0 when all ran.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run confmgr's benchmarks.")
    parser.add_argument("names", nargs="*", help="run only benchmarks whose module name contains one of these")
    parser.add_argument("--markdown", action="store_true", help="each benchmark also prints a markdown section")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    args = parser.parse_args(argv)
    modules = [m for m in discover() if not args.names or any(n in m for n in args.names)]
    if args.list or not modules:
        print("\n".join(modules) if modules else "no benchmark matches", file=sys.stdout if modules else sys.stderr)
        return 0 if modules or args.list else 2
    sys.path.insert(0, str(HERE.parent))
    status = 0
    for name in modules:
        print(f"# {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            result = module.main(["--markdown"] if args.markdown else [])
        except SystemExit as exc:
            result = exc.code if isinstance(exc.code, int) else 1
        except Exception:
            traceback.print_exc()
            result = 1
        print(f"# {name}: exit {result or 0} after {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        if result and not status:
            status = int(result)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
