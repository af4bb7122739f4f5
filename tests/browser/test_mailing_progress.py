"""The invitations page: the secretary sends the invitations and watches the progress bar
move to 100 % without reloading (server-sent events), through a real SMTP relay."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.browser.conftest import PROJECT_ROOT, LiveServer, _confmgr, free_port, log_in
from tests.factories import meeting_json, sites_csv

pytestmark = pytest.mark.browser
SITES = 45


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


@pytest.fixture(scope="module")
def mailing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Sink]]:
    """A server whose relay takes 15 messages a second (CONFMGR_SMTP_RATE): 45 sites take 3 s."""
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    data_dir = tmp_path_factory.mktemp("mailing-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONFMGR_")},
        "CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_BASE_URL": url, "CONFMGR_SECRET_KEY": secrets.token_urlsafe(48),
        "CONFMGR_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "CONFMGR_MAIL_FROM": "vanphong@snv.example.vn",
        "CONFMGR_SMTP_RATE": "15",
    }
    password = "mật-khẩu-" + secrets.token_hex(4)
    _confmgr("users", "create", "--username", "admin", "--role", "admin", env=env, stdin=password + "\n")
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "confmgr", "serve", "--port", str(port)],
            env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        yield LiveServer(url, admin_username="admin", admin_password=password, data_dir=data_dir, env=env), sink
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        controller.stop()


def test_the_progress_bar_moves_to_100_percent_without_reloading(mailing_server: Any, browser_page: Any) -> None:
    server, sink = mailing_server
    headers = server.api_headers()
    meeting = httpx.post(f"{server}/api/v1/meetings", json=meeting_json(title="Hội nghị trực tuyến toàn tỉnh"), headers=headers, timeout=30)
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["id"]
    imported = httpx.post(
        f"{server}/api/v1/meetings/{meeting_id}/sites/import", files={"file": ("xa.csv", sites_csv(SITES), "text/csv")},
        headers=headers, timeout=60,
    )
    assert imported.status_code == 201, imported.text

    page = browser_page
    log_in(page, server)
    page.goto(f"{server}/meetings/{meeting_id}")
    with page.expect_navigation():
        page.click(f"a[href='/meetings/{meeting_id}/invitations']")
    page.evaluate("window.__mailingMarker = 'kept'")
    navigations = page.evaluate("performance.getEntriesByType('navigation').length")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Gửi giấy mời qua thư điện tử")
    page.wait_for_selector("#mail-job progress", timeout=10000)

    seen: list[tuple[int, int]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = page.evaluate(
            "(() => { const b = document.querySelector('#mail-job progress');"
            " return b ? [Math.round(b.value), Math.round(b.max)] : null; })()"
        )
        if state:
            seen.append((state[0], state[1]))
            if state == [SITES, SITES] and "đã xong" in (page.text_content("#mail-job h2") or ""):
                break
        time.sleep(0.05)
    values = [v for v, _max in seen]
    assert seen and seen[-1] == (SITES, SITES), seen[-10:]
    # It moved: values strictly between the start and the end were shown on the way.
    assert any(0 < v < SITES for v in values), values
    assert values == sorted(values)
    assert page.text_content("#mail-job [data-field=percent]") == "100"
    assert page.text_content("#mail-job [data-field=sent]") == str(SITES)
    assert sink.count == SITES
    # The same page all along: no reload, no navigation.
    assert page.evaluate("window.__mailingMarker") == "kept"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == navigations
