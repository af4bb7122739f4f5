"""The printable sheet of links and QR codes, its CSV, and the page when mail is not configured."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import segno

from confmgr.timeutil import VN_TZ
from tests.factories import sites_csv
from tests.helpers import form_post, text_of
from tests.integration.invitations.conftest import BASE_URL, add_site, create_meeting


def _meeting(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    starts = datetime(2030, 1, 5, 8, 0, tzinfo=VN_TZ)
    return create_meeting(
        client, headers,
        title="Hội nghị tổng kết năm <b>2029</b>",
        starts_at=starts.isoformat(), ends_at=(starts + timedelta(hours=3, minutes=30)).isoformat(),
        response_deadline=datetime(2030, 1, 2, 17, 0, tzinfo=VN_TZ).isoformat(),
    )


def test_sheet_lists_every_site_with_its_link_and_an_inline_qr_code(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting = _meeting(admin_client, admin_api)
    one = add_site(admin_client, admin_api, meeting["id"], "UBND huyện <script>alert(1)</script>", "a@example.vn")
    two = add_site(admin_client, admin_api, meeting["id"], "UBND xã Cát Tiến & Cát Thành")
    revoked = add_site(admin_client, admin_api, meeting["id"], "UBND xã Nhơn Lý")
    admin_client.post(f"/api/v1/meetings/{meeting['id']}/sites/{revoked['id']}/token/revoke", headers=admin_api)
    # The secretariat works in English; the sheet, made for the sites, stays Vietnamese.
    form_post(admin_client, "/language", {"lang": "en", "next": "/"})

    response = admin_client.get(f"/meetings/{meeting['id']}/invitations/sheet")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="vi">' in html
    assert "@page { size: A4" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>2029</b>" not in html and "&lt;b&gt;2029&lt;/b&gt;" in html
    assert "Cát Tiến &amp; Cát Thành" in html
    text = text_of(html)
    assert "Thời gian: 08:00 – 11:30, ngày 05 tháng 01 năm 2030" in text
    # Nothing of the secretariat's English leaks into it, dates included.
    for english in ("Time:", "January", "Invitation links"):
        assert english not in text, english
    assert "Hạn xác nhận tham dự: 17:00, ngày 02 tháng 01 năm 2030" in text
    assert "Mỗi điểm cầu mở đường liên kết của mình" in text
    assert "xác nhận tham dự trước 17:00, ngày 02 tháng 01 năm 2030" in text
    assert html.count('class="site-card"') == 3
    for site in (one, two):
        assert site["access_url"].startswith(BASE_URL)
        assert f'href="{site["access_url"]}"' in html
        expected = segno.make(site["access_url"], error="m", micro=False).svg_inline(
            scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None
        )
        assert expected in html
    assert revoked["token"] not in html
    assert "Đường liên kết đã bị thu hồi" in text
    assert html.count("<svg") == 2
    # Everything printed is in the page: no image or stylesheet to fetch; the only
    # scripts are the app's own files (the print button), never inline code.
    assert not re.search(r"<(img|link)\b", html)
    assert re.findall(r"<script\b[^>]*>", html) == re.findall(r'<script src="/static/js/[a-z]+\.js" defer>', html)


def test_sheet_csv_for_the_e_office_system(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting = _meeting(admin_client, admin_api)
    one = add_site(admin_client, admin_api, meeting["id"], "UBND huyện Tuy Phước", "tuyphuoc@example.vn")
    tricky = add_site(admin_client, admin_api, meeting["id"], "=HYPERLINK(\"http://x\"), xã Nhơn Hải")
    response = admin_client.get(f"/meetings/{meeting['id']}/invitations/sheet.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["site", "contact", "email", "phone", "link"]
    assert rows[1] == ["UBND huyện Tuy Phước", "Cán bộ UBND huyện Tuy Phước", "tuyphuoc@example.vn", "0905123456", one["access_url"]]
    assert rows[2][0] == "'" + tricky["name"] and rows[2][4] == tricky["access_url"]
    api = admin_client.get(f"/api/v1/meetings/{meeting['id']}/invitations/sheet.csv", headers=admin_api)
    assert api.status_code == 200 and api.content == response.content


def test_sheet_and_csv_are_for_the_secretariat_only(client: Any, admin_api: dict[str, str]) -> None:
    meeting = _meeting(client, admin_api)
    site = add_site(client, admin_api, meeting["id"], "UBND huyện Tuy Phước")
    for url in (f"/meetings/{meeting['id']}/invitations/sheet", f"/meetings/{meeting['id']}/invitations/sheet.csv"):
        response = client.get(url, follow_redirects=False, headers={"Authorization": f"Bearer {site['token']}"})
        assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")
        assert site["token"] not in response.text
    assert client.get(f"/api/v1/meetings/{meeting['id']}/invitations/sheet.csv").status_code == 401


def test_sheet_of_3321_sites_comes_in_pages_of_500(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting = _meeting(admin_client, admin_api)
    imported = admin_client.post(
        f"/api/v1/meetings/{meeting['id']}/sites/import", headers=admin_api,
        files={"file": ("sites.csv", sites_csv(3321), "text/csv")},
    )
    assert imported.status_code == 201, imported.text
    summary = admin_client.get(f"/meetings/{meeting['id']}/invitations").text
    assert f'/meetings/{meeting["id"]}/invitations/sheet?page=7' in summary
    assert "sheet?page=8" not in summary

    first = admin_client.get(f"/meetings/{meeting['id']}/invitations/sheet?page=1")
    assert first.status_code == 200
    assert first.text.count('class="site-card"') == 500
    assert first.text.count("<svg") == 500
    assert "Điểm cầu 1–500 trong tổng số 3321" in text_of(first.text)

    last = admin_client.get(f"/meetings/{meeting['id']}/invitations/sheet?page=7")
    assert last.text.count('class="site-card"') == 321
    assert "Điểm cầu 3001–3321 trong tổng số 3321" in text_of(last.text)
    assert "Điểm cầu xã số 3321" in last.text
    beyond = admin_client.get(f"/meetings/{meeting['id']}/invitations/sheet?page=99")
    assert beyond.text.count('class="site-card"') == 321

    rows = admin_client.get(f"/meetings/{meeting['id']}/invitations/sheet.csv").content.decode("utf-8-sig").splitlines()
    assert len(rows) == 3322


def test_without_mail_the_page_offers_the_sheet_and_the_api_says_409(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting = _meeting(admin_client, admin_api)
    add_site(admin_client, admin_api, meeting["id"], "UBND huyện Tuy Phước", "tuyphuoc@example.vn")
    page = admin_client.get(f"/meetings/{meeting['id']}/invitations")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Máy chủ chưa cấu hình thư điện tử" in text
    assert "/invitations/send" not in page.text
    assert f'/meetings/{meeting["id"]}/invitations/sheet"' in page.text

    response = admin_client.post(f"/api/v1/meetings/{meeting['id']}/invitations/send", headers=admin_api)
    assert response.status_code == 409
    assert "CONFMGR_SMTP_URL" in response.json()["detail"]
    assert admin_client.post(f"/api/v1/meetings/{meeting['id']}/invitations/remind", headers=admin_api).status_code == 409
    posted = form_post(admin_client, f"/meetings/{meeting['id']}/invitations/send")
    assert posted.status_code == 409
    assert "Chưa cấu hình thư điện tử" in text_of(posted.text)
    htmx = form_post(admin_client, f"/meetings/{meeting['id']}/invitations/send", headers={"HX-Request": "true"})
    assert htmx.status_code == 409 and "<html" not in htmx.text and "Chưa cấu hình thư điện tử" in text_of(htmx.text)
    status = admin_client.get(f"/api/v1/meetings/{meeting['id']}", headers=admin_api).json()["status"]
    assert status == "draft"
    summary = admin_client.get(f"/api/v1/meetings/{meeting['id']}/invitations", headers=admin_api).json()
    assert summary["mail_configured"] is False and summary["with_email"] == 1 and summary["invited"] == 0
