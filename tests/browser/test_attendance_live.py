"""The board updates by itself: a site answers and the secretariat sees it within a second."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import expect

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in


def _meeting_with_sites(server: LiveServer, names: list[str]) -> tuple[int, list[dict[str, Any]]]:
    headers = server.api_headers()
    starts = (datetime.now(VN_TZ) + timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    person = {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở Nội vụ", "organization": "Sở Nội vụ"}
    meeting = httpx.post(
        f"{server}/api/v1/meetings",
        json={
            "title": "Hội nghị trực tuyến toàn tỉnh", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(), "mode": "hybrid", "venue": "Hội trường UBND tỉnh",
            "chair": person, "secretary": {**person, "full_name": "Lê Thị Thu Hà"},
        },
        headers=headers, timeout=10,
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["id"]
    sites = []
    for name in names:
        site = httpx.post(f"{server}/api/v1/meetings/{meeting_id}/sites", json={"name": name}, headers=headers, timeout=10)
        assert site.status_code == 201, site.text
        sites.append(site.json())
    return meeting_id, sites


def test_a_confirmation_shows_on_the_board_within_a_second(live_server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    meeting_id, sites = _meeting_with_sites(live_server, ["UBND xã Cát Tiến", "UBND phường Hoài Nhơn Bắc"])
    log_in(page, live_server)
    page.goto(f"{live_server}/meetings/{meeting_id}/attendance")
    assert page.text_content("#count-attending") == "0"
    # Live once the stream is open; a variable set now would vanish with a reload.
    page.wait_for_selector("body[data-live=on]", timeout=5000)
    page.evaluate("window.__boardMarker = 'kept'")
    navigations_before = page.evaluate("performance.getEntriesByType('navigation').length")

    cat_tien = sites[0]
    started = time.perf_counter()
    answered = httpx.put(
        f"{live_server}/api/v1/portal/response",
        json={"attending": True, "delegates": [
            {"full_name": "Nguyễn Văn Hưởng", "position": "Chủ tịch UBND xã", "organization": None},
            {"full_name": "Trần Thị Mỹ Duyên", "position": "Phó Chủ tịch UBND xã", "organization": None},
        ]},
        headers={"Authorization": f"Bearer {cat_tien['token']}"}, timeout=10,
    )
    assert answered.status_code == 200, answered.text
    expect(page.locator("#count-attending")).to_have_text("1", timeout=1000)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"the board showed the answer after {elapsed:.2f} s"
    # The changed row too, with its delegates; nothing reloaded the page.
    expect(page.locator(f"#site-{cat_tien['id']}")).to_contain_text("Tham dự", timeout=1000)
    row = page.text_content(f"#site-{cat_tien['id']}")
    assert "2" in row
    assert page.text_content("#count-confirmed") == "2"
    assert page.evaluate("window.__boardMarker") == "kept"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == navigations_before
    assert "<svg" in page.inner_html("#board-summary")

    # A second answer right after the first (inside the one-second window) is not lost.
    hoai_nhon = sites[1]
    declined = httpx.put(
        f"{live_server}/api/v1/portal/response", json={"attending": False, "reason": "Mất điện", "delegates": []},
        headers={"Authorization": f"Bearer {hoai_nhon['token']}"}, timeout=10,
    )
    assert declined.status_code == 200, declined.text
    expect(page.locator("#count-declined")).to_have_text("1", timeout=2500)
    assert page.evaluate("window.__boardMarker") == "kept"


def test_filters_work_without_reloading(live_server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    meeting_id, _sites = _meeting_with_sites(live_server, ["UBND xã Hòa Bình", "UBND xã Ân Hảo", "UBND phường Bồng Sơn"])
    log_in(page, live_server)
    page.goto(f"{live_server}/meetings/{meeting_id}/attendance")
    page.evaluate("window.__boardMarker = 'kept'")
    page.fill("#f-q", "an hao")
    expect(page.locator("#board-table tbody tr")).to_have_count(1, timeout=3000)
    assert "Ân Hảo" in page.text_content("#board-table")
    assert "q=an%20hao" in page.url or "q=an+hao" in page.url
    assert page.evaluate("window.__boardMarker") == "kept"
