"""Rows 13 and 16 of #13: anonymous visits store no session and expired sessions are
purged; the CSRF token is bound to the login session."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.conftest import REDIS_URL
from tests.helpers import PASSWORD, form_post, login, second_browser


def _session_files(settings: Any) -> list[Path]:
    folder = Path(settings.data_dir) / "sessions"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_row13_anonymous_requests_store_no_session(client: Any, settings: Any, admin: int) -> None:
    for _ in range(50):
        with second_browser(client) as visitor:
            answer = visitor.get("/login")
            assert answer.status_code == 200
            assert "confmgr_session" not in answer.cookies
            assert visitor.get("/no-such-page").status_code == 404
    if not REDIS_URL:
        assert _session_files(settings) == []
    with second_browser(client) as person:
        login(person)
        assert person.cookies.get("confmgr_session")
        if not REDIS_URL:
            assert len(_session_files(settings)) == 1
        form_post(person, "/logout")
        if not REDIS_URL:
            assert _session_files(settings) == []


def test_row13_expired_sessions_are_purged(client: Any, app: Any, settings: Any, admin: int) -> None:
    from confmgr.web.sessions import RotatingSessionBackend

    store = app.stores.get("sessions")
    # The store is used on the app's own loop, as the running app uses it.
    portal = client.blocking_portal
    portal.call(lambda: store.set("stale-session-id", b'{"user_id": 1}', expires_in=1))
    portal.call(asyncio.sleep, 1.2)
    RotatingSessionBackend._last_purge = float("-inf")
    login(client)
    assert portal.call(store.exists, "stale-session-id") is False
    if not REDIS_URL:
        assert len(_session_files(settings)) == 1


def test_row16_csrf_token_bound_to_the_session(client: Any, admin: int) -> None:
    login(client)
    own = client.cookies.get("confmgr_csrf")
    assert form_post(client, "/admin/users", {"username": "thuky01", "role": "secretary", "password": PASSWORD, "full_name": "Thư ký"}).status_code in (302, 303)
    # An attacker's own valid pair (from visiting the site themselves), planted as the victim's cookie.
    with second_browser(client) as attacker:
        attacker.get("/login")
        planted = attacker.cookies.get("confmgr_csrf")
    assert planted and planted != own
    client.cookies.set("confmgr_csrf", planted, domain="testserver.local")
    answer = client.post("/admin/users", data={"_csrf_token": planted, "username": "kexau01", "role": "admin",
                                                "password": PASSWORD, "full_name": "Kẻ xấu"}, follow_redirects=False)
    assert answer.status_code == 403, answer.text[:300]
    client.cookies.set("confmgr_csrf", own, domain="testserver.local")
    users = client.get("/admin/users").text
    assert "thuky01" in users and "kexau01" not in users


def test_row16_a_token_planted_before_login_is_replaced_at_login(client: Any, admin: int) -> None:
    client.get("/login")
    before = client.cookies.get("confmgr_csrf")
    login(client)
    after = client.cookies.get("confmgr_csrf")
    assert before and after and before != after
    client.cookies.set("confmgr_csrf", before, domain="testserver.local")
    answer = client.post("/logout", data={"_csrf_token": before}, follow_redirects=False)
    assert answer.status_code == 403
