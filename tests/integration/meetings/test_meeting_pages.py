from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from confmgr.timeutil import VN_TZ, vn_date
from tests.factories import meeting_form
from tests.helpers import form_post, login, make_user, text_of


def _create(client: Any, **overrides: Any) -> int:
    response = form_post(client, "/meetings/new", meeting_form(**overrides))
    assert response.status_code in (302, 303), text_of(response.text)
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_create_show_and_edit_meeting(admin_client: Any) -> None:
    meeting_id = _create(admin_client, title="Hội nghị giao ban quý IV")
    page = admin_client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Hội nghị giao ban quý IV" in text
    assert "Dự thảo" in text  # status draft, in Vietnamese
    assert "Trực tiếp kết hợp trực tuyến" in text
    edit = form_post(admin_client, f"/meetings/{meeting_id}/edit", meeting_form(title="Hội nghị giao ban quý IV năm 2026"))
    assert edit.status_code in (302, 303)
    assert "Hội nghị giao ban quý IV năm 2026" in admin_client.get(f"/meetings/{meeting_id}").text


def test_meeting_ending_before_it_starts_is_refused_and_keeps_what_was_typed(admin_client: Any) -> None:
    form = meeting_form(title="Hội nghị <thử> & kiểm tra")
    form["ends_at"], form["starts_at"] = form["starts_at"], form["ends_at"]
    response = form_post(admin_client, "/meetings/new", form)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Thời gian kết thúc phải sau thời gian bắt đầu" in text
    # What the person typed is still in the form, escaped.
    assert 'value="Hội nghị &lt;thử&gt; &amp; kiểm tra"' in response.text
    assert "0 hội nghị" in text_of(admin_client.get("/meetings").text)


def test_missing_chair_is_a_field_error(admin_client: Any) -> None:
    response = form_post(admin_client, "/meetings/new", meeting_form(**{"chair.full_name": ""}))
    assert response.status_code == 422
    assert 'id="e-chair.full_name"' in response.text


def test_viewer_cannot_create_or_edit(client: Any, db: Any, admin: int) -> None:
    make_user(db, "nguoixem", "viewer")
    login(client, "nguoixem")
    assert client.get("/meetings/new").status_code == 403
    response = form_post(client, "/meetings/new", meeting_form())
    assert response.status_code == 403
    assert "chỉ được xem" in text_of(response.text)
    assert "0 hội nghị" in text_of(client.get("/meetings").text)


