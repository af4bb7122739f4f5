"""Row 9 of #13: a password reset, a deactivation or a role change ends the user's
sessions and API tokens (reactivation revives none); API tokens can be revoked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import PASSWORD, api_token, form_post, login, make_user, second_browser

NEW_PASSWORD = "mat-khau-moi-2026-rat-dai"


@pytest.fixture
def secretary(db: Any) -> int:
    return make_user(db, "thuky", "secretary")


def _edit(admin: Any, user_id: int, **fields: Any) -> None:
    data = {"full_name": "Thư Ký", "role": "secretary", "is_active": "on", "password": ""}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    answer = form_post(admin, f"/admin/users/{user_id}", data)
    assert answer.status_code in (302, 303), answer.text[:300]


@pytest.mark.parametrize(
    "change",
    [{"password": NEW_PASSWORD}, {"is_active": None}, {"role": "viewer"}],
    ids=["password", "deactivation", "role"],
)
def test_row09_credential_change_ends_sessions_and_tokens(admin_client: Any, secretary: int, change: dict[str, Any]) -> None:
    with second_browser(admin_client) as victim:
        login(victim, "thuky")
        bearer = api_token(victim, "thuky")
        assert victim.get("/meetings").status_code == 200
        assert victim.get("/api/v1/auth/me", headers=bearer).status_code == 200
        _edit(admin_client, secretary, **change)
        answer = victim.get("/meetings", follow_redirects=False)
        assert answer.status_code in (302, 303) and answer.headers["location"].startswith("/login")
        assert victim.get("/api/v1/auth/me", headers=bearer).status_code == 401
        if "is_active" in change:
            # Reactivation revives neither the old session nor the old token.
            _edit(admin_client, secretary)
            assert victim.get("/meetings", follow_redirects=False).status_code in (302, 303)
            assert victim.get("/api/v1/auth/me", headers=bearer).status_code == 401
    with second_browser(admin_client) as again:
        login(again, "thuky", NEW_PASSWORD if "password" in change else PASSWORD)
        assert again.get("/meetings").status_code == 200


def test_row09_delete_api_token_revokes_it(client: Any, admin: int) -> None:
    first = api_token(client)
    second = api_token(client)
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert client.get("/api/v1/auth/me", headers=first).status_code == 401
    assert client.get("/api/v1/auth/me", headers=second).status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 401


def test_row09_admin_revokes_a_users_tokens_in_the_ui(client: Any, admin: int, secretary: int) -> None:
    bearer = api_token(client, "thuky")
    login(client)
    page = client.get("/admin/users").text
    assert f'/admin/users/{secretary}/revoke-tokens' in page
    assert form_post(client, f"/admin/users/{secretary}/revoke-tokens").status_code in (302, 303)
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert f'/admin/users/{secretary}/revoke-tokens' not in client.get("/admin/users").text
    with second_browser(client) as other:
        login(other, "thuky")
        assert form_post(other, f"/admin/users/{secretary}/revoke-tokens").status_code == 403
