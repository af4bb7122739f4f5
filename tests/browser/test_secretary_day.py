"""The secretariat's day in a real browser, by clicking only: a new secretary goes from
the meeting list through the agenda and the console (item 2 started, notes typed land on
item 2), ends the meeting in the confirmation dialog, and downloads the issued minutes."""

from __future__ import annotations

import io
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, _confmgr, confirm_in_dialog, log_in
from tests.integration.documents.conftest import AGENCY

pytestmark = pytest.mark.browser

TITLE = "Hội nghị giao ban công tác nội vụ quý IV"
ITEMS = ("Khai mạc hội nghị", "Báo cáo kết quả công tác quý IV", "Thảo luận")
NOTES = "Đồng chí Giám đốc Sở báo cáo: đã hoàn thành 12/12 chỉ tiêu; đề nghị các huyện gửi số liệu trước ngày 05."


def _secretary(server: LiveServer) -> tuple[str, str]:
    username = "thuky" + secrets.token_hex(2)
    password = "mật-khẩu-thư-ký-" + secrets.token_hex(4)
    _confmgr("users", "create", "--username", username, "--role", "secretary", "--full-name", "Lê Thị Thu Hà",
             env=server.env, stdin=password + "\n")
    return username, password


def _meeting(server: LiveServer) -> tuple[int, list[int]]:
    headers = server.api_headers()
    assert httpx.put(f"{server}/api/v1/agency", json=AGENCY, headers=headers, timeout=10).status_code == 200
    starts = (datetime.now(VN_TZ) - timedelta(minutes=30)).replace(second=0, microsecond=0)
    meeting = httpx.post(f"{server}/api/v1/meetings", headers=headers, timeout=10, json={
        "title": TITLE, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "mode": "hybrid", "venue": "Hội trường UBND tỉnh",
        "chair": {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở"},
        "secretary": {"full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng"},
    }).json()
    m = meeting["id"]
    items = []
    for title in ITEMS:
        r = httpx.post(f"{server}/api/v1/meetings/{m}/agenda", headers=headers, timeout=10, json={"title": title, "kind": "other"})
        assert r.status_code == 201, r.text
        items.append(r.json()["id"])
    r = httpx.post(f"{server}/api/v1/meetings/{m}/sites", headers=headers, timeout=10,
                   json={"name": "UBND huyện Tuy Phước", "role": "remote"})
    assert r.status_code == 201, r.text
    assert httpx.post(f"{server}/api/v1/meetings/{m}/invite", headers=headers, timeout=10).status_code == 200
    return m, items


def test_new_secretary_runs_the_day_by_clicking_only(live_server: LiveServer, browser_page: Any) -> None:
    m, items = _meeting(live_server)
    username, password = _secretary(live_server)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, username, password)
    assert page.url.endswith("/meetings")

    # Meeting list -> the meeting -> its agenda, through links and tabs only.
    page.click(f"a:has-text('{TITLE}')")
    page.wait_for_selector("nav.tabs [aria-current=page]:has-text('Thông tin')")
    page.click("nav.tabs a:has-text('Chương trình')")
    page.wait_for_selector("nav.tabs [aria-current=page]:has-text('Chương trình')")
    assert ITEMS[1] in page.inner_text("#items")

    # The console; starting the meeting asks first and names the consequence.
    page.click("nav.tabs a:has-text('Điều hành')")
    page.wait_for_selector("h1:has-text('Điều hành trực tiếp')")
    page.click(".console-status button:has-text('Khai mạc hội nghị')")
    with page.expect_navigation():
        confirm_in_dialog(page, "Trang của mọi điểm cầu chuyển sang theo dõi trực tiếp")
    page.wait_for_selector(f"button[data-start-item='{items[1]}']")

    # Start item 2: the notes editor follows, and what is typed lands on item 2.
    page.click(f"button[data-start-item='{items[1]}']")
    page.wait_for_selector(f"form[data-notes][data-item-id='{items[1]}']")
    assert ITEMS[1] in page.inner_text("#notes h2")
    editor = page.locator("#notes-text")
    assert editor.is_visible()
    box = editor.bounding_box()
    assert box is not None and box["y"] < 768, "the notes are below the first screen"
    editor.click()
    editor.type(NOTES, delay=2)
    page.click("#notes h2")  # leaving the field saves
    page.wait_for_selector("[data-notes-status]:has-text('Đã lưu lúc')", timeout=10000)

    # End the meeting: the dialog says what happens; afterwards the console shows what happened.
    page.click(".console-status button:has-text('Bế mạc hội nghị')")
    with page.expect_navigation():
        confirm_in_dialog(page, "Mọi điểm cầu dừng theo dõi trực tiếp")
    page.wait_for_selector("#console-live h2:has-text('Hội nghị đã bế mạc')")
    assert page.locator("#hall-request").count() == 0
    assert page.locator("button[data-start-item]").count() == 0

    headers = live_server.api_headers()
    notes = {i: httpx.get(f"{live_server}/api/v1/meetings/{m}/agenda/{i}", headers=headers, timeout=10).json()["notes"] for i in items}
    assert notes[items[1]] == NOTES
    assert not notes[items[0]] and not notes[items[2]]

    # Documents: preview the minutes, issue them (confirmed), download the issued PDF.
    page.click("nav.tabs a:has-text('Văn bản')")
    page.wait_for_selector("nav.tabs [aria-current=page]:has-text('Văn bản')")
    page.locator("a[href$='/documents/minutes/preview']").first.click()
    page.wait_for_selector("button:has-text('Ban hành')")
    page.click("form[action$='/documents/minutes/issue'] button.primary")
    with page.expect_navigation():
        confirm_in_dialog(page, "Văn bản đã ban hành không thể sửa")
    assert "/documents" in page.url
    with page.expect_download() as download_info:
        page.locator("a[href*='/documents/issued/'][href$='.pdf']").first.click()
    pdf_bytes = open(download_info.value.path(), "rb").read()

    from pypdf import PdfReader

    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf_bytes)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "12/12 chỉ tiêu" in text
    # The notes are printed under item 2, not under item 1.
    assert text.upper().index(ITEMS[1].upper()) < text.index("12/12 chỉ tiêu")
    after = text.upper().find(ITEMS[2].upper())  # item 3 (no notes) may not be printed at all
    assert after == -1 or text.index("12/12 chỉ tiêu") < after


