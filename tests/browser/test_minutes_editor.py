"""The minutes editor in a browser: a section saves itself after typing stops,
'Xem trước' keeps what was just typed, and leaving with unsaved text asks first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in
from tests.integration.documents.conftest import AGENCY

pytestmark = pytest.mark.browser


def _ended_meeting(server: LiveServer) -> int:
    api = server.api
    api("PUT", "/agency", json=AGENCY)
    starts = (datetime.now(VN_TZ) - timedelta(hours=1)).replace(second=0, microsecond=0)
    m = api("POST", "/meetings", json={
        "title": "Hội nghị sơ kết quý III", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "mode": "hybrid", "chair": {"full_name": "Trần Minh Hoàng"}, "secretary": {"full_name": "Lê Thị Thu Hà"},
    })["id"]
    api("POST", f"/meetings/{m}/agenda", json={"title": "Báo cáo sơ kết", "kind": "report"})
    api("POST", f"/meetings/{m}/start")
    api("POST", f"/meetings/{m}/end")
    return int(m)


def test_sections_autosave_and_preview_keeps_the_edits(live_server: LiveServer, browser_page: Any) -> None:
    api = live_server.api
    m = _ended_meeting(live_server)
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


def test_leaving_with_unsaved_text_asks_first(live_server: LiveServer, browser_page: Any) -> None:
    m = _ended_meeting(live_server)
    page = browser_page
    log_in(page, live_server)
    editor = f"{live_server}/meetings/{m}/documents/minutes"
    page.goto(editor)
    asked: list[str] = []

    def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    # The connection is down: what is typed cannot be saved, so it stays unsaved.
    page.route("**/documents/minutes", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    field = page.locator("form[data-minutes] textarea[name^='section:']").first
    field.fill("Đoạn sửa chưa lưu được.")
    page.click("nav.tabs a:has-text('Điều hành')")
    expect(field).to_have_value("Đoạn sửa chưa lưu được.")
    assert asked == ["beforeunload"]
    assert page.url == editor

    # Asked again, the person chooses to leave.
    page.remove_listener("dialog", stay)

    def leave(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    with page.expect_navigation():
        page.click("nav.tabs a:has-text('Điều hành')")
    assert asked == ["beforeunload", "beforeunload"] and "/console" in page.url

    # Nothing unsaved: leaving does not ask.
    page.unroute("**/documents/minutes")
    page.goto(editor)
    with page.expect_navigation():
        page.click("nav.tabs a:has-text('Điều hành')")
    assert asked == ["beforeunload", "beforeunload"] and "/console" in page.url
