"""Row 4 of #13: a viewer sees no site's link, in the API or the pages."""

from __future__ import annotations

from typing import Any

from tests.helpers import api_token, form_post, login, make_user, second_browser


def test_row04_viewers_see_no_site_links(client: Any, admin_api: dict[str, str], db: Any, site: Any) -> None:
    make_user(db, "nguoixem", "viewer")
    meeting = site.meeting_id
    viewer = api_token(client, "nguoixem")
    listed = client.get(f"/api/v1/meetings/{meeting}/sites", headers=viewer)
    assert listed.status_code == 200
    assert listed.json()[0]["token"] is None and listed.json()[0]["access_url"] is None
    assert site.token not in listed.text
    for url in [f"/api/v1/meetings/{meeting}/sites/{site.id}/link", f"/api/v1/meetings/{meeting}/sites/{site.id}/qr.png",
                f"/api/v1/meetings/{meeting}/invitations/sheet.csv"]:
        answer = client.get(url, headers=viewer)
        assert answer.status_code == 403, (url, answer.status_code)
        assert site.token not in answer.text
    # An editor still sees them.
    assert client.get(f"/api/v1/meetings/{meeting}/sites", headers=admin_api).json()[0]["token"] == site.token
    with second_browser(client) as browser:
        login(browser, "nguoixem")
        for url in [f"/meetings/{meeting}", f"/meetings/{meeting}/sites/", f"/meetings/{meeting}/invitations"]:
            answer = browser.get(url)
            assert site.token not in answer.text, url
            # No link offered that would only lead to a refusal.
            assert f"/sites/{site.id}/link" not in answer.text, url
        for url in [f"/meetings/{meeting}/sites/{site.id}/link", f"/meetings/{meeting}/sites/{site.id}/qr.png",
                    f"/meetings/{meeting}/invitations/sheet", f"/meetings/{meeting}/invitations/sheet.csv"]:
            answer = browser.get(url)
            assert answer.status_code == 403, (url, answer.status_code)
            assert site.token not in answer.text


def _site_audit(db: Any, site_id: int) -> list[tuple[str, int | None, str, str]]:
    from sqlalchemy import select

    from confmgr.audit.models import AuditEntry

    async def fetch(session: Any) -> list[tuple[str, int | None, str, str]]:
        rows = await session.execute(
            select(AuditEntry.actor_kind, AuditEntry.actor_id, AuditEntry.actor_label, AuditEntry.action)
            .where(AuditEntry.entity == "site", AuditEntry.entity_id == site_id, AuditEntry.action != "create")
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]

    return db(fetch)  # type: ignore[no-any-return]


def test_row04_a_link_used_by_a_secretariat_user_is_audited_as_that_user(client: Any, admin_api: dict[str, str], db: Any, site: Any) -> None:
    secretary = make_user(db, "thuky", "secretary")
    name = client.get(f"/api/v1/meetings/{site.meeting_id}/sites", headers=admin_api).json()[0]["name"]
    declined = {"attending": "no", "reason": "Trùng lịch tiếp công dân", "action": "send"}
    with second_browser(client) as contact:
        # The site's contact, with no account: the site answers.
        assert form_post(contact, f"{site.url}/response", declined).status_code in (302, 303)
    with second_browser(client) as desk:
        login(desk, "thuky")
        page = desk.get(site.url)
        assert page.status_code == 200
        answer = form_post(desk, f"{site.url}/response", {**declined, "reason": "Đồng chí Chủ tịch đi công tác"})
        assert answer.status_code in (302, 303), answer.text[:300]
        check = form_post(desk, f"{site.url}/technical-check", {"status": "problem", "note": "Không nghe được tiếng"})
        assert check.status_code in (302, 303), check.text[:300]
        form_post(desk, "/logout")
        # Logged out, the same browser is only the link again.
        assert form_post(desk, f"{site.url}/response", declined).status_code in (302, 303)
    assert _site_audit(db, site.id) == [
        ("site", site.id, name, "respond"),
        ("user", secretary, f"thuky / {name}", "respond"),
        ("user", secretary, f"thuky / {name}", "technical_check"),
        ("site", site.id, name, "respond"),
    ]
