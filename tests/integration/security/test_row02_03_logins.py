"""Rows 2 and 3 of #13: login throttling counts atomically (per username and address,
per username, per address), and only trusted proxies' forwarded headers are believed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from confmgr.web.proxies import client_behind_proxies, parse_networks
from tests.helpers import PASSWORD, make_user
from tests.servers import running_server, server_env


def _asgi_client(app: Any, peer: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def _login(http: httpx.AsyncClient, username: str, password: str, headers: dict[str, str] | None = None) -> int:
    answer = await http.post("/api/v1/auth/token", json={"username": username, "password": password}, headers=headers or {})
    return answer.status_code


def test_row02_thirty_parallel_wrong_passwords_then_the_right_one_is_refused(app: Any, admin: int) -> None:
    async def attack() -> tuple[list[int], int]:
        async with app.lifespan(), _asgi_client(app) as http:
            wrong = await asyncio.gather(*[_login(http, "admin", f"sai-mat-khau-{n}") for n in range(30)])
            right = await _login(http, "admin", PASSWORD)
        return wrong, right

    wrong, right = asyncio.run(attack())
    assert wrong.count(401) <= 5, wrong
    assert wrong.count(429) >= 25, wrong
    assert right == 429


def test_row02_one_address_trying_many_usernames_is_limited(app: Any, db: Any) -> None:
    for n in range(20):
        make_user(db, f"canbo{n:02d}", "viewer")

    async def spray() -> tuple[list[int], int]:
        # One start of the app, one event loop: as a running server sees both addresses.
        async with app.lifespan():
            async with _asgi_client(app, "198.51.100.9") as http:
                answers = []
                for n in range(20):
                    for _ in range(2):
                        answers.append(await _login(http, f"canbo{n:02d}", "Matkhau@2026"))
            async with _asgi_client(app, "192.0.2.44") as http:
                elsewhere = await _login(http, "canbo19", PASSWORD)
        return answers, elsewhere

    answers, elsewhere = asyncio.run(spray())
    # 5 failures x 6 = 30 allowed from one address, then every username is refused there.
    assert answers.count(401) == 30, answers
    assert answers[-10:] == [429] * 10
    assert elsewhere == 200


def test_row03_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = parse_networks("10.0.0.5, 172.16.0.0/12")
    assert client_behind_proxies("10.0.0.5", "198.51.100.1", proxies) == "198.51.100.1"
    # What the client wrote before the proxy appended the real address is ignored.
    assert client_behind_proxies("10.0.0.5", "1.2.3.4, 198.51.100.1", proxies) == "198.51.100.1"
    assert client_behind_proxies("10.0.0.5", "198.51.100.1, 172.16.3.3", proxies) == "198.51.100.1"
    # From an untrusted peer the header means nothing.
    assert client_behind_proxies("203.0.113.9", "198.51.100.1", proxies) == "203.0.113.9"
    assert client_behind_proxies("10.0.0.5", "not-an-address", proxies) == "10.0.0.5"
    assert client_behind_proxies("10.0.0.5", "198.51.100.1", ()) == "10.0.0.5"


@pytest.fixture
def behind_proxy(env_overrides: dict[str, str]) -> None:
    env_overrides["CONFMGR_TRUSTED_PROXIES"] = "127.0.0.1"


def test_row03_behind_the_proxy_each_client_has_its_own_lockout(settings: Any, db: Any) -> None:
    """A real server behind a (simulated) trusted proxy at 127.0.0.1: an attacker's five
    failures lock the attacker's address, not the real user's; an untrusted peer cannot
    choose its address with the header."""
    make_user(db, "admin", "admin")
    env = server_env(settings, CONFMGR_TRUSTED_PROXIES="127.0.0.1")
    with running_server(env) as base, httpx.Client(base_url=base, timeout=30) as http:
        def token(xff: str, password: str) -> int:
            return http.post("/api/v1/auth/token", json={"username": "admin", "password": password},
                             headers={"X-Forwarded-For": xff}).status_code

        assert [token("198.51.100.66", "sai-mat-khau") for _ in range(6)] == [401] * 5 + [429]
        assert token("198.51.100.66", PASSWORD) == 429
        assert token("203.0.113.20", PASSWORD) == 200
    # Without the setting, the same headers are ignored: every request is the proxy's.
    with running_server(server_env(settings, CONFMGR_TRUSTED_PROXIES="")) as base, httpx.Client(base_url=base, timeout=30) as http:
        statuses = [http.post("/api/v1/auth/token", json={"username": "admin", "password": "sai"},
                              headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(6)]
        assert statuses == [401] * 5 + [429]


def test_row03_forwarded_proto_from_a_trusted_proxy_sets_the_scheme() -> None:
    from confmgr.web.proxies import TrustedProxiesMiddleware

    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["client"][0], scope["scheme"]))

    middleware = TrustedProxiesMiddleware(inner, parse_networks("127.0.0.1"))
    headers = [(b"x-forwarded-for", b"198.51.100.5"), (b"x-forwarded-proto", b"https")]
    for peer in ["127.0.0.1", "203.0.113.1"]:
        scope = {"type": "http", "client": (peer, 1), "scheme": "http", "headers": headers}
        asyncio.run(middleware(scope, None, None))
    assert seen == [("198.51.100.5", "https"), ("203.0.113.1", "http")]
