"""The secretariat records a site's answer on its behalf (by phone, on paper)."""

from __future__ import annotations

from typing import Any

from tests.helpers import form_post, login, make_user, text_of
from tests.integration.portal.conftest import past, set_deadline


def test_form_page_and_save_after_the_deadline(client: Any, admin_api: dict[str, str], site: Any, site_state: Any) -> None:
    set_deadline(client, admin_api, site.meeting_id, past())
    login(client)
    url = f"/meetings/{site.meeting_id}/sites/{site.id}/response"
    page = client.get(url)
    assert page.status_code == 200
    assert "Xác nhận thay cho UBND xã Tuy Phước" in text_of(page.text)
    assert 'name="_csrf_token"' in page.text
    added = form_post(client, url, {"attending": "yes", "delegates.0.full_name": "Võ Thị Ngọc Ánh", "action": "add_row"})
    assert added.status_code == 200 and 'value="Võ Thị Ngọc Ánh"' in added.text
    assert site_state(site.id)["response"] == "pending"
    refused = form_post(client, url, {"attending": "no", "reason": "", "action": "send"})
    assert refused.status_code == 422
    assert "Vui lòng nêu lý do" in text_of(refused.text)
    assert site_state(site.id)["response"] == "pending"
    saved = form_post(client, url, {"attending": "yes", "delegates.0.full_name": "Võ Thị Ngọc Ánh", "delegates.0.position": "Phó Chủ tịch", "action": "send"})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/meetings/{site.meeting_id}#sites"
    state = site_state(site.id)
    assert state["response"] == "attending" and state["delegates"] == ["Võ Thị Ngọc Ánh"]
    assert state["audit"][-1][0] == "user"
    # The site sees it, read-only since the deadline passed.
    assert "Võ Thị Ngọc Ánh" in text_of(client.get(site.url).text)


def test_viewer_cannot_answer_for_a_site(client: Any, admin: int, db: Any, site: Any, site_state: Any) -> None:
    make_user(db, "xemthoi", "viewer")
    login(client, "xemthoi")
    url = f"/meetings/{site.meeting_id}/sites/{site.id}/response"
    assert client.get(url).status_code == 403
    assert form_post(client, url, {"attending": "no", "reason": "Bận"}).status_code == 403
    assert site_state(site.id)["response"] == "pending"


def test_unknown_site_is_404(admin_client: Any, site: Any) -> None:
    assert admin_client.get(f"/meetings/{site.meeting_id}/sites/999999/response").status_code == 404


def test_roll_call_marks_stay_with_the_same_person(client: Any, site: Any, db: Any) -> None:
    client.put("/api/v1/portal/response", json={"attending": True, "delegates": [{"full_name": "Nguyễn Thị Lan"}, {"full_name": "Trần Văn Nam"}]}, headers=site.bearer)

    async def mark(session: Any) -> None:
        from sqlalchemy import update

        from confmgr.sites.models import Delegate

        await session.execute(update(Delegate).where(Delegate.full_name == "Nguyễn Thị Lan").values(present=True))

    db(mark)
    client.put("/api/v1/portal/response", json={"attending": True, "delegates": [{"full_name": "Trần Văn Nam"}, {"full_name": "Nguyễn Thị Lan"}, {"full_name": "Lê Hùng"}]}, headers=site.bearer)

    async def read(session: Any) -> dict[str, Any]:
        from sqlalchemy import select

        from confmgr.sites.models import Delegate

        rows = await session.execute(select(Delegate.full_name, Delegate.present).where(Delegate.site_id == site.id).order_by(Delegate.sort_order))
        return dict(rows.all())

    assert db(read) == {"Trần Văn Nam": None, "Nguyễn Thị Lan": True, "Lê Hùng": None}