def _agenda_of(page: Any) -> list[tuple[str, str]]:
    """(start time, title) of each agenda item, as the page shows them."""
    rows = page.locator("#ag-items li.ag-item")
    return [(r.locator(".ag-time").inner_text().split("·")[0].strip(), r.locator(".ag-title").inner_text())
            for r in rows.all()]


def test_agenda_reorders_by_drag_and_drop_and_with_the_arrow_buttons(live_server: LiveServer, admin_page: Any) -> None:
    starts = (datetime.now(VN_TZ) + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
    m = live_server.api("POST", "/meetings", json={
        "title": "Hội nghị xây dựng chương trình", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "mode": "hybrid",
        "chair": {"full_name": "Trần Minh Hoàng"}, "secretary": {"full_name": "Lê Thị Thu Hà"},
    })["id"]
    ids = [live_server.api("POST", f"/meetings/{m}/agenda", json={"title": t, "kind": "other", "duration_minutes": d})["id"]
           for t, d in (("Khai mạc", 10), ("Báo cáo", 30), ("Thảo luận", 20))]
    page = admin_page
    page.goto(f"{live_server}/meetings/{m}/agenda")
    assert _agenda_of(page) == [("08:00", "Khai mạc"), ("08:10", "Báo cáo"), ("08:40", "Thảo luận")]

    # Drag the last item above the first: the new order is saved and the times follow it.
    page.locator(f"#item-{ids[2]}").drag_to(page.locator(f"#item-{ids[0]}"), target_position={"x": 40, "y": 4})
    expected = [("08:00", "Thảo luận"), ("08:20", "Khai mạc"), ("08:30", "Báo cáo")]
    expect(page.locator("#ag-items .ag-time").first).to_contain_text("08:00", timeout=15000)
    expect(page.locator("#ag-items li.ag-item").nth(1).locator(".ag-time")).to_contain_text("08:20", timeout=15000)
    assert _agenda_of(page) == expected
    assert [i["id"] for i in live_server.api("GET", f"/meetings/{m}/agenda")] == [ids[2], ids[0], ids[1]]

    # The keyboard's buttons still work: "Thảo luận" one place down.
    page.locator(f"form[action$='/agenda/{ids[2]}/move/down'] button").click()
    expect(page.locator("#ag-items .ag-title").first).to_have_text("Khai mạc", timeout=15000)
    assert _agenda_of(page) == [("08:00", "Khai mạc"), ("08:10", "Thảo luận"), ("08:30", "Báo cáo")]
    page.reload()
    assert _agenda_of(page) == [("08:00", "Khai mạc"), ("08:10", "Thảo luận"), ("08:30", "Báo cáo")]


def test_switching_the_notes_to_another_item_saves_the_typed_text_first(live_server: LiveServer, admin_page: Any) -> None:
    m, items = _meeting(live_server)
    live_server.api("POST", f"/meetings/{m}/start")
    live_server.api("POST", f"/meetings/{m}/agenda/{items[0]}/start")
    page = admin_page
    page.goto(f"{live_server}/meetings/{m}/console/")
    page.wait_for_selector(f"form[data-notes][data-item-id='{items[0]}']")
    page.fill("#notes-text", "Ghi chép của nội dung 1, chưa kịp lưu.")
    # At once (before the autosave), open the notes of item 2 from the agenda list.
    page.click(f"a[data-notes-switch='{items[1]}']")
    expect(page.locator(f"form[data-notes][data-item-id='{items[1]}']")).to_be_attached(timeout=15000)
    assert page.locator("#notes-text").input_value() == ""
    notes = {i: live_server.api("GET", f"/meetings/{m}/agenda/{i}")["notes"] for i in items[:2]}
    assert notes == {items[0]: "Ghi chép của nội dung 1, chưa kịp lưu.", items[1]: ""}, notes
