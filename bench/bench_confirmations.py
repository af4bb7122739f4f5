"""3,321 sites confirming in the same hour, as fast as 64 clients can send.

Starts the real server (``confmgr serve``) on a fresh SQLite data dir and a free port,
imports the sites of one national meeting through the API (timed), then 64 concurrent
clients confirm every site through ``PUT /api/v1/portal/response`` with three delegates
each, using each site's own token. Afterwards it checks that no answer was lost (every
site attending, one attendance event per site, three delegates each) and prints one
JSON line with the latencies; ``--markdown`` adds a section for docs/performance.md.

    python bench/bench_confirmations.py [--sites 3321] [--clients 64] [--rate 55] [--viewers 2] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

try:
    from bench import common
except ImportError:  # run as a script: python bench/bench_confirmations.py
    import common  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
VN = common.VN
TARGET_P99_MS = 250.0
_KINDS = ("xã", "phường", "đặc khu")
_PROVINCES = ("Bình Định", "Gia Lai", "Quảng Ngãi", "Đắk Lắk", "Khánh Hòa", "Lâm Đồng")


class Skipped(Exception):
    pass


def _sites_csv(count: int) -> bytes:
    lines = ["Tên điểm cầu,Vai trò,Người liên hệ,Điện thoại,Số đại biểu"]
    lines.append("Hội trường Ủy ban nhân dân tỉnh Bình Định,host,Phan Thị Mai,0256382212,5")
    for i in range(1, count):
        name = f"UBND {_KINDS[i % 3]} Hòa Bình {i}, tỉnh {_PROVINCES[i % len(_PROVINCES)]}"
        lines.append(f"\"{name}\",remote,Nguyễn Văn Hưởng {i},09{i:08d},3")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _delegates(i: int, count: int) -> list[dict[str, Any]]:
    names = ("Nguyễn Văn Hưởng", "Trần Thị Mỹ Duyên", "Lê Quốc Việt", "Phạm Đức Thắng", "Võ Thị Ngọc Ánh")
    positions = ("Chủ tịch UBND", "Phó Chủ tịch UBND", "Công chức Văn phòng - Thống kê", "Công chức Tư pháp", "Chuyên viên")
    return [
        {"full_name": f"{names[k % 5]} {i}", "position": positions[k % 5], "organization": None} for k in range(count)
    ]


class Server:
    """``confmgr serve`` in a subprocess on a fresh data dir, with one administrator."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = "bench-" + secrets.token_hex(8)
        self.env = {
            **os.environ, "CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_BASE_URL": self.url,
            "CONFMGR_SECRET_KEY": secrets.token_urlsafe(48),
        }
        self.env = common.server_env(self.env)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        subprocess.run(
            [sys.executable, "-m", "confmgr", "users", "create", "--username", "admin", "--role", "admin"],
            input=self.password + "\n", text=True, env=self.env, cwd=ROOT, check=True, capture_output=True,
        )
        self.log = (self.data_dir / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "confmgr", *common.serve_args(self.port)],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server stopped at start; see " + str(self.data_dir / "server.log"))
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not start within 30 s")

    def __exit__(self, *_exc: Any) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


async def _viewer(server: Server, meeting_id: int, seen: list[int], refreshes: list[float], stop: asyncio.Event) -> None:
    """A secretariat member watching the board, as its page script does.

    Logged in, listening to the board's stream; on changes it fetches the summary and
    the table at most once a second (the first at once, the last never dropped).
    """
    board = f"/meetings/{meeting_id}/attendance"
    async with httpx.AsyncClient(base_url=server.url, timeout=None) as client:
        await client.get("/login")
        await client.post(
            "/login",
            data={"username": "admin", "password": server.password, "next": "/meetings",
                  "_csrf_token": client.cookies.get("confmgr_csrf", "")},
        )
        changed = asyncio.Event()
        count = 0

        async def listen() -> None:
            nonlocal count
            async with client.stream("GET", f"{board}/stream") as response:
                if response.status_code != 200:
                    raise RuntimeError(f"the board stream answered {response.status_code}")
                async for line in response.aiter_lines():
                    if line.startswith("event: site-updated"):
                        count += 1
                        changed.set()

        async def refresh() -> None:
            while True:
                await changed.wait()
                changed.clear()
                started = time.perf_counter()
                for target in ("board-summary", "board-table"):
                    response = await client.get(board, headers={"HX-Request": "true", "HX-Target": target})
                    response.raise_for_status()
                refreshes.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))

        tasks = [asyncio.create_task(listen()), asyncio.create_task(refresh())]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        seen.append(count)


