"""The change log reads as sentences: action names in Vietnamese, people and sites by
name, local time, old → new as text; English pages show English dates."""

from __future__ import annotations

from typing import Any

from tests.factories import meeting_form
from tests.helpers import form_post, text_of


def test_change_log_is_readable(admin_client: Any) -> None:
    created = form_post(admin_client, "/meetings/new", meeting_form(title="Hội nghị giao ban quý IV"))
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    form_post(admin_client, f"/meetings/{meeting_id}/edit", meeting_form(title="Hội nghị giao ban quý IV năm 2026"))
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện Tuy Phước", "role": "remote"})
    form_post(admin_client, f"/meetings/{meeting_id}/status/invite")
    page = admin_client.get(f"/meetings/{meeting_id}/audit")
    assert page.status_code == 200
    text = text_of(page.text).replace(" :", ":")
    assert "Tạo hội nghị" in text
    assert "Sửa thông tin hội nghị" in text
    assert "Tên hội nghị: Hội nghị giao ban quý IV → Hội nghị giao ban quý IV năm 2026" in text
    assert "Thêm điểm cầu «UBND huyện Tuy Phước»" in text
    assert "Chuyển hội nghị sang trạng thái đã mời" in text
    assert "Trạng thái: Dự thảo → Đã mời" in text
    assert ", ngày " in text and "tháng" in text  # local time, Vietnamese date
    for internal in ("None", "site #", "{'", "create ·", "update ·", "+00:00", "T08:00"):
        assert internal not in text, internal


def test_english_pages_show_english_dates(admin_client: Any) -> None:
    created = form_post(admin_client, "/meetings/new", meeting_form(title="Hội nghị giao ban"))
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    form_post(admin_client, "/language", {"lang": "en", "next": "/"})
    text = text_of(admin_client.get(f"/meetings/{meeting_id}").text)
    assert "Starts" in text and "ngày" not in text and "tháng" not in text
    assert any(month in text for month in ("January", "February", "March", "April", "May", "June", "July",
                                           "August", "September", "October", "November", "December"))
