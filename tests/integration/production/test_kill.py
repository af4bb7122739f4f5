"""SIGKILL in the middle of a 3,321-site confirmation burst: every confirmation the
server acknowledged is in the database, which opens clean."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import meeting_json, sites_csv
from tests.helpers import PASSWORD, make_user
from tests.servers import free_port, server_env

pytestmark = pytest.mark.slow
SITES = 3321


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "confmgr", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


async def _burst(base: str, tokens: list[str], acknowledged: set[str], kill_after: int, process: subprocess.Popen[bytes]) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)
    killed = asyncio.Event()

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            while not queue.empty() and not killed.is_set():
                token = queue.get_nowait()
                body = {"attending": True, "delegates": [{"full_name": f"Đại biểu {i}", "position": "Chủ tịch UBND xã"} for i in range(3)]}
                try:
                    response = await client.put("/api/v1/portal/response", json=body, headers={"Authorization": f"Bearer {token}"})
                except httpx.HTTPError:
                    continue
                if response.status_code == 200:
                    acknowledged.add(token)
                    if len(acknowledged) >= kill_after and not killed.is_set():
                        killed.set()
                        os.kill(process.pid, signal.SIGKILL)

    await asyncio.gather(*(worker() for _ in range(32)))


def test_sigkill_loses_no_acknowledged_confirmation(settings: Any, db: Any, tmp_path: Path) -> None:
    if not settings.database.is_sqlite:
        pytest.skip("the SQLite file is inspected directly; PostgreSQL's own durability is not confmgr's to test")
    make_user(db, "admin", "admin")
    env = server_env(settings)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    process = _start(env, port, log)
    try:
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        meeting = httpx.post(f"{base}/api/v1/meetings", json=meeting_json(response_deadline=None), headers=headers).json()
        imported = httpx.post(
            f"{base}/api/v1/meetings/{meeting['id']}/sites/import", files={"file": ("x.csv", sites_csv(SITES))},
            headers=headers, timeout=120,
        )
        assert imported.status_code == 201, imported.text
        sites = httpx.get(f"{base}/api/v1/meetings/{meeting['id']}/sites", headers=headers, timeout=60).json()
        tokens = {s["token"]: s["id"] for s in sites}
        acknowledged: set[str] = set()
        asyncio.run(_burst(base, list(tokens), acknowledged, SITES // 3, process))
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert len(acknowledged) >= SITES // 3

    # The file opens clean and holds every acknowledged answer with its delegates.
    path = Path(settings.database.url.split(":///", 1)[1])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        attending = {row[0] for row in conn.execute("SELECT id FROM site WHERE response = 'attending'")}
        delegates = dict(conn.execute("SELECT site_id, COUNT(*) FROM delegate GROUP BY site_id").fetchall())
    for token in acknowledged:
        assert tokens[token] in attending
        assert delegates.get(tokens[token]) == 3

    # And the server starts again on it.
    process = _start(env, port, log)
    try:
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=15)
