"""One way to show errors: an htmx form answered 4xx shows the answer where the person
looks. A form fragment with its messages (422) replaces the form; a bare refusal (409)
appears as an alert above the form that sent it. Nothing typed is lost."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser


def _api(server: LiveServer, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else server.api_headers()
    response = httpx.request(method, f"{server}/api/v1{path}", headers=headers, timeout=30, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _meeting(server: LiveServer) -> tuple[int, dict[str, Any], list[int]]:
    starts = (datetime.now(VN_TZ) - timedelta(minutes=20)).replace(second=0, microsecond=0)
    m = _api(server, "POST", "/meetings", json={
        "title": "Hội nghị triển khai nhiệm vụ năm 2027", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "mode": "hybrid",
        "chair": {"full_name": "Trần Minh Hoàng"}, "secretary": {"full_name": "Lê Thị Thu Hà"},
    })["id"]
    items = [_api(server, "POST", f"/meetings/{m}/agenda", json={"title": t, "kind": "other"})["id"] for t in ("Khai mạc", "Báo cáo")]
    site = _api(server, "POST", f"/meetings/{m}/sites", json={"name": "UBND huyện Hoài Ân", "role": "remote"})
    _api(server, "PUT", "/portal/response", token=site["token"],
         json={"attending": True, "delegates": [{"full_name": "Phạm Thị Yến", "position": "Phó Chủ tịch"}]})
    return m, site, items


def test_roll_call_422_and_console_409_are_shown_where_the_person_looks(live_server: LiveServer, browser_page: Any) -> None:
    m, site, items = _meeting(live_server)
    page = browser_page
    log_in(page, live_server)

    # Roll call: a card saved without saying whether the site is connected, with a reason that
    # is too long, comes back as the card with its messages (422), what was typed still there.
    page.goto(f"{live_server}/meetings/{m}/roll-call/")
    card = page.locator(f"#site-{site['id']}")
    card.wait_for()
    reason = card.locator("input[name^='reason.']").first
    reason.evaluate("el => el.removeAttribute('maxlength')")
    card.locator("input[value=absent]").first.check()
    reason.fill("Đi công tác " * 60)
    card.locator("button").last.click()
    page.locator(f"#site-{site['id']} [role=alert]").wait_for(timeout=5000)
    assert "Vui lòng" in page.inner_text(f"#site-{site['id']} [role=alert]")
    assert page.locator(f"#site-{site['id']} input[name^='reason.']").first.input_value().startswith("Đi công tác")

    # Console: the meeting was ended elsewhere; starting an item is refused (409) and said so.
    _api(live_server, "POST", f"/meetings/{m}/start")
    page.goto(f"{live_server}/meetings/{m}/console/")
    page.wait_for_selector(f"button[data-start-item='{items[1]}']")
    _api(live_server, "POST", f"/meetings/{m}/end")
    page.click(f"button[data-start-item='{items[1]}']")
    alert = page.locator(".js-error[role=alert]")
    alert.wait_for(timeout=5000)
    assert alert.inner_text().strip()
    assert "<" not in alert.inner_text()