async def _confirm_all(
    server: Server, tokens: list[str], clients: int, delegates: int, rate: float | None
) -> tuple[list[float], int, float]:
    """Each client sends its share one answer after the other.

    Without ``rate`` the clients send as fast as answers come back (a closed loop: the
    latency then mostly measures the queue of 64 clients). With ``rate`` answers are
    due at that many a second overall, and a latency counts from when the answer was
    due, so a server that falls behind is not flattered.
    """
    latencies: list[float] = []
    errors = 0
    shares = [tokens[i::clients] for i in range(clients)]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    # Clients are made and connected before the clock starts: creating 64 of them
    # costs the machine (which also runs the server) a second of CPU.
    pool = [httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) for _ in shares]
    await asyncio.gather(*(client.get("/health") for client in pool))
    # The load client's own garbage collector waits while it measures: one of its full
    # passes (over 100 ms on a 2-core machine) would be counted as the server's latency.
    gc.collect()
    gc.disable()
    started = time.perf_counter()

    async def client_run(client: httpx.AsyncClient, share: list[str], offset: int) -> None:
        nonlocal errors
        for n, token in enumerate(share):
            index = offset + n * clients
            body = {"attending": True, "delegates": _delegates(index, delegates)}
            due = time.perf_counter()
            if rate:
                due = started + index / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            response = await client.put("/api/v1/portal/response", json=body, headers={"Authorization": f"Bearer {token}"})
            latencies.append((time.perf_counter() - due) * 1000)
            if response.status_code != 200:
                errors += 1

    try:
        await asyncio.gather(*(client_run(client, share, i) for i, (client, share) in enumerate(zip(pool, shares))))
    finally:
        gc.enable()
        await asyncio.gather(*(client.aclose() for client in pool))
    return latencies, errors, time.perf_counter() - started


_STORED_QUERIES = {
    "attending_sites": "SELECT count(*) FROM site WHERE meeting_id = :m AND response = 'attending'",
    "events": "SELECT count(*) FROM attendance_event WHERE meeting_id = :m AND response = 'attending'",
    "sites_with_events": "SELECT count(DISTINCT site_id) FROM attendance_event WHERE meeting_id = :m",
    "delegates": "SELECT count(*) FROM delegate JOIN site ON site.id = delegate.site_id WHERE site.meeting_id = :m",
}


def _stored(data_dir: Path, meeting_id: int) -> dict[str, int]:
    """What the database holds afterwards, read directly (SQLite file or PostgreSQL)."""
    url = os.environ.get("CONFMGR_BENCH_DATABASE_URL")
    if not url:
        with sqlite3.connect(data_dir / "confmgr.sqlite3") as db:
            return {
                key: int(db.execute(sql.replace(":m", "?"), (meeting_id,)).fetchone()[0])
                for key, sql in _STORED_QUERIES.items()
            }
    import threading

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    result: dict[str, int] = {}

    async def read() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            for key, sql in _STORED_QUERIES.items():
                result[key] = int((await conn.execute(text(sql), {"m": meeting_id})).scalar_one())
        await engine.dispose()

    # Called from inside the benchmark's event loop: read in a thread of its own.
    thread = threading.Thread(target=lambda: asyncio.run(read()))
    thread.start()
    thread.join()
    return result


