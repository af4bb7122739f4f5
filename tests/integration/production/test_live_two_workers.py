"""Production mode, live streams across two server processes (PostgreSQL + Redis):
revoking a link through one process ends its stream on the other (#13 row 12), and a
stream resumed on the other process with Last-Event-ID gets what it missed."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from tests.factories import meeting_json
from tests.helpers import PASSWORD, make_user
from tests.servers import running_server, server_env

pytestmark = pytest.mark.slow


def test_row12_revoking_through_one_worker_ends_the_stream_on_the_other(settings: Any, db: Any) -> None:
    if settings.database.is_sqlite or not settings.redis_url:
        pytest.skip("production mode runs on PostgreSQL and Redis (CONFMGR_TEST_BACKEND=postgres with CONFMGR_TEST_REDIS_URL)")
    make_user(db, "admin", "admin")
    env = server_env(settings)
    with running_server(env) as first, running_server(env) as second:
        token = httpx.post(f"{first}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        m = httpx.post(f"{first}/api/v1/meetings", json=meeting_json(), headers=headers).json()["id"]
        site = httpx.post(f"{first}/api/v1/meetings/{m}/sites", json={"name": "UBND xã Cát Tiến"}, headers=headers).json()
        items = [httpx.post(f"{first}/api/v1/meetings/{m}/agenda", json={"title": t, "kind": "other"}, headers=headers).json()["id"]
                 for t in ("Khai mạc [mốc-1]", "Báo cáo [mốc-2]")]
        assert httpx.post(f"{first}/api/v1/meetings/{m}/start", headers=headers).status_code == 200

        lines: list[str] = []
        connected, ended = threading.Event(), threading.Event()

        def listen() -> None:
            with httpx.stream("GET", f"{second}/s/{site['token']}/live", timeout=30) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    lines.append(line)
                    if line.startswith("data:"):
                        connected.set()
            ended.set()

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert connected.wait(15), "the live view did not start"
        # A change through the first process reaches it, with an event id.
        assert httpx.post(f"{first}/api/v1/meetings/{m}/agenda/{items[0]}/start", headers=headers).status_code == 200
        deadline = time.monotonic() + 30  # a loaded machine is slow; the point is that it arrives
        while time.monotonic() < deadline and not any("[mốc-1]" in x for x in lines):
            time.sleep(0.05)
        ids = [x[4:] for x in lines if x.startswith("id: ")]
        assert ids, lines[-5:]
        # Missed while away: the next item; resumed on the FIRST process with the id it had.
        assert httpx.post(f"{first}/api/v1/meetings/{m}/agenda/{items[1]}/start", headers=headers).status_code == 200
        time.sleep(0.5)
        with httpx.stream("GET", f"{first}/s/{site['token']}/live", headers={"Last-Event-ID": ids[-1]}, timeout=10) as resumed:
            assert resumed.status_code == 200
            got: list[str] = []
            for line in resumed.iter_lines():
                got.append(line)
                if "[mốc-2]" in line:
                    break
        assert not any("[mốc-1]" in x for x in got)  # only what it missed

        # Revoked through the first process: the stream on the second ends at once.
        revoked = httpx.post(f"{first}/api/v1/meetings/{m}/sites/{site['id']}/token/revoke", headers=headers)
        assert revoked.status_code == 200, revoked.text
        assert ended.wait(15), "the revoked link's stream is still open"
        assert httpx.get(f"{second}/s/{site['token']}/live", timeout=10).status_code == 404
