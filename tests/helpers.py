"""Helpers the tests share: users, CSRF-carrying form posts, logins, API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient

PASSWORD = "mật-khẩu-thử-nghiệm-1"


def make_user(db: Any, username: str = "admin", role: str = "admin", password: str = PASSWORD) -> int:
    from confmgr.accounts.services import create_user

    async def create(session: Any) -> int:
        user = await create_user(session, None, username=username, role=role, password=password, full_name=username.title())
        return user.id

    return int(db(create))


def csrf_token(client: TestClient[Any]) -> str:
    token = client.cookies.get("confmgr_csrf")
    if not token:
        client.get("/login")
        token = client.cookies.get("confmgr_csrf")
    assert token, "the CSRF cookie was not set"
    return token


def form_post(client: TestClient[Any], url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Post a form the way a browser does, with the page's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("_csrf_token", csrf_token(client))
    return client.post(url, data=payload, follow_redirects=False, **kwargs)


def login(client: TestClient[Any], username: str = "admin", password: str = PASSWORD) -> None:
    response = form_post(client, "/login", {"username": username, "password": password, "next": "/meetings"})
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == "/meetings"


def api_token(client: TestClient[Any], username: str = "admin", password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def second_browser(client: TestClient[Any]) -> Iterator[TestClient[Any]]:
    """Another person's browser on the app ``client`` runs: cookies of its own, the same
    running app and event loop. (A second ``TestClient`` would start the app again on a
    loop of its own, where PostgreSQL's connection pool and the job queue, made on the
    first loop, refuse to work.)"""
    other: TestClient[Any] = TestClient(app=client.app, base_url=str(client.base_url))
    other.blocking_portal = client.blocking_portal
    yield other


def text_of(html: str) -> str:
    """Visible text of a page, tags removed, for assertions about what a person reads."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
