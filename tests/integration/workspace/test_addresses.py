"""Right links by default: without CONFMGR_BASE_URL the links carry the address served."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from confmgr.web.addresses import is_loopback, loopback_links_seen_from_elsewhere, serve_base_url
from tests.browser.conftest import PROJECT_ROOT, free_port


def test_base_url_of_the_address_served() -> None:
    assert serve_base_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert serve_base_url("hop.sonoivu.vn", 80) == "http://hop.sonoivu.vn:80"
    assert serve_base_url("::1", 9000) == "http://[::1]:9000"
    wildcard = serve_base_url("0.0.0.0", 8080)
    assert wildcard.startswith("http://") and wildcard.endswith(":8080") and "0.0.0.0" not in wildcard


def _request(base: str, client: str | None, host: str | None = None) -> Any:
    settings = SimpleNamespace(server=SimpleNamespace(base_url=base))
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)),
                           client=SimpleNamespace(host=client) if client else None,
                           headers={"host": host} if host else {})


@pytest.mark.parametrize(
    ("base", "client", "host", "warn"),
    [
        ("http://127.0.0.1:8000", "10.0.0.7", None, True),
        ("http://localhost:8000", "192.168.1.20", None, True),
        ("http://127.0.0.1:8000", "127.0.0.1", None, False),
        ("http://10.0.0.2:8000", "10.0.0.7", None, False),
        ("https://hop.sonoivu.vn", "10.0.0.7", None, False),
        ("http://127.0.0.1:8000", "testclient", None, False),
        ("http://127.0.0.1:8000", None, None, False),
        # A reverse proxy on this machine: the client is 127.0.0.1, the Host says where the person went.
        ("http://127.0.0.1:8000", "127.0.0.1", "hop.sonoivu.vn", True),
        ("http://127.0.0.1:8000", "127.0.0.1", "10.0.0.2:8080", True),
        ("http://127.0.0.1:8000", "127.0.0.1", "127.0.0.1:8000", False),
        ("http://127.0.0.1:8000", "127.0.0.1", "localhost:8000", False),
        ("http://[::1]:8000", "::1", "[::1]:8000", False),
        ("https://hop.sonoivu.vn", "127.0.0.1", "hop.sonoivu.vn", False),
    ],
    ids=["remote", "remote_localhost", "local", "lan_base", "public_base", "not_an_address", "no_client",
         "proxy_name", "proxy_address", "local_host", "localhost_host", "ipv6_local", "proxy_public_base"],
)
def test_warning_when_links_point_to_loopback_but_the_person_is_elsewhere(base: str, client: str | None, host: str | None,
                                                                          warn: bool) -> None:
    assert loopback_links_seen_from_elsewhere(_request(base, client, host)) is warn
    assert is_loopback("[::1]") and is_loopback("localhost") and not is_loopback("10.0.0.1")


def _page_from(client: Any, address: str, host: str) -> str:
    """``/meetings`` as a person at ``address`` sees it, having typed ``host``."""
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())

    async def fetch() -> str:
        transport = httpx.ASGITransport(app=client.app, client=(address, 50123))
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as browser:
            response = await browser.get("/meetings", headers={"Cookie": cookie})
            assert response.status_code == 200
            return response.text

    return str(client.blocking_portal.call(fetch))


@pytest.mark.parametrize(
    ("address", "host", "warn"),
    [("10.0.0.7", "127.0.0.1:8000", True), ("127.0.0.1", "hop.sonoivu.vn", True), ("127.0.0.1", "127.0.0.1:8000", False)],
    ids=["remote_client", "behind_a_local_proxy", "on_this_machine"],
)
def test_the_warning_is_on_the_page(admin_client: Any, address: str, host: str, warn: bool) -> None:
    page = _page_from(admin_client, address, host)
    assert ('id="base-url-warning"' in page) is warn
    if warn:
        assert "http://127.0.0.1:8000" in page and "CONFMGR_BASE_URL" in page


def test_serve_without_base_url_gives_links_to_the_port_served(tmp_path: Any) -> None:
    port = free_port()
    env = {**os.environ, "CONFMGR_DATA_DIR": str(tmp_path), "CONFMGR_SECRET_KEY": secrets.token_urlsafe(48),
           "PYTHONPATH": str(PROJECT_ROOT)}
    for name in ("CONFMGR_BASE_URL", "CONFMGR_DATABASE_URL", "CONFMGR_REDIS_URL", "CONFMGR_SMTP_URL"):
        env.pop(name, None)
    password = "mật-khẩu-" + secrets.token_hex(4)
    subprocess.run([sys.executable, "-m", "confmgr", "users", "create", "--username", "admin", "--role", "admin"],
                   env=env, cwd=PROJECT_ROOT, input=password + "\n", text=True, capture_output=True, check=True, timeout=120)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "confmgr", "serve", "--port", str(port)],
                                   env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a loaded machine starts slowly; the answer is what is tested
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "admin", "password": password}, timeout=10).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        meeting = httpx.post(f"{url}/api/v1/meetings", headers=headers, timeout=10, json={
            "title": "Hội nghị thử", "starts_at": "2030-01-07T08:00:00+07:00", "ends_at": "2030-01-07T11:00:00+07:00",
            "mode": "online", "chair": {"full_name": "Trần Minh Hoàng"}, "secretary": {"full_name": "Lê Thị Thu Hà"},
        }).json()
        site = httpx.post(f"{url}/api/v1/meetings/{meeting['id']}/sites", headers=headers, timeout=10,
                          json={"name": "UBND huyện An Lão", "role": "remote"}).json()
        assert site["access_url"].startswith(f"{url}/s/"), site["access_url"]
    finally:
        process.terminate()
        process.wait(timeout=10)
