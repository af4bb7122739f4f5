"""In a real browser: the secretariat uploads the externally signed minutes, the clerk
seals them, a site downloads the sealed PDF on a phone, and /verify shows both signatures."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import PROJECT_ROOT, LiveServer, _confmgr, _wait_until_up, free_port, log_in
from tests.integration.signing.conftest import external_sign
from tests.signing_pki import PASSWORD, Pki, make_pki

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def signing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Pki]]:
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    data_dir = tmp_path_factory.mktemp("signing-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_BASE_URL": url,
           "CONFMGR_SECRET_KEY": secrets.token_urlsafe(48), "CONFMGR_TRUST_ROOTS": str(pki.trust_dir),
           "CONFMGR_AGENCY_P12": str(pki.agency.p12), "CONFMGR_AGENCY_P12_PASSWORD": PASSWORD}
    for name in ("CONFMGR_DATABASE_URL", "CONFMGR_REDIS_URL", "CONFMGR_SMTP_URL", "CONFMGR_TSA_URL"):
        env.pop(name, None)
    password = "mật-khẩu-trình-duyệt-" + secrets.token_hex(4)
    _confmgr("users", "create", "--username", "admin", "--role", "admin", env=env, stdin=password + "\n")
    _confmgr("users", "create", "--username", "vanthu", "--role", "clerk", env=env, stdin=password + "\n")
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "confmgr", "serve", "--port", str(port)],
                                   env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        # More patience than the shared fixture: signing loads pyHanko at start.
        _wait_until_up(url, process, log, timeout=120.0)
        yield LiveServer(url, admin_username="admin", admin_password=password, data_dir=data_dir, env=env), pki
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _issued_minutes(server: LiveServer) -> tuple[int, str]:
    h = server.api_headers()
    api = f"{server}/api/v1"
    assert httpx.put(f"{api}/agency", json={"name": "Sở Nội vụ", "parent_name": "Ủy ban nhân dân tỉnh Bình Định",
                                           "abbreviation": "SNV", "place_name": "Bình Định"}, headers=h).status_code == 200
    starts = (datetime.now(VN_TZ) - timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    person = {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở Nội vụ", "organization": "Sở Nội vụ"}
    body = {"title": "Hội nghị giao ban công tác nội vụ", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(), "mode": "hybrid", "venue": "Hội trường Sở",
            "chair": person, "secretary": {"full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng", "organization": "Sở Nội vụ"}}
    mid = httpx.post(f"{api}/meetings", json=body, headers=h).json()["id"]
    site = httpx.post(f"{api}/meetings/{mid}/sites", json={"name": "Điểm cầu UBND xã Phước Lộc", "role": "remote"}, headers=h).json()
    assert httpx.post(f"{api}/meetings/{mid}/start", json={"at": (starts + timedelta(minutes=5)).isoformat()}, headers=h).status_code == 200
    assert httpx.post(f"{api}/meetings/{mid}/end", json={"at": (starts + timedelta(hours=2)).isoformat()}, headers=h).status_code == 200
    r = httpx.post(f"{api}/meetings/{mid}/documents/minutes/issue", headers=h, timeout=60)
    assert r.status_code == 201, r.text
    return mid, str(site["token"])


def _appendix_pdf() -> bytes:
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 760, "PHU LUC: Danh sach dai bieu")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_upload_seal_download_verify(browser: Any, signing_server: tuple[LiveServer, Pki], tmp_path: Path) -> None:
    server, pki = signing_server
    mid, token = _issued_minutes(server)
    h = server.api_headers()
    numbered = httpx.get(f"{server}/api/v1/meetings/{mid}/documents/minutes.pdf", headers=h).content
    signed_file = tmp_path / "bien-ban-da-ky.pdf"
    # Playwright's event loop runs in this thread; pyHanko runs its own in another.
    with ThreadPoolExecutor(1) as pool:
        signed_file.write_bytes(pool.submit(external_sign, numbered, pki.signer).result())

    # The secretariat uploads the file signed with the signer's token.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, server)
    page.goto(f"{server}/meetings/{mid}/documents")
    page.click("#minutes-signing a.btn")
    page.set_input_files("input#s-file", str(signed_file))
    with page.expect_navigation():
        page.click("form:has(input[value=upload]) button")
    assert "Đã lưu tệp đã ký." in page.inner_text("main")
    assert "Trần Minh Hoàng" in page.inner_text("main")
    context.close()

    # The clerk, from the login page, by clicking: the meeting, its documents, the minutes'
    # signing page; seals, then signs an appendix sent as a separate file.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server, "vanthu", server.admin_password)
    page.click(f"a[href='/meetings/{mid}']")
    page.click("nav.tabs a[data-tab=documents]")
    page.click("#minutes-signing a.btn")
    with page.expect_navigation(timeout=120_000):
        page.click("form:has(input[value=seal]) button")
    assert "Đã ký số của cơ quan: sẵn sàng phát hành" in page.inner_text("#stage")
    appendix_file = tmp_path / "phu-luc.pdf"
    appendix_file.write_bytes(_appendix_pdf())
    page.set_input_files("input#a-file", str(appendix_file))
    with page.expect_download(timeout=120_000) as download:
        page.click("form:has(input[value=seal_appendix]) button")
    signed_appendix = tmp_path / "phu-luc-da-ky.pdf"
    download.value.save_as(signed_appendix)
    assert signed_appendix.read_bytes().startswith(appendix_file.read_bytes())
    report = subprocess.run(["pdfsig", str(signed_appendix)], capture_output=True, text=True).stdout
    assert report.count("Signature is Valid.") == 1 and "Sở Nội vụ tỉnh Bình Định" in report, report
    context.close()
    sealed = httpx.get(f"{server}/api/v1/meetings/{mid}/documents/minutes.pdf", headers=h).content
    assert sealed.startswith(signed_file.read_bytes())

    # A site, on a phone, downloads the sealed PDF from its link.
    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{server}/s/{token}")
    with page.expect_download() as download:
        page.click("#issued-documents a")
    saved = tmp_path / "site.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == sealed
    phone.close()

    # /verify, without logging in, shows both signatures.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/verify")
    page.set_input_files("input#v-file", str(saved))
    with page.expect_navigation(timeout=120_000):
        page.click("form[enctype='multipart/form-data'] button")
    shown = page.inner_text("main")
    assert "01/BB-SNV" in shown
    assert "Chữ ký số của người có thẩm quyền: Trần Minh Hoàng" in shown
    assert "Chữ ký số của cơ quan (con dấu): Sở Nội vụ tỉnh Bình Định" in shown
    assert page.locator(".signatures li.verdict-ok").count() == 2
    context.close()
