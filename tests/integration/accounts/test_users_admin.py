from __future__ import annotations

from typing import Any

from tests.helpers import PASSWORD, form_post, login, make_user, text_of


def test_admin_creates_a_secretary_who_can_log_in(admin_client: Any) -> None:
    response = form_post(
        admin_client, "/admin/users/",
        {"username": "thuky01", "full_name": "Phạm Thu Trang", "role": "secretary", "password": "mot-mat-khau-dai"},
    )
    assert response.status_code in (302, 303)
    page = admin_client.get("/admin/users/")
    assert "thuky01" in page.text and "Phạm Thu Trang" in page.text
    form_post(admin_client, "/logout")
    login(admin_client, "thuky01", "mot-mat-khau-dai")


def test_duplicate_username_is_refused_and_changes_nothing(admin_client: Any) -> None:
    response = form_post(admin_client, "/admin/users/", {"username": "admin", "role": "viewer", "password": "mot-mat-khau-dai"})
    assert response.status_code == 409
    assert "Tên đăng nhập này đã có người dùng" in text_of(response.text)
    assert admin_client.get("/admin/users/").text.count("data-label=\"Tên đăng nhập\">admin<") == 1


def test_short_password_is_refused(admin_client: Any) -> None:
    response = form_post(admin_client, "/admin/users/", {"username": "ngan", "role": "viewer", "password": "123"})
    assert response.status_code == 422
    assert "ít nhất 10 ký tự" in text_of(response.text)


def test_secretary_cannot_open_user_admin(client: Any, db: Any) -> None:
    make_user(db, "thuky", "secretary")
    login(client, "thuky")
    response = client.get("/admin/users/")
    assert response.status_code == 403
    assert "Chỉ quản trị viên" in text_of(response.text)


def test_admin_cannot_demote_themself(admin_client: Any, admin: int) -> None:
    response = form_post(admin_client, f"/admin/users/{admin}", {"full_name": "A", "role": "viewer", "is_active": "on"})
    assert response.status_code == 422
    page = admin_client.get("/admin/users/")
    assert page.status_code == 200  # still an administrator


def test_cli_creates_user_reading_password_from_stdin(settings: Any, tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONFMGR_DATA_DIR": str(settings.data_dir), "CONFMGR_SECRET_KEY": settings.server.secret_key}
    if not settings.database.is_sqlite:
        env["CONFMGR_DATABASE_URL"] = settings.database.url
    done = subprocess.run(
        [sys.executable, "-m", "confmgr", "users", "create", "--username", "vanthu", "--role", "secretary"],
        input="mat-khau-tu-stdin\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    again = subprocess.run(
        [sys.executable, "-m", "confmgr", "users", "create", "--username", "vanthu", "--role", "secretary"],
        input="mat-khau-tu-stdin\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert again.returncode == 1
    assert "đã có người dùng" in again.stderr


def test_password_is_stored_as_argon2(db: Any) -> None:
    from sqlalchemy import select

    from confmgr.accounts.models import User

    make_user(db, "kiemtra", "viewer")

    async def read(session: Any) -> str:
        return str(await session.scalar(select(User.password_hash).where(User.username == "kiemtra")))

    stored = db(read)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
