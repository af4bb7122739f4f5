"""What every server benchmark shares: the mode it runs in, the machine it ran on,
a free port and percentiles.

The embedded mode (default) is SQLite, in-memory live updates, one process. The
production mode is chosen by ``CONFMGR_BENCH_DATABASE_URL`` (a PostgreSQL URL whose
schema the benchmark empties first), ``CONFMGR_BENCH_REDIS_URL`` (flushed first)
and ``CONFMGR_BENCH_WORKERS`` (server processes, default 2 in production mode).
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import statistics
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

VN = timezone(timedelta(hours=7))


def mode() -> str:
    return "postgresql+redis" if os.environ.get("CONFMGR_BENCH_DATABASE_URL") else "sqlite"


def workers() -> int:
    default = "2" if mode() != "sqlite" else "1"
    return int(os.environ.get("CONFMGR_BENCH_WORKERS", default))


def server_env(env: dict[str, str]) -> dict[str, str]:
    """The server's environment for the current mode; resets the production stores."""
    for name in ("CONFMGR_DATABASE_URL", "CONFMGR_REDIS_URL", "CONFMGR_SMTP_URL"):
        env.pop(name, None)
    database = os.environ.get("CONFMGR_BENCH_DATABASE_URL")
    redis_url = os.environ.get("CONFMGR_BENCH_REDIS_URL")
    if database:
        _reset_postgres(database)
        env["CONFMGR_DATABASE_URL"] = database
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        client.flushdb()
        client.close()
        env["CONFMGR_REDIS_URL"] = redis_url
    return env


def serve_args(port: int) -> list[str]:
    return ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers())]


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def reset() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    # The benchmarks may call this from inside their own event loop: reset in a thread.
    import threading

    thread = threading.Thread(target=lambda: asyncio.run(reset()))
    thread.start()
    thread.join()


# The machine's load when the benchmark started (when this module was imported, or
# ``mark_start()`` for each benchmark of a ``python -m bench`` run): the load at its end
# would be the benchmark's own.
_load_at_start = os.getloadavg()[0]


def mark_start() -> None:
    global _load_at_start
    _load_at_start = os.getloadavg()[0]


def machine() -> dict[str, Any]:
    """The machine, for the reports: cores, CPU model, memory, system, Python, and
    the date in Vietnam."""
    cpu = platform.processor() or ""
    memory_gib: float | None = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(), "cpu": cpu, "memory_gib": memory_gib, "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}", "date": datetime.now(VN).strftime("%Y-%m-%d"),
        "load_1m": round(_load_at_start, 2),
    }


def load_note(facts: dict[str, Any]) -> str:
    """What else the machine was doing when the benchmark started (the 1-minute load
    average against the cores): the reader judges the numbers by it."""
    load, cores = facts.get("load_1m"), facts.get("cores") or 1
    if load is None:
        return ""
    if load < 0.5 * cores:
        return f"The machine was otherwise quiet (load average {load} at the start)."
    return (f"**The machine was busy with other work** (load average {load} at the start, on {cores} cores): "
            "the times are upper bounds of what a quiet machine gives.")


def describe(facts: dict[str, Any]) -> str:
    """``machine()`` as one phrase."""
    return (
        f"{facts['cores']} cores ({facts['cpu']}), {facts['memory_gib']} GiB memory, {facts['system']}, "
        f"Python {facts['python']}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile (1 to 99)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
