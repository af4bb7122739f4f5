"""The live meeting in real browsers: a district on a phone sends a paper, the console
starts an item, and the district sees it within a second, without reloading; after
a dropped connection it shows the current state again."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import expect

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in

PHONE = {"width": 390, "height": 844}


def _setup(server: LiveServer) -> tuple[int, list[int], str]:
    headers = server.api_headers()
    starts = datetime.now(VN_TZ).replace(microsecond=0) + timedelta(days=1)
    meeting = httpx.post(f"{server}/api/v1/meetings", headers=headers, timeout=10, json={
        "title": "Hội nghị tổng kết công tác nội vụ năm 2026", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "mode": "hybrid", "venue": "Hội trường UBND tỉnh",
        "chair": {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở"},
        "secretary": {"full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng"},
    }).json()
    m = meeting["id"]
    items = []
    for title, kind in (("Khai mạc hội nghị", "opening"), ("Báo cáo tổng kết công tác năm 2026", "report"),
                        ("Tham luận của các địa phương", "contributions")):
        r = httpx.post(f"{server}/api/v1/meetings/{m}/agenda", headers=headers, timeout=10, json={"title": title, "kind": kind})
        assert r.status_code == 201, r.text
        items.append(r.json()["id"])
    site = httpx.post(f"{server}/api/v1/meetings/{m}/sites", headers=headers, timeout=10,
                      json={"name": "UBND huyện Tuy Phước", "role": "remote"}).json()
    assert httpx.post(f"{server}/api/v1/meetings/{m}/start", headers=headers, timeout=10).status_code == 200
    return m, items, site["token"]


def test_console_drives_the_districts_live_view(live_server: LiveServer, browser: Any, browser_page: Any) -> None:
    m, items, token = _setup(live_server)

    phone_context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    district = phone_context.new_page()
    try:
        # The district sends a paper from its phone, through the portal's form.
        district.goto(f"{live_server}/s/{token}")
        district.fill("#contribute input[name=title]", "Kết quả sắp xếp đơn vị hành chính cấp xã")
        district.fill("#contribute input[name='speaker.full_name']", "Lê Văn Đức")
        with district.expect_navigation():
            district.click("#contribute button")
        assert "Đã gửi bài tham luận" in district.inner_text("#contribute")
        # Nothing scrolls sideways on a phone.
        assert district.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        district.goto(f"{live_server}/s/{token}")
        district.wait_for_selector("#live-current-item", timeout=5000)
        assert "Chưa có nội dung nào đang diễn ra" in district.inner_text("#live-current-item")

        console = browser_page
        log_in(console, live_server)
        console.goto(f"{live_server}/meetings/{m}/agenda")
        assert "Kết quả sắp xếp đơn vị hành chính cấp xã" in console.inner_text("#contributions")
        console.goto(f"{live_server}/meetings/{m}/console")
        console.click(f"button[data-start-item='{items[1]}']")
        clicked = time.monotonic()
        expect(district.locator("#live-current-item")).to_contain_text("Báo cáo tổng kết", timeout=1000)
        assert time.monotonic() - clicked < 1.0
        console.wait_for_selector("#console-current-item:has-text('Báo cáo tổng kết')", timeout=2000)

        # The connection drops; meanwhile the next item starts. Back online, the
        # district shows the current item, not the one it saw before the drop.
        phone_context.set_offline(True)
        headers = live_server.api_headers()
        r = httpx.post(f"{live_server}/api/v1/meetings/{m}/agenda/{items[2]}/start", headers=headers, timeout=10)
        assert r.status_code == 200
        phone_context.set_offline(False)
        expect(district.locator("#live-current-item")).to_contain_text("Tham luận của các địa phương", timeout=15000)
        # A reload is a reconnect too: the first message is the truth.
        district.reload()
        expect(district.locator("#live-current-item")).to_contain_text("3. Tham luận", timeout=5000)
    finally:
        phone_context.close()


def test_district_asks_for_the_floor_and_the_console_sees_it(live_server: LiveServer, browser: Any, browser_page: Any) -> None:
    m, _items, token = _setup(live_server)
    console = browser_page
    log_in(console, live_server)
    console.goto(f"{live_server}/meetings/{m}/console")
    console.wait_for_selector("#console-live .console-live")
    time.sleep(0.3)  # let the console's stream open

    phone_context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True)
    district = phone_context.new_page()
    try:
        district.goto(f"{live_server}/s/{token}")
        # htmx has set the page up once the live view and the site's own list arrived.
        district.wait_for_selector("#live-current-item", timeout=5000)
        district.wait_for_selector("#my-requests:not([hx-get])", state="attached", timeout=5000)
        district.fill("#speak input[name='speaker.full_name']", "Nguyễn Thị Hồng")
        district.fill("#speak input[name=topic]", "Biên chế cấp xã")
        district.click("#speak button")
        district.wait_for_selector("#my-requests:has-text('Nguyễn Thị Hồng')", timeout=3000)
        console.wait_for_selector("#console-live:has-text('Nguyễn Thị Hồng')", timeout=2000)
        assert "UBND huyện Tuy Phước" in console.inner_text("#console-live")
        district.wait_for_selector("#live-state:has-text('Nguyễn Thị Hồng')", timeout=2000)
    finally:
        phone_context.close()