async def _run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    with Server(data_dir) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as api:
            token = await api.post("/api/v1/auth/token", json={"username": "admin", "password": server.password})
            token.raise_for_status()
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            starts = (datetime.now(VN) + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
            chair = {"full_name": "Nguyễn Văn Bình", "position": "Bộ trưởng Bộ Nội vụ", "organization": "Bộ Nội vụ"}
            meeting = await api.post(
                "/api/v1/meetings",
                json={
                    "title": "Hội nghị trực tuyến toàn quốc về vận hành chính quyền địa phương hai cấp",
                    "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=4)).isoformat(),
                    "mode": "hybrid", "venue": "Hội trường Bộ Nội vụ", "chair": chair,
                    "secretary": {**chair, "full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng"},
                },
                headers=headers,
            )
            meeting.raise_for_status()
            meeting_id = meeting.json()["id"]
            probe = await api.put("/api/v1/portal/response", json={"attending": True, "delegates": []})
            if probe.status_code in (404, 405):
                raise Skipped("PUT /api/v1/portal/response is not served yet (the site portal is not built)")
            started = time.perf_counter()
            imported = await api.post(
                f"/api/v1/meetings/{meeting_id}/sites/import",
                files={"file": ("diem-cau.csv", _sites_csv(args.sites), "text/csv")}, headers=headers,
            )
            import_s = time.perf_counter() - started
            if imported.status_code != 201 or imported.json().get("created") != args.sites:
                raise RuntimeError(f"the import failed: {imported.status_code} {imported.text[:500]}")
            started = time.perf_counter()
            sites = await api.get(f"/api/v1/meetings/{meeting_id}/sites", headers=headers)
            sites.raise_for_status()
            list_s = time.perf_counter() - started
            tokens = [s["token"] for s in sites.json()]

            stop = asyncio.Event()
            seen: list[int] = []
            refreshes: list[float] = []
            viewers = [
                asyncio.create_task(_viewer(server, meeting_id, seen, refreshes, stop)) for _ in range(args.viewers)
            ]
            await asyncio.sleep(0.5 if viewers else 0)
            latencies, errors, wall_s = await _confirm_all(server, tokens, args.clients, args.delegates, args.rate)
            await asyncio.sleep(1.0 if viewers else 0)
            stop.set()
            await asyncio.gather(*viewers, return_exceptions=True)

            started = time.perf_counter()
            board = await api.get(f"/api/v1/meetings/{meeting_id}/attendance", headers=headers)
            board_api_s = time.perf_counter() - started
            counts = board.json()["counts"]
        stored = _stored(data_dir, meeting_id)
    complete = (
        stored["attending_sites"] == args.sites == stored["events"] == stored["sites_with_events"] == counts["attending"]
        and stored["delegates"] == args.sites * args.delegates
        and errors == 0
    )
    p99 = common.percentile(latencies, 99)
    return {
        "benchmark": "confirmations",
        "mode": common.mode(),
        "workers": common.workers(),
        "sites": args.sites, "clients": args.clients, "delegates_per_site": args.delegates, "viewers": args.viewers,
        "rate_per_s": args.rate,
        "import_s": round(import_s, 3), "list_sites_s": round(list_s, 3),
        "requests": len(latencies), "errors": errors, "wall_s": round(wall_s, 3),
        "throughput_per_s": round(len(latencies) / wall_s, 1) if wall_s else None,
        "p50_ms": round(common.percentile(latencies, 50), 1), "p95_ms": round(common.percentile(latencies, 95), 1),
        "p99_ms": round(p99, 1), "max_ms": round(max(latencies), 1) if latencies else None,
        "target_p99_ms": TARGET_P99_MS, "meets_target": p99 < TARGET_P99_MS,
        "stored": stored, "board_attending": counts["attending"], "board_summary_api_s": round(board_api_s, 3),
        "board_events_seen": seen, "board_refreshes": len(refreshes),
        "board_refresh_p50_ms": round(common.percentile(refreshes, 50), 1) if refreshes else None,
        "board_refresh_max_ms": round(max(refreshes), 1) if refreshes else None,
        "no_answer_lost": complete,
        **common.machine(),
    }


def markdown(result: dict[str, Any]) -> str:
    viewers = (
        f" while {result['viewers']} secretariat viewers watched the live board (events each received: "
        f"{', '.join(str(n) for n in result['board_events_seen'])}; {result['board_refreshes']} refreshes of its "
        f"summary and table, median {result['board_refresh_p50_ms']} ms, slowest {result['board_refresh_max_ms']} ms)"
        if result["viewers"] else ""
    )
    lines = [
        "## Attendance confirmations of a national meeting",
        "",
        f"Measured on {result['date']} on {common.describe(result)}; `confmgr serve` ("
        + (
            "one worker, SQLite in WAL mode) on a fresh data dir. Answers go through the group writer "
            "(`confmgr/writes.py`): those waiting when the database is free commit together, one statement "
            "per table."
            if result["mode"] == "sqlite"
            else f"{result['workers']} workers, PostgreSQL + Redis) on a fresh database. Answers go through "
            "each worker's group writer (`confmgr/writes.py`): those waiting together commit together."
        ),
        "",
        f"- Import of {result['sites']} sites through `POST /api/v1/meetings/{{id}}/sites/import` (CSV): "
        f"**{result['import_s']:.2f} s**; listing them with their links: {result['list_sites_s']:.2f} s.",
        f"- {result['clients']} concurrent clients confirmed every site through `PUT /api/v1/portal/response` "
        f"with {result['delegates_per_site']} delegates each{viewers}, "
        + (f"{result['rate_per_s']:g} answers due per second (latency counted from when each was due)."
           if result["rate_per_s"] else "each sending its next answer as soon as the previous one was answered."),
        "",
        "| requests | errors | throughput | p50 | p95 | p99 | max |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {result['requests']} | {result['errors']} | {result['throughput_per_s']}/s | {result['p50_ms']} ms | "
        f"{result['p95_ms']} ms | {result['p99_ms']} ms | {result['max_ms']} ms |",
        "",
        f"Target p99 < {result['target_p99_ms']:.0f} ms: {'met' if result['meets_target'] else 'missed'}. "
        f"Stored afterwards: {result['stored']['attending_sites']} attending sites, {result['stored']['events']} "
        f"attendance events, {result['stored']['delegates']} delegates: "
        f"{'no answer lost' if result['no_answer_lost'] else 'ANSWERS WERE LOST'}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", type=int, default=3321)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--delegates", type=int, default=3)
    parser.add_argument("--viewers", type=int, default=0, help="secretariat members watching the live board meanwhile")
    parser.add_argument(
        "--rate", type=float, default=None,
        help="answers due per second overall (e.g. 55: every site within a minute); default: as fast as possible",
    )
    parser.add_argument("--markdown", action="store_true", help="also print a markdown section")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (database and server log)")
    args = parser.parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="confmgr-bench-"))
    try:
        result = asyncio.run(_run(args, data_dir))
    except Skipped as exc:
        print(json.dumps({"benchmark": "confirmations", "skipped": str(exc)}, ensure_ascii=False))
        return 0
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"data dir kept: {data_dir}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    if args.markdown:
        print()
        print(markdown(result))
    return 0 if result["no_answer_lost"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
