"""Production mode: two server processes (as two machines behind a load balancer)
on PostgreSQL and Redis. A change made through one reaches a site's live view
connected to the other, and a login made on one is valid on the other."""

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


def test_live_update_crosses_workers_through_redis(settings: Any, db: Any) -> None:
    if settings.database.is_sqlite or not settings.redis_url:
        pytest.skip("production mode runs on PostgreSQL and Redis (CONFMGR_TEST_BACKEND=postgres with CONFMGR_TEST_REDIS_URL)")
    make_user(db, "admin", "admin")
    env = server_env(settings)
    with running_server(env) as first, running_server(env) as second:
        token = httpx.post(f"{first}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        meeting = httpx.post(f"{first}/api/v1/meetings", json=meeting_json(), headers=headers).json()
        site = httpx.post(f"{first}/api/v1/meetings/{meeting['id']}/sites", json={"name": "UBND xã Cát Tiến"}, headers=headers).json()
        item = httpx.post(f"{first}/api/v1/meetings/{meeting['id']}/agenda", json={"title": "Báo cáo tổng kết năm", "kind": "report"}, headers=headers).json()
        assert httpx.post(f"{first}/api/v1/meetings/{meeting['id']}/start", headers=headers).status_code == 200

        received: list[str] = []
        connected = threading.Event()

        def listen() -> None:
            # The site's live view is connected to the SECOND process.
            with httpx.stream("GET", f"{second}/s/{site['token']}/live", timeout=20) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        connected.set()
                        received.append(line)
                        if "Báo cáo tổng kết năm" in line:
                            return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert connected.wait(15), "the live view did not start"
        time.sleep(0.5)
        started_at = time.monotonic()
        # The change goes through the FIRST process.
        response = httpx.post(f"{first}/api/v1/meetings/{meeting['id']}/agenda/{item['id']}/start", headers=headers)
        assert response.status_code == 200, response.text
        thread.join(10)
        assert any("Báo cáo tổng kết năm" in line for line in received), received[-3:]
        assert time.monotonic() - started_at < 5

        # A session started on one process is valid on the other (sessions in Redis).
        with httpx.Client(base_url=first) as browser:
            browser.get("/login")
            csrf = browser.cookies.get("confmgr_csrf")
            login = browser.post("/login", data={"username": "admin", "password": PASSWORD, "_csrf_token": csrf, "next": "/meetings"})
            assert login.status_code in (302, 303)
            cookies = dict(browser.cookies)
        other = httpx.get(f"{second}/meetings", cookies=cookies, follow_redirects=False)
        assert other.status_code == 200
