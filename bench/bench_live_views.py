"""How fast a change of the current agenda item reaches every connected site.

The case the domain plans for: every commune of the country watching one live
agenda. The script starts a real ``confmgr serve`` (one process, SQLite) on a free
port, imports the sites, opens one server-sent-event stream per site to
``/s/<token>/live`` with a bare asyncio client (a few kilobytes each, so thousands
fit in one process), then starts agenda items through the API several times and
measures, for each change, how long until each client received the new fragment.
Prints one JSON line; ``--markdown`` adds a section for docs/performance.md.

    python bench/bench_live_views.py [--sites 3500] [--changes 5] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

try:
    from bench import common
except ImportError:  # run as a script: python bench/bench_live_views.py
    import common  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
CONNECT_CONCURRENCY = 200
CHANGE_TIMEOUT_S = 30.0


def raise_fd_limit(needed: int) -> int:
    """Each stream costs a descriptor on both ends; the server inherits the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Server:
    url: str
    host: str
    port: int
    process: subprocess.Popen[bytes]
    headers: dict[str, str] = field(default_factory=dict)
    # The admin's password and the server's environment (to start it again).
    password: str = ""
    env: dict[str, str] = field(default_factory=dict)


def start_server(data_dir: Path) -> Server:
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_BASE_URL": url,
           "CONFMGR_SECRET_KEY": secrets.token_urlsafe(48)}
    env = common.server_env(env)
    password = secrets.token_urlsafe(16)
    subprocess.run([sys.executable, "-m", "confmgr", "users", "create", "--username", "bench", "--role", "admin"],
                   input=password + "\n", env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "confmgr", *common.serve_args(port)],
                               env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.terminate()
        raise RuntimeError("the server did not start")
    token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "bench", "password": password}, timeout=10)
    token.raise_for_status()
    server = Server(url=url, host="127.0.0.1", port=port, process=process, password=password, env=env)
    server.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return server


def prepare_meeting(server: Server, sites: int, changes: int) -> tuple[int, list[int], list[str]]:
    h = server.headers
    starts = datetime.now().astimezone().replace(microsecond=0) + timedelta(days=1)
    with httpx.Client(base_url=server.url, headers=h, timeout=300) as client:
        meeting = client.post("/api/v1/meetings", json={
            "title": "Hội nghị toàn quốc tổng kết công tác năm", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=4)).isoformat(), "mode": "online",
            "chair": {"full_name": "Nguyễn Văn Chủ Trì", "position": "Bộ trưởng"},
            "secretary": {"full_name": "Trần Thị Thư Ký", "position": "Chánh Văn phòng"},
        }).json()
        m = meeting["id"]
        lines = ["name,role"] + [f"UBND xã Hòa Bình {i + 1},{'host' if i == 0 else 'remote'}" for i in range(sites)]
        imported = client.post(f"/api/v1/meetings/{m}/sites/import",
                               files={"file": ("sites.csv", ("\n".join(lines) + "\n").encode(), "text/csv")})
        imported.raise_for_status()
        tokens = [s["token"] for s in client.get(f"/api/v1/meetings/{m}/sites").json()]
        items = []
        for k in range(changes + 1):
            r = client.post(f"/api/v1/meetings/{m}/agenda", json={"title": f"Nội dung số {k} [mốc-{k}]", "kind": "other"})
            r.raise_for_status()
            items.append(r.json()["id"])
        client.post(f"/api/v1/meetings/{m}/start").raise_for_status()
    return m, items, tokens


