"""The secretariat's first day, in Chromium: log in, set the agency, fill the site
directory, create a meeting, add its sites from the directory, copy it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, log_in
from tests.factories import future


def test_wrong_password_then_login(browser_page: Any, live_server: LiveServer) -> None:
    page = browser_page
    page.goto(f"{live_server}/login")
    assert page.locator("h1").inner_text() == "Đăng nhập bộ phận văn phòng"
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "không-đúng-mật-khẩu")
    page.click("form[action='/login'] button[type=submit]")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.locator(".alert-error").inner_text()
    assert page.input_value("input[name=username]") == "admin"
    log_in(page, live_server)
    assert page.url.endswith("/meetings")


def test_agency_meeting_directory_and_copy(browser_page: Any, live_server: LiveServer) -> None:
    page = browser_page
    log_in(page, live_server)

    page.goto(f"{live_server}/admin/agency/")
    page.fill("#f-parent_name", "Ủy ban nhân dân tỉnh Bình Định")
    page.fill("#f-name", "Sở Nội vụ")
    page.fill("#f-abbreviation", "SNV")
    page.fill("#f-place_name", "Bình Định")
    page.click("button:has-text('Lưu')")
    assert "Đã lưu" in page.locator(".alert-ok").inner_text()

    for name in ("Hội trường UBND tỉnh", "UBND huyện Tuy Phước", "UBND huyện Phù Cát"):
        page.goto(f"{live_server}/directory/new")
        page.fill("#f-name", name)
        if name.startswith("Hội trường"):
            page.select_option("#f-role", "host")
        page.click("button:has-text('Lưu')")
    page.goto(f"{live_server}/directory")
    assert page.locator("text=UBND huyện Phù Cát").count() == 1

    starts = future(days=20)
    page.goto(f"{live_server}/meetings/new")
    page.fill("#f-title", "Hội nghị sơ kết công tác 6 tháng")
    page.fill("#f-starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    # A meeting that ends before it starts is refused, and nothing typed is lost.
    page.fill("#f-ends_at", starts.replace(hour=7).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-chair\\.full_name", "Trần Minh Hoàng")
    page.fill("#f-secretary\\.full_name", "Lê Thị Thu Hà")
    page.click("button:has-text('Tạo hội nghị')")
    assert "Thời gian kết thúc phải sau thời gian bắt đầu" in page.content()
    assert page.input_value("#f-title") == "Hội nghị sơ kết công tác 6 tháng"
    page.fill("#f-ends_at", starts.replace(hour=11).strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Tạo hội nghị')")
    page.wait_for_url("**/meetings/*")
    assert page.locator("h1").inner_text() == "Hội nghị sơ kết công tác 6 tháng"

    page.click("text=Thêm từ danh mục")
    page.check("text=Chọn tất cả")
    page.click("button:has-text('Thêm các điểm cầu đã chọn')")
    page.wait_for_url("**/meetings/*/sites/")
    sites = page.locator("#sites tbody tr")
    assert sites.count() == 3
    assert "Điểm cầu chính" in sites.first.inner_text()

    page.click("nav.tabs a[data-tab='info']")
    page.click("text=Sao chép thành hội nghị mới")
    page.fill("#f-title", "Hội nghị sơ kết công tác 6 tháng (lần 2)")
    page.click("button:has-text('Tạo bản sao')")
    page.wait_for_url("**/meetings/*")
    assert page.locator("h1").inner_text() == "Hội nghị sơ kết công tác 6 tháng (lần 2)"
    assert page.locator("#sites tbody tr").count() == 3

    # The list finds both, accent-insensitively, without reloading the page (htmx).
    page.goto(f"{live_server}/meetings")
    page.evaluate("window.__same_page = true")
    page.fill("#q", "so ket")
    expect(page.locator("#meeting-table tbody tr")).to_have_count(2)
    assert page.evaluate("window.__same_page") is True
