"""The clerk (văn thư) role: from the command line and the users admin page; what it may do."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.helpers import api_token, form_post, login, text_of


def test_cli_creates_a_clerk(settings: Any, client: Any) -> None:
    env = {**os.environ, "CONFMGR_DATA_DIR": str(settings.data_dir), "CONFMGR_SECRET_KEY": settings.server.secret_key}
    if not settings.database.is_sqlite:
        env["CONFMGR_DATABASE_URL"] = settings.database.url
    done = subprocess.run(
        [sys.executable, "-m", "confmgr", "users", "create", "--username", "vanthu", "--role", "clerk"],
        input="mat-khau-van-thu\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    headers = api_token(client, "vanthu", "mat-khau-van-thu")
    # A clerk views but does not edit meetings.
    person = {"full_name": "Trần Minh Hoàng", "position": "Giám đốc", "organization": "Sở Nội vụ"}
    body = {"title": "Họp giao ban", "starts_at": "2026-12-01T08:00:00+07:00", "ends_at": "2026-12-01T10:00:00+07:00",
            "mode": "online", "venue": "Phòng họp", "chair": person, "secretary": person}
    r = client.post("/api/v1/meetings", json=body, headers=headers)
    assert r.status_code == 403, r.text
    assert client.get("/api/v1/meetings", headers=headers).status_code == 200


def test_users_page_offers_the_clerk_role(admin_client: Any) -> None:
    page = admin_client.get("/admin/users/")
    assert page.status_code == 200 and 'value="clerk"' in page.text and "Văn thư" in text_of(page.text)
    r = form_post(admin_client, "/admin/users/", {"username": "vanthu2", "full_name": "Phạm Thị Văn Thư", "role": "clerk",
                                                  "password": "mat-khau-van-thu-2"})
    assert r.status_code in (302, 303), r.text
    listing = admin_client.get("/admin/users/").text
    assert "Phạm Thị Văn Thư" in listing and listing.count('value="clerk" selected') == 1


def test_an_unknown_role_names_all_four(admin_client: Any) -> None:
    r = form_post(admin_client, "/admin/users/", {"username": "ai-do", "full_name": "Ai Đó", "role": "sep",
                                                  "password": "mat-khau-ai-do-1"})
    assert r.status_code == 422, r.text
    assert "Chọn vai trò: quản trị viên, thư ký, người xem hoặc văn thư." in text_of(r.text)
