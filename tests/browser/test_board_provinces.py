"""A national meeting's board, filtered by province by clicking, as the secretariat does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser


def _meeting_with_units(server: LiveServer) -> int:
    headers = server.api_headers()
    starts = (datetime.now(VN_TZ) + timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    person = {"full_name": "Trần Minh Hoàng", "position": "Vụ trưởng", "organization": "Bộ Nội vụ"}
    meeting = httpx.post(
        f"{server}/api/v1/meetings",
        json={
            "title": "Hội nghị trực tuyến toàn quốc", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(), "mode": "hybrid", "venue": "Hội trường Bộ Nội vụ",
            "chair": person, "secretary": {**person, "full_name": "Lê Thị Thu Hà"},
        },
        headers=headers, timeout=10,
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = int(meeting.json()["id"])
    for province in ("22", "48"):  # the special zones of Quảng Ninh and of Đà Nẵng
        added = httpx.post(
            f"{server}/api/v1/meetings/{meeting_id}/sites/units", json={"province": province, "type": "dac_khu"},
            headers=headers, timeout=10,
        )
        assert added.status_code == 201, added.text
    return meeting_id


def test_the_board_filters_by_province_by_clicking(live_server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    meeting_id = _meeting_with_units(live_server)
    log_in(page, live_server)
    page.click(f"a[href='/meetings/{meeting_id}']") if page.query_selector(f"a[href='/meetings/{meeting_id}']") else page.goto(
        f"{live_server}/meetings/{meeting_id}"
    )
    page.click(f"a[href='/meetings/{meeting_id}/attendance']")
    page.wait_for_selector("#board-provinces")
    table = page.text_content("#board-table") or ""
    assert "Vân Đồn" in table and "Hoàng Sa" in table
    assert page.is_visible("#board-provinces svg.chart-provinces")

    # Click the province in the per-province table: the board shows its sites only.
    page.click("#board-provinces a:text('Quảng Ninh')")
    page.wait_for_url("**province=22**")
    table = page.text_content("#board-table") or ""
    assert "Vân Đồn" in table and "Cô Tô" in table and "Hoàng Sa" not in table
    assert page.eval_on_selector("#f-province", "el => el.value") == "22"

    # The filter's list of provinces works as the other filters, without a reload.
    page.evaluate("window.__boardMarker = 'kept'")
    page.select_option("#f-province", "48")
    # (Playwright's expect, not wait_for_function: the page's CSP forbids eval.)
    expect(page.locator("#board-table")).not_to_contain_text("Vân Đồn", timeout=5000)
    expect(page.locator("#board-table")).to_contain_text("Hoàng Sa")
    assert "province=48" in page.url
    assert page.evaluate("window.__boardMarker") == "kept"
