"""The minutes editor in a browser: a section saves itself after typing stops, and
'Xem trước' keeps what was just typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in
from tests.integration.documents.conftest import AGENCY

pytestmark = pytest.mark.browser


def test_sections_autosave_and_preview_keeps_the_edits(live_server: LiveServer, browser_page: Any) -> None:
    headers = live_server.api_headers()

    def api(method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{live_server}/api/v1{path}", headers=headers, timeout=30, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    api("PUT", "/agency", json=AGENCY)
    starts = (datetime.now(VN_TZ) - timedelta(hours=1)).replace(second=0, microsecond=0)
    m = api("POST", "/meetings", json={
        "title": "Hội nghị sơ kết quý III", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "mode": "hybrid", "chair": {"full_name": "Trần Minh Hoàng"}, "secretary": {"full_name": "Lê Thị Thu Hà"},
    })["id"]
    api("POST", f"/meetings/{m}/agenda", json={"title": "Báo cáo sơ kết", "kind": "report"})
    api("POST", f"/meetings/{m}/start")
    api("POST", f"/meetings/{m}/end")

    page = browser_page
    log_in(page, live_server)
    page.goto(f"{live_server}/meetings/{m}/documents/minutes")
    fields = page.locator("form[data-minutes] textarea[name^='section:']")
    first = fields.first
    first.fill("")
    first.type("Phần mở đầu do thư ký sửa.", delay=5)
    status = first.locator("xpath=ancestor::div[contains(@class,'section-edit')]").locator("[data-section-status]")
    status.filter(has_text="Đã lưu lúc").wait_for(timeout=15000)
    page.reload()
    assert page.locator("form[data-minutes] textarea[name^='section:']").first.input_value() == "Phần mở đầu do thư ký sửa."

    last = page.locator("form[data-minutes] textarea[name^='section:']").last
    last.fill("Kết luận gõ xong bấm ngay Xem trước.")
    with page.expect_navigation():
        page.click("[data-minutes-preview]")
    assert page.url.endswith(f"/meetings/{m}/documents/minutes/preview")
    sections = api("GET", f"/meetings/{m}/documents/minutes/sections")
    texts = [s.get("text") for s in sections["sections"]]
    assert "Kết luận gõ xong bấm ngay Xem trước." in texts and "Phần mở đầu do thư ký sửa." in texts