def test_search_is_accent_insensitive_and_htmx_gets_the_fragment(admin_client: Any) -> None:
    _create(admin_client, title="Hội nghị tổng kết năm 2026")
    _create(admin_client, title="Họp giao ban tháng 11")
    full = admin_client.get("/meetings", params={"q": "tong ket"})
    assert "<html" in full.text
    assert "Hội nghị tổng kết năm 2026" in full.text and "Họp giao ban" not in full.text
    fragment = admin_client.get("/meetings", params={"q": "GIAO BAN"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Họp giao ban tháng 11" in fragment.text and "tổng kết" not in fragment.text


def test_search_by_date(admin_client: Any) -> None:
    from tests.factories import future

    early = future(days=10)
    late = future(days=60)
    _create(admin_client, title="Sớm", starts_at=early.strftime("%Y-%m-%dT%H:%M"), ends_at=early.replace(hour=11).strftime("%Y-%m-%dT%H:%M"))
    _create(admin_client, title="Muộn", starts_at=late.strftime("%Y-%m-%dT%H:%M"), ends_at=late.replace(hour=11).strftime("%Y-%m-%dT%H:%M"))
    page = admin_client.get("/meetings", params={"date_from": late.date().isoformat()})
    assert "Muộn" in page.text and "Sớm" not in page.text


def _soon(minutes: int = 30) -> str:
    return (datetime.now(VN_TZ) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def test_status_steps_follow_the_rules(admin_client: Any) -> None:
    meeting_id = _create(admin_client, starts_at=_soon(), ends_at=_soon(240))
    # Invitations need a site first.
    refused = form_post(admin_client, f"/meetings/{meeting_id}/status/invite")
    assert refused.status_code == 409
    assert "Cần thêm ít nhất một điểm cầu" in text_of(refused.text)
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện Tuy Phước", "role": "remote"})
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/invite").status_code in (302, 303)
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/end", {"confirmed": "1"}).status_code == 409
    # Starting asks first (a second step without JavaScript) and changes nothing until confirmed.
    asked = form_post(admin_client, f"/meetings/{meeting_id}/status/start")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.text
    assert "Trang của mọi điểm cầu chuyển sang theo dõi trực tiếp" in text_of(asked.text)
    assert "Đã mời" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/start", {"confirmed": "1"}).status_code in (302, 303)
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/end", {"confirmed": "1"}).status_code in (302, 303)
    assert "Đã kết thúc" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)


def test_copy_meeting_with_its_sites(admin_client: Any) -> None:
    meeting_id = _create(admin_client, title="Hội nghị năm 2026")
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện Phù Cát", "role": "remote", "contact.email": "phucat@example.vn"})
    copy_page = admin_client.get(f"/meetings/{meeting_id}/copy")
    assert copy_page.status_code == 200
    from tests.factories import future

    response = form_post(admin_client, f"/meetings/{meeting_id}/copy", {"title": "Hội nghị năm 2027", "starts_at": future(400).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code in (302, 303)
    copy_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert copy_id != meeting_id
    page = text_of(admin_client.get(f"/meetings/{copy_id}").text)
    assert "Hội nghị năm 2027" in page and "UBND huyện Phù Cát" in page and "Dự thảo" in page


def test_unknown_meeting_is_a_vietnamese_404(admin_client: Any) -> None:
    response = admin_client.get("/meetings/999999")
    assert response.status_code == 404
    assert "Không tìm thấy hội nghị" in text_of(response.text)


def test_unknown_page_is_a_vietnamese_404(client: Any) -> None:
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Trang bạn yêu cầu không tồn tại" in text_of(response.text)


def test_audit_log_shows_changes_to_admins_only(admin_client: Any, db: Any) -> None:
    meeting_id = _create(admin_client, title="Trước")
    form_post(admin_client, f"/meetings/{meeting_id}/edit", meeting_form(title="Sau"))
    log = admin_client.get(f"/meetings/{meeting_id}/audit")
    assert log.status_code == 200
    assert "<del>Trước</del>" in log.text and "<ins>Sau</ins>" in log.text
    make_user(db, "thuky", "secretary")
    form_post(admin_client, "/logout")
    login(admin_client, "thuky")
    assert admin_client.get(f"/meetings/{meeting_id}/audit").status_code == 403


def test_english_is_available(admin_client: Any) -> None:
    form_post(admin_client, "/language", {"lang": "en", "next": "/meetings"})
    page = admin_client.get("/meetings")
    assert '<html lang="en">' in page.text
    assert "New meeting" in page.text


def test_pages_offer_changes_only_while_the_record_is_open(admin_client: Any, admin_api: dict[str, str], db: Any) -> None:
    """One rule (Meeting.record_open) for the services and the pages: once the documents
    are issued, the meeting, its sites, agenda and materials show no change buttons."""
    meeting_id = _create(admin_client)
    site = admin_client.post(f"/api/v1/meetings/{meeting_id}/sites", json={"name": "UBND huyện Tuy Phước"}, headers=admin_api)
    assert site.status_code == 201, site.text
    site_delete = f'/meetings/{meeting_id}/sites/{site.json()["id"]}/delete'
    edit_link = f'href="/meetings/{meeting_id}/edit"'
    upload_form = f'action="/meetings/{meeting_id}/materials"'

    def shown() -> tuple[bool, bool, bool]:
        page = admin_client.get(f"/meetings/{meeting_id}").text
        agenda = admin_client.get(f"/meetings/{meeting_id}/agenda").text
        return edit_link in page, site_delete in page, upload_form in agenda

    assert shown() == (True, True, True)

    async def issue(session: Any) -> None:
        from confmgr.meetings.models import Meeting

        (await session.get(Meeting, meeting_id)).status = "documents_issued"

    db(issue)
    assert shown() == (False, False, False)


def _start_form(page: str, action: str) -> tuple[str, str]:
    """The start form's confirmation text and its button's classes."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*data-confirm="([^"]*)"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no start form posting to {action}"
    button = re.search(r'<button class="([^"]*)" data-step="start"', form.group(2))
    assert button
    return html.unescape(form.group(1)), button.group(1)


@pytest.mark.parametrize("days", [28, -3], ids=["a_month_early", "days_late"])
def test_starting_off_schedule_is_secondary_and_names_the_date(admin_client: Any, days: int) -> None:
    starts = (datetime.now(VN_TZ) + timedelta(days=days)).replace(hour=8, minute=0, second=0, microsecond=0)
    meeting_id = _create(admin_client, starts_at=starts.strftime("%Y-%m-%dT%H:%M"),
                         ends_at=(starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện Tuy Phước", "role": "remote"})
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/invite").status_code in (302, 303)
    when = f"Hội nghị dự kiến khai mạc lúc 08:00, {vn_date(starts)}"
    expected = f"{when} — còn {days} ngày. Khai mạc ngay bây giờ?" if days > 0 else f"{when} — đã qua {-days} ngày. Khai mạc ngay bây giờ?"
    for page_url, action in ((f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/status/start"),
                             (f"/meetings/{meeting_id}/console/", f"/meetings/{meeting_id}/console/status/start")):
        question, classes = _start_form(admin_client.get(page_url).text, action)
        assert question == expected, page_url
        assert "primary" not in classes.split(), page_url
        # Without JavaScript the second step asks the same.
        asked = form_post(admin_client, action)
        assert asked.status_code == 200 and expected in text_of(asked.text)
    assert "Đã mời" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)

    form_post(admin_client, "/language", {"lang": "en", "next": "/"})
    question, _classes = _start_form(admin_client.get(f"/meetings/{meeting_id}").text, f"/meetings/{meeting_id}/status/start")
    assert question.startswith("The meeting ") and f"{starts.day} {starts:%B} {starts.year}" in question, question
    assert "ngày" not in question


def test_starting_on_schedule_is_the_primary_step(admin_client: Any) -> None:
    meeting_id = _create(admin_client, starts_at=_soon(120), ends_at=_soon(300))
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện Tuy Phước", "role": "remote"})
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/invite").status_code in (302, 303)
    for page_url, action in ((f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/status/start"),
                             (f"/meetings/{meeting_id}/console/", f"/meetings/{meeting_id}/console/status/start")):
        question, classes = _start_form(admin_client.get(page_url).text, action)
        assert "primary" in classes.split() and "Trang của mọi điểm cầu chuyển sang theo dõi trực tiếp" in question


def test_archiving_needs_a_confirmation(admin_client: Any) -> None:
    meeting_id = _create(admin_client, starts_at=_soon(), ends_at=_soon(240))
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện Tuy Phước", "role": "remote"})
    for action in ("invite", "start", "end"):
        assert form_post(admin_client, f"/meetings/{meeting_id}/status/{action}", {"confirmed": "1"}).status_code in (302, 303)
    page = admin_client.get(f"/meetings/{meeting_id}").text
    form = re.search(rf'<form[^>]*action="/meetings/{meeting_id}/status/archive"[^>]*data-confirm="([^"]*)"', page)
    assert form and "Lưu trữ hội nghị?" in html.unescape(form.group(1))
    asked = form_post(admin_client, f"/meetings/{meeting_id}/status/archive")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.text
    assert "Lưu trữ hội nghị?" in text_of(asked.text)
    assert "Đã kết thúc" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)
    done = form_post(admin_client, f"/meetings/{meeting_id}/status/archive", {"confirmed": "1"})
    assert done.status_code in (302, 303)
    assert "Đã lưu trữ" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)
