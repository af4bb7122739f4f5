"""axe-core (bundled by axe-playwright-python, nothing fetched) on every key page: no
serious or critical violation. And the portal after the meeting on a phone: the issued
minutes are in the first screen, with no live form left."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, log_in
from tests.integration.documents.conftest import AGENCY

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in ("serious", "critical"):
            targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])[:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def _api(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{server}/api/v1{path}", headers=server.api_headers(), timeout=30, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _meeting(server: LiveServer) -> tuple[int, str]:
    _api(server, "PUT", "/agency", json=AGENCY)
    starts = (datetime.now(VN_TZ) - timedelta(minutes=45)).replace(second=0, microsecond=0)
    m = _api(server, "POST", "/meetings", json={
        "title": "Hội nghị sơ kết công tác cải cách hành chính", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "mode": "hybrid", "venue": "Hội trường UBND tỉnh",
        "chair": {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở"},
        "secretary": {"full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng"},
    })["id"]
    for title in ("Khai mạc", "Báo cáo sơ kết", "Thảo luận"):
        _api(server, "POST", f"/meetings/{m}/agenda", json={"title": title, "kind": "other", "duration_minutes": 20})
    site = _api(server, "POST", f"/meetings/{m}/sites", json={"name": "UBND huyện Phù Cát", "role": "remote"})
    _api(server, "POST", f"/meetings/{m}/sites", json={"name": "Hội trường UBND tỉnh", "role": "host"})
    _api(server, "POST", f"/meetings/{m}/invite")
    return m, site["token"]


def _issue_minutes_and_notice(server: LiveServer, m: int) -> None:
    today = datetime.now(VN_TZ).date().isoformat()
    assert _api(server, "POST", f"/meetings/{m}/documents/minutes/issue", json={"issued_on": today})
    _api(server, "PUT", f"/meetings/{m}/conclusions", json={
        "title_of_chair": "Giám đốc Sở Nội vụ", "conclusions": ["Các địa phương hoàn thành kế hoạch trước ngày 30."],
    })
    assert _api(server, "POST", f"/meetings/{m}/documents/conclusions/issue", json={"issued_on": today})


def test_key_pages_have_no_serious_accessibility_violation(live_server: LiveServer, browser: Any, browser_page: Any) -> None:
    m, token = _meeting(live_server)
    page = browser_page
    problems: dict[str, list[str]] = {}

    def check(path: str, ready: str = "", label: str = "") -> None:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("domcontentloaded")
        if ready:  # content htmx or the live stream brings after the page
            page.locator(ready).first.wait_for(state="attached", timeout=15000)
        found = _serious(page)
        if found:
            problems[label or path] = found

    check("/login")
    log_in(page, live_server)
    portal = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True)
    phone = portal.new_page()

    def check_portal(label: str, *ready: str) -> None:
        phone.goto(f"{live_server}/s/{token}")
        phone.wait_for_load_state("domcontentloaded")
        for selector in ready:
            phone.locator(selector).first.wait_for(state="attached", timeout=15000)
        found = _serious(phone)
        if found:
            problems[f"portal {label}"] = found

    try:
        for path in ("/meetings", f"/meetings/{m}", f"/meetings/{m}/sites/", f"/meetings/{m}/agenda",
                     f"/meetings/{m}/console/", f"/meetings/{m}/roll-call/",
                     f"/meetings/{m}/invitations", f"/meetings/{m}/documents/", f"/meetings/{m}/audit"):
            check(path)
        check(f"/meetings/{m}/attendance", ready="body[data-live=on]")  # the board, once live
        check_portal("before")
        # The confirmation dialog, open over the console.
        page.goto(f"{live_server}/meetings/{m}/console/")
        page.locator(".console-status button").first.click()
        page.locator("#confirm-dialog").wait_for(state="visible", timeout=10000)
        if found := _serious(page):
            problems["confirmation dialog"] = found
        page.keyboard.press("Escape")
        _api(live_server, "POST", f"/meetings/{m}/start")
        check(f"/meetings/{m}/console/")
        check_portal("during", "#live-current-item", "#my-requests:not([hx-get])")
        _api(live_server, "POST", f"/meetings/{m}/end")
        check(f"/meetings/{m}/console/")
        check(f"/meetings/{m}/documents/minutes")
        check(f"/meetings/{m}/documents/minutes/preview")
        check(f"/meetings/{m}/documents/conclusions")
        _issue_minutes_and_notice(live_server, m)
        check(f"/meetings/{m}/documents/", label="documents after the issue")
        check_portal("after", "#issued-documents")
        # An English page.
        page.goto(f"{live_server}/meetings/{m}")
        with page.expect_navigation():
            page.click("button[name=lang][value=en]")
        check(f"/meetings/{m}", ready="html[lang=en]", label="meeting page in English")
    finally:
        portal.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_portal_after_the_meeting_shows_the_minutes_in_the_first_phone_screen(live_server: LiveServer, browser: Any) -> None:
    m, token = _meeting(live_server)
    _api(live_server, "POST", f"/meetings/{m}/start")
    _api(live_server, "POST", f"/meetings/{m}/end")
    _issue_minutes_and_notice(live_server, m)
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{live_server}/s/{token}")
        ended = phone.locator("#meeting-ended")
        assert ended.is_visible() and "Hội nghị đã bế mạc" in ended.inner_text()
        link = phone.locator("#issued-documents a", has_text="Biên bản").first
        assert phone.locator("#issued-documents a", has_text="Thông báo kết luận").count() == 1
        box = link.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
        # No live forms after the end: nobody asks for the floor or sends a paper any more.
        assert phone.locator("#speak").count() == 0 and phone.locator("#contribute").count() == 0
        assert "ĐANG DIỄN RA" not in phone.inner_text("body").upper()
        # The ended state with its issued documents passes axe too.
        assert _serious(phone) == []
        with phone.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(".pdf")
    finally:
        context.close()
