from __future__ import annotations

from typing import Any

from tests.helpers import PASSWORD, api_token, csrf_token, form_post, login, make_user, text_of


def test_login_page_is_vietnamese(client: Any) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Đăng nhập" in text_of(response.text)


def test_login_then_logout(client: Any, admin: int) -> None:
    login(client)
    page = client.get("/meetings")
    assert page.status_code == 200
    assert "Hội nghị" in text_of(page.text) or "Cuộc họp" in text_of(page.text)
    response = form_post(client, "/logout")
    assert response.status_code in (302, 303)
    after = client.get("/meetings", follow_redirects=False)
    assert after.status_code in (302, 303)
    assert after.headers["location"].startswith("/login")


def test_wrong_password_is_refused_in_vietnamese(client: Any, admin: int) -> None:
    response = form_post(client, "/login", {"username": "admin", "password": "sai-mat-khau", "next": "/meetings"})
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in text_of(response.text)
    assert client.get("/meetings", follow_redirects=False).status_code in (302, 303)


def test_login_without_csrf_token_is_refused(client: Any, admin: int) -> None:
    csrf_token(client)
    response = client.post("/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in text_of(response.text)
    assert client.get("/meetings", follow_redirects=False).status_code in (302, 303)


def test_login_is_throttled_after_repeated_failures(client: Any, admin: int) -> None:
    for _ in range(5):
        assert form_post(client, "/login", {"username": "admin", "password": "wrong-password"}).status_code == 401
    # Even the right password is refused while the address is throttled.
    response = form_post(client, "/login", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in text_of(response.text)


def test_session_id_changes_at_login(client: Any, admin: int) -> None:
    client.get("/login")
    before = client.cookies.get("confmgr_session")
    login(client)
    assert client.cookies.get("confmgr_session") != before


def test_api_token_and_me(client: Any, admin: int) -> None:
    headers = api_token(client)
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "admin"


def test_api_token_wrong_password_is_json_401(client: Any, admin: int) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope-nope-nope"})
    assert response.status_code == 401
    body = response.json()
    assert body["status_code"] == 401
    assert body["detail"]


def test_api_rejects_session_cookie_without_bearer(client: Any, admin: int) -> None:
    login(client)
    assert client.get("/api/v1/meetings").status_code == 401


def test_inactive_user_cannot_log_in(client: Any, db: Any) -> None:
    make_user(db, "nguyenvana", "secretary")

    async def deactivate(session: Any) -> None:
        from sqlalchemy import update

        from confmgr.accounts.models import User

        await session.execute(update(User).where(User.username == "nguyenvana").values(is_active=False))

    db(deactivate)
    response = form_post(client, "/login", {"username": "nguyenvana", "password": PASSWORD})
    assert response.status_code == 401
