"""Does the server keep answering while it builds a national meeting's minutes?

A real ``confmgr serve`` (one process, SQLite) holds an ended meeting of 3,321 sites
(seeded as in bench_minutes) and a second meeting under way. While the minutes PDF of
the big meeting is downloaded (built) several times in a row, the script measures,
from clients on the same machine:

- the portal: a site's page ``GET /s/<token>`` every 50 ms, answer times (p50, p99, max);
- the live view: a stream ``/s/<token>/live`` of a running meeting, and the delay of a
  live change (an agenda item started every 2 s) reaching it; a second stream, of the
  ended meeting, where nothing changes, and the gaps between its heartbeats (one per
  20 s of quiet; a missed heartbeat is a gap over 21 s).

It runs once per value of ``--workers`` (``CONFMGR_DOCUMENT_WORKERS``: 1 builds in a
worker process, 0 in a thread of the server), so the table shows what the pool buys.
Prints one JSON line per run; ``--markdown`` adds a section for docs/performance.md.

    python bench/bench_loop_during_minutes.py [--sites 3321] [--builds 3] [--workers 1 0] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    from bench import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

HEARTBEAT_S = 20.0
PROBE_EVERY_S = 0.05
CHANGE_EVERY_S = 2.0


def prepare(data_dir: Path, secret: str, sites: int) -> tuple[int, str]:
    """Migrate, seed the national meeting and give one of its sites a known link."""
    from sqlalchemy import insert

    from bench_minutes import seed
    from confmgr.cli_support import session_scope
    from confmgr.migrations import upgrade
    from confmgr.settings import load_settings
    from confmgr.sites.models import Site
    from confmgr.sites.tokens import SiteKeys

    settings = load_settings({"CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_SECRET_KEY": secret})
    upgrade(settings)
    meeting_id = asyncio.run(seed(settings, sites, 60))
    token, digest, encrypted = SiteKeys(secret).issue()

    async def add_site() -> None:
        async with session_scope(settings) as db:
            await db.execute(insert(Site), [{
                "meeting_id": meeting_id, "name": "UBND xã Cát Tiến (đo)", "role": "remote", "sort_order": sites + 1,
                "token_hash": digest, "token_encrypted": encrypted, "response": "attending",
            }])

    asyncio.run(add_site())
    return meeting_id, token


def start_server(data_dir: Path, secret: str, workers: int) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_BASE_URL": url, "CONFMGR_SECRET_KEY": secret,
           "CONFMGR_DOCUMENT_WORKERS": str(workers)}
    for name in ("CONFMGR_DATABASE_URL", "CONFMGR_REDIS_URL", "CONFMGR_SMTP_URL"):
        env.pop(name, None)
    password = secrets.token_urlsafe(16)
    username = f"bench{workers}"  # one account per run: the runs share the data dir
    subprocess.run([sys.executable, "-m", "confmgr", "users", "create", "--username", username, "--role", "admin"],
                   input=password + "\n", env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    log = (data_dir / f"server-{workers}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "confmgr", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                               env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.terminate()
        raise RuntimeError("the server did not start")
    answer = httpx.post(f"{url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10)
    answer.raise_for_status()
    return process, url, {"Authorization": f"Bearer {answer.json()['access_token']}"}


def running_meeting(url: str, headers: dict[str, str]) -> tuple[int, list[int], str]:
    """A small meeting under way, with items to start and one site's link."""
    now = datetime.now(UTC)
    person = {"full_name": "Nguyễn Văn Bình", "position": "Giám đốc", "organization": "Sở Nội vụ"}
    meeting = httpx.post(f"{url}/api/v1/meetings", headers=headers, timeout=10, json={
        "title": "Giao ban trực tuyến", "starts_at": (now - timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(), "mode": "online", "venue": "Sở Nội vụ",
        "chair": person, "secretary": {**person, "full_name": "Trần Thị Hằng", "position": "Chuyên viên"},
    })
    meeting.raise_for_status()
    mid = meeting.json()["id"]
    items = []
    for k in range(40):
        item = httpx.post(f"{url}/api/v1/meetings/{mid}/agenda", headers=headers, timeout=10, json={"title": f"Nội dung {k + 1}", "kind": "other"})
        item.raise_for_status()
        items.append(item.json()["id"])
    site = httpx.post(f"{url}/api/v1/meetings/{mid}/sites", headers=headers, timeout=10, json={"name": "UBND phường Quy Nhơn", "role": "remote"})
    site.raise_for_status()
    httpx.post(f"{url}/api/v1/meetings/{mid}/start", headers=headers, timeout=10).raise_for_status()
    return mid, items, site.json()["token"]


async def measure(url: str, headers: dict[str, str], big_meeting: int, portal_token: str,
                  live_meeting: int, items: list[int], live_token: str, builds: int, min_seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        stop = asyncio.Event()
        probes: list[tuple[float, float, int]] = []  # (sent at, seconds, status)
        heartbeats: list[float] = []
        live_seen: dict[str, float] = {}
        build_spans: list[tuple[float, float]] = []

        async def probe() -> None:
            while not stop.is_set():
                t0 = time.monotonic()
                response = await client.get(f"/s/{portal_token}")
                probes.append((t0, time.monotonic() - t0, response.status_code))
                await asyncio.sleep(max(0.0, PROBE_EVERY_S - (time.monotonic() - t0)))

        async def stream() -> None:
            """The running meeting's stream: when each change arrives."""
            async with client.stream("GET", f"/s/{live_token}/live", timeout=None) as response:
                async for line in response.aiter_lines():
                    now = time.monotonic()
                    if line.startswith("data:") and "data-current-item=" in line:
                        marker = line.split('data-current-item="', 1)[1].split('"', 1)[0]
                        live_seen.setdefault(marker, now)
                    if stop.is_set():
                        return

        async def quiet_stream() -> None:
            """The ended meeting's stream: nothing changes, so a heartbeat every 20 s."""
            async with client.stream("GET", f"/s/{portal_token}/live", timeout=None) as response:
                heartbeats.append(time.monotonic())  # the stream is open: the first 20 s start now
                async for line in response.aiter_lines():
                    if line.startswith(": keep-alive"):
                        heartbeats.append(time.monotonic())
                    if stop.is_set():
                        return

        changes: list[tuple[str, float]] = []

        async def change() -> None:
            for item in items:
                if stop.is_set():
                    return
                t0 = time.monotonic()
                await client.post(f"/api/v1/meetings/{live_meeting}/agenda/{item}/start", headers=headers)
                changes.append((str(item), t0))
                await asyncio.sleep(CHANGE_EVERY_S)

        # One build first, not measured: the worker imports the builders, SQLite warms up.
        warm = await client.get(f"/api/v1/meetings/{big_meeting}/documents/minutes.pdf", headers=headers)
        assert warm.status_code == 200, warm.status_code
        started = time.monotonic()
        tasks = [asyncio.create_task(probe()), asyncio.create_task(stream()), asyncio.create_task(quiet_stream())]
        await asyncio.sleep(2.0)  # the stream is open and the portal warm
        tasks.append(asyncio.create_task(change()))
        for _ in range(builds):
            t0 = time.monotonic()
            pdf = await client.get(f"/api/v1/meetings/{big_meeting}/documents/minutes.pdf", headers=headers)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.status_code
            build_spans.append((t0, time.monotonic()))
        # Long enough to see the heartbeats of quiet periods too.
        remaining = min_seconds - (time.monotonic() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
        ended = time.monotonic()
        stop.set()
        await asyncio.sleep(0.3)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def during_build(at: float) -> bool:
        return any(a <= at <= b for a, b in build_spans)

    during = [s for t, s, _ in probes if during_build(t)]
    failed = sum(1 for _t, _s, status in probes if status != 200)
    gaps = [b - a for a, b in zip(heartbeats, heartbeats[1:])]
    delays = [live_seen[item] - t0 for item, t0 in changes if item in live_seen]
    # A change sent in the last seconds may still be on its way when the clients stop.
    late = sum(1 for item, t0 in changes if item not in live_seen and t0 > ended - 5.0)
    build_s = [b - a for a, b in build_spans]
    return {
        "probes_during_builds": len(during),
        "portal_p50_ms": round(common.percentile(during, 50) * 1000, 1) if during else None,
        "portal_p99_ms": round(common.percentile(during, 99) * 1000, 1) if during else None,
        "portal_max_ms": round(max(during) * 1000, 1) if during else None,
        "portal_failed": failed,
        "build_s": [round(b, 2) for b in build_s],
        "heartbeats": max(0, len(heartbeats) - 1),
        "heartbeat_max_gap_s": round(max(gaps), 2) if gaps else None,
        "heartbeats_missed": sum(1 for g in gaps if g > HEARTBEAT_S + 1.0),
        "live_changes": len(changes),
        "live_changes_missing": len(changes) - len(delays) - late,
        "live_changes_in_flight_at_stop": late,
        "live_changes_seen": len(delays),
        "live_p99_ms": round(common.percentile(delays, 99) * 1000, 1) if delays else None,
        "live_max_ms": round(max(delays) * 1000, 1) if delays else None,
    }


def run(sites: int, builds: int, workers_list: list[int], min_seconds: float) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="confmgr-bench-") as tmp:
        secret = secrets.token_urlsafe(48)
        t0 = time.perf_counter()
        big_meeting, portal_token = prepare(Path(tmp), secret, sites)
        seed_s = time.perf_counter() - t0
        for workers in workers_list:
            process, url, headers = start_server(Path(tmp), secret, workers)
            try:
                live_meeting, items, live_token = running_meeting(url, headers)
                result = asyncio.run(measure(url, headers, big_meeting, portal_token, live_meeting, items, live_token, builds, min_seconds))
            finally:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            results.append({"benchmark": "loop_during_minutes", "sites": sites, "document_workers": workers,
                            "seed_s": round(seed_s, 1), **result})
    return results


def markdown(results: list[dict[str, Any]], facts: dict[str, Any]) -> str:
    def mode(workers: int) -> str:
        return f"{workers} worker process" + ("es" if workers > 1 else "") if workers else "a thread of the server (0)"

    rows = "\n".join(
        f"| {mode(r['document_workers'])} | {', '.join(str(b) for b in r['build_s'])} | {r['probes_during_builds']} "
        f"| {r['portal_p50_ms']} | {r['portal_p99_ms']} | {r['portal_max_ms']} | {r['portal_failed']} "
        f"| {r['heartbeats']} / {r['heartbeat_max_gap_s']} / {r['heartbeats_missed']} "
        f"| {r['live_changes_seen']} of {r['live_changes']} ({r['live_changes_missing']} lost) / {r['live_p99_ms']} / {r['live_max_ms']} |"
        for r in results
    )
    sites = results[0]["sites"] if results else 0
    return f"""## The event loop while a national meeting's minutes are built

Measured {facts['date']} on {common.describe(facts)}. {common.load_note(facts)}
One `confmgr serve` process with SQLite; the minutes PDF of an ended meeting of {sites:,} sites
is downloaded (as a draft, so built each time) several times in a row, while a site's page
`GET /s/<token>` is asked every 50 ms, one live stream `/s/<token>/live` of another meeting is
open and an agenda item of that meeting starts every 2 s, and a second stream (of the ended
meeting, quiet) counts the heartbeats. Target: portal p99 under 100 ms during
the builds, no missed heartbeat (one per 20 s of quiet; missed = a gap over 21 s).

| documents built in | build (s) | portal answers during builds | p50 (ms) | p99 (ms) | max (ms) | failed | heartbeats / max gap (s) / missed | live changes seen (lost) / p99 (ms) / max (ms) |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |
{rows}

`python bench/bench_loop_during_minutes.py --sites {sites} --markdown` (`CONFMGR_DOCUMENT_WORKERS`
sets the pool of a real server; default 1).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=3321)
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 0])
    parser.add_argument("--min-seconds", type=float, default=45.0, help="run at least this long (to see heartbeats)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.sites, args.builds, args.workers, args.min_seconds)
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    if args.markdown:
        print(markdown(results, common.machine()))
    ok = all(r["portal_failed"] == 0 and r["live_changes_missing"] == 0 for r in results if r["document_workers"] > 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
