"""Browser tests: a real server in a subprocess and Debian's Chromium driven by Playwright.

``live_server`` is the base URL (a ``str``) of a server started on a free port with a
fresh data dir and one administrator; it also carries ``admin_username``,
``admin_password``, ``data_dir``, ``api_headers()`` and ``api()``; a module adds
settings to its server by overriding ``live_server_env``. ``browser_page`` is a new
page in a new browser context (its own cookies) for each test; ``admin_context`` is one
logged-in administrator's context shared by a module's tests (each opens its own page).
Tests skip with a reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer(str):
    """The server's base URL, with what a test needs to act on it."""

    admin_username: str
    admin_password: str
    data_dir: Path
    env: dict[str, str]

    def __new__(cls, url: str, **attrs: Any) -> LiveServer:
        server = super().__new__(cls, url)
        server.__dict__.update(attrs)
        return server

    @property
    def url(self) -> str:
        return str(self)

    def api_headers(self) -> dict[str, str]:
        """A bearer token of the administrator for ``/api/v1``."""
        response = httpx.post(
            f"{self}/api/v1/auth/token",
            json={"username": self.admin_username, "password": self.admin_password},
            timeout=10,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        """Call ``/api/v1{path}`` as the administrator (or as a site, with its link's
        ``token``), as another person's program does; a refusal fails the test."""
        if token:
            headers = {"Authorization": f"Bearer {token}"}
        else:
            if "_admin_headers" not in self.__dict__:
                self.__dict__["_admin_headers"] = self.api_headers()
            headers = self.__dict__["_admin_headers"]
        response = httpx.request(method, f"{self}/api/v1{path}", headers=headers, timeout=30, **kwargs)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None


def _confmgr(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confmgr", *args], env=env, cwd=PROJECT_ROOT, input=stdin,
        capture_output=True, text=True, timeout=120, check=True,
    )


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def live_server_env() -> dict[str, str]:
    """Settings a module's server adds (a module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, live_server_env: dict[str, str]) -> Iterator[LiveServer]:
    """``confmgr serve`` on a free port, with a fresh SQLite data dir and an administrator."""
    data_dir = tmp_path_factory.mktemp("live-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CONFMGR_DATA_DIR": str(data_dir),
        "CONFMGR_BASE_URL": url,
        "CONFMGR_SECRET_KEY": secrets.token_urlsafe(48),
    }
    for name in ("CONFMGR_DATABASE_URL", "CONFMGR_REDIS_URL", "CONFMGR_SMTP_URL"):
        env.pop(name, None)
    env.update(live_server_env)
    password = "mật-khẩu-trình-duyệt-" + secrets.token_hex(4)
    _confmgr("users", "create", "--username", "admin", "--role", "admin", env=env, stdin=password + "\n")
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "confmgr", "serve", "--port", str(port)],
            env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url, admin_username="admin", admin_password=password, data_dir=data_dir, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test: ``-m "not browser"`` leaves them out."""
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def admin_password(live_server: LiveServer) -> str:
    return live_server.admin_password


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CONFMGR_REQUIRE_BROWSER"):
            pytest.fail(f"CI requires the browser tests, but Debian's Chromium is not installed at {CHROMIUM}")
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A page with its own cookies, Vietnamese, phone-sized unless a test resizes it."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def admin_context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """One administrator logged in once for the module; each test opens a page in it."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    page.close()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def admin_page(admin_context: Any) -> Iterator[Any]:
    """A new page of the module's logged-in administrator."""
    page = admin_context.new_page()
    try:
        yield page
    finally:
        page.close()


def confirm_in_dialog(page: Any, expected: str = "") -> None:
    """Say yes in the confirmation <dialog>, after checking it names the consequence."""
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible", timeout=10000)
    if expected:
        assert expected in dialog.inner_text()
    dialog.locator("[data-confirm-ok]").click()


def log_in(page: Any, server: LiveServer, username: str | None = None, password: str | None = None) -> None:
    """Log in through the login form, as a person does."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username or server.admin_username)
    page.fill("input[name=password]", password or server.admin_password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