class Client:
    """One site's stream: a bare HTTP/1.1 request, then the event lines as they come."""

    def __init__(self, server: Server, token: str) -> None:
        self.server = server
        self.token = token
        self.received: dict[int, float] = {}
        self.connected = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, markers: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection(self.server.host, self.server.port, limit=1 << 20)
        self.writer = writer
        writer.write(
            f"GET /s/{self.token}/live HTTP/1.1\r\nHost: {self.server.host}:{self.server.port}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream refused: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data:"):
                if not self.connected.is_set():
                    self.connected.set()  # the first message: the current state
                for index, marker in enumerate(markers):
                    if marker in line and index not in self.received:
                        self.received[index] = time.monotonic()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def measure(server: Server, meeting_id: int, items: list[int], tokens: list[str]) -> dict[str, Any]:
    markers = [f"[mốc-{k}]".encode() for k in range(len(items))]
    clients = [Client(server, t) for t in tokens]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    tasks: list[asyncio.Task[None]] = []

    async def open_one(client: Client) -> None:
        async with gate:
            tasks.append(asyncio.create_task(client.run(markers)))
            await asyncio.wait_for(client.connected.wait(), timeout=120)

    connect_started = time.monotonic()
    await asyncio.gather(*(open_one(c) for c in clients))
    connect_seconds = time.monotonic() - connect_started
    failed = [t for t in tasks if t.done() and t.exception()]
    if failed:
        raise RuntimeError(f"{len(failed)} streams failed: {failed[0].exception()!r}")

    per_change: list[dict[str, Any]] = []
    all_delays: list[float] = []
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
        for index in range(1, len(items)):
            await asyncio.sleep(1.0)  # let the previous change settle
            sent = time.monotonic()
            response = await api.post(f"/api/v1/meetings/{meeting_id}/agenda/{items[index]}/start")
            response.raise_for_status()
            answered = time.monotonic() - sent
            deadline = sent + CHANGE_TIMEOUT_S
            while time.monotonic() < deadline and any(index not in c.received for c in clients):
                await asyncio.sleep(0.01)
            delays = [c.received[index] - sent for c in clients if index in c.received]
            missing = len(clients) - len(delays)
            all_delays.extend(delays)
            per_change.append({
                "change": index, "api_seconds": round(answered, 3), "reached": len(delays), "missing": missing,
                "p50": round(common.percentile(delays, 50), 3) if delays else None,
                "p99": round(common.percentile(delays, 99), 3) if delays else None,
                "max": round(max(delays), 3) if delays else None,
            })
    for client in clients:
        client.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    expected = len(clients) * (len(items) - 1)
    within = sum(1 for d in all_delays if d <= 1.0)
    return {
        "benchmark": "live_views",
        "mode": common.mode(),
        "workers": common.workers(),
        "sites": len(clients),
        "changes": len(items) - 1,
        "connect_seconds": round(connect_seconds, 2),
        "p50": round(common.percentile(all_delays, 50), 3),
        "p99": round(common.percentile(all_delays, 99), 3),
        "max": round(max(all_delays), 3),
        "within_1s": round(within / expected, 4),
        "missing": expected - len(all_delays),
        "per_change": per_change,
    }


def _server_of(result: dict[str, Any]) -> str:
    if result.get("mode", "sqlite") == "sqlite":
        return "One `confmgr serve` process with SQLite, in-memory channels"
    return f"`confmgr serve` with {result['workers']} workers, PostgreSQL, channels through Redis"


def markdown(result: dict[str, Any], facts: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {c['change']} | {c['reached']} | {c['p50']} | {c['p99']} | {c['max']} | {c['api_seconds']} |"
        for c in result["per_change"]
    )
    return f"""## Live view: a change reaching {result['sites']:,} connected sites

Measured {facts['date']} on {common.describe(facts)}.
{_server_of(result)};
{result['sites']:,} server-sent-event streams to `/s/<token>/live` from bare asyncio clients on the same machine.
Each change is `POST /api/v1/meetings/{{id}}/agenda/{{item}}/start`; the delay runs from sending that request
to a client reading the new fragment (render once, publish after commit, forward to every stream).

| change | clients reached | p50 (s) | p99 (s) | max (s) | API answer (s) |
| ---: | ---: | ---: | ---: | ---: | ---: |
{rows}

Over all changes: p50 {result['p50']} s, p99 {result['p99']} s, max {result['max']} s;
{result['within_1s'] * 100:.1f} % of deliveries within 1 s (target 99 %); {result['missing']} missing.
Opening the {result['sites']:,} streams took {result['connect_seconds']} s.

`python bench/bench_live_views.py --sites {result['sites']} --changes {result['changes']} --markdown`
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=3500)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--server-log", type=Path, help="keep the server's log at this path")
    args = parser.parse_args(argv)
    limit = raise_fd_limit(args.sites * 2 + 512)
    if limit < args.sites + 256:
        print(f"the open-file limit ({limit}) is too low for {args.sites} streams", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="confmgr-bench-") as tmp:
        server = start_server(Path(tmp))
        try:
            meeting_id, items, tokens = prepare_meeting(server, args.sites, args.changes)
            result = asyncio.run(measure(server, meeting_id, items, tokens))
        except BaseException:
            log = Path(tmp) / "server.log"
            errors = [line for line in log.read_text(errors="replace").splitlines() if "Error" in line or "error" in line]
            print("\n".join(errors[-20:]), file=sys.stderr)
            raise
        finally:
            server.process.terminate()
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=15)
            if args.server_log:
                args.server_log.write_bytes((Path(tmp) / "server.log").read_bytes())
    facts = common.machine()
    print(json.dumps({**result, "machine": facts}, ensure_ascii=False))
    if args.markdown:
        print(markdown(result, facts))
    return 0 if result["within_1s"] >= 0.99 and result["missing"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
