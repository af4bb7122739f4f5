"""The change log reads as sentences: action names in Vietnamese, people and sites by
name, local time, old → new as text; English pages show English dates."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import meeting_form
from tests.helpers import form_post, login, text_of
from tests.integration.documents.conftest import Built, api, meeting  # noqa: F401
from tests.integration.signing.conftest import external_sign, issue, pdf_of, upload_signed
from tests.signing_pki import Pki, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def env_overrides(pki: Pki) -> dict[str, str]:
    return {"CONFMGR_TRUST_ROOTS": str(pki.trust_dir)}


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


INTERNALS = ("None", "{'", "sha256", "issued_document", "item:", "external", "numbered", "signed ·", "+00:00")


def test_documents_signing_and_minutes_edits_read_as_text(client: Any, db: Any, api: dict[str, str], meeting: Built,
                                                          pki: Pki) -> None:
    async def rename(session: Any) -> None:
        from sqlalchemy import update

        from confmgr.accounts.models import User
        from confmgr.audit.services import record

        await session.execute(update(User).where(User.username == "admin").values(full_name="Nguyễn Thị Quản Trị"))
        record(session, None, "invitation_results", "meeting", meeting.id, meeting_id=meeting.id, changes={"sent": 3})

    db(rename)
    login(client)
    url = f"/meetings/{meeting.id}/documents/minutes"
    report = f"item:{meeting.items['report']}:notes"
    saved = form_post(client, url, {"version": "0", f"section:{report}": "Đại biểu thống nhất."},
                      headers={"Accept": "application/json"})
    assert saved.status_code == 200, saved.text
    out = issue(client, api, meeting.id, "minutes")
    signed = upload_signed(client, api, meeting.id, external_sign(pdf_of(client, api, meeting.id), pki.signer))
    assert signed.status_code == 201, signed.text

    text = text_of(client.get(f"/meetings/{meeting.id}/audit").text).replace(" :", ":")
    number = out["number"]
    assert "Sửa dự thảo biên bản" in text
    assert "Các phần đã sửa: Ghi chép («Báo cáo tổng kết công tác năm 2025»)" in text
    assert f"Ban hành «Biên bản số {number}»" in text
    assert f"Số, ký hiệu: {number}" in text and "Loại: Biên bản" in text
    assert re.search(r"Ngày ban hành: ngày \d\d tháng \d\d năm \d{4}", text)
    assert f"Ký số «Biên bản số {number}»" in text
    assert "Tình trạng ký số: Đã ký" in text and "Cách ký: Ký ngoài hệ thống rồi tải lên" in text
    assert "Người ký: Trần Minh Hoàng" in text
    assert "Nguyễn Thị Quản Trị" in text  # the person by full name, not the username
    assert "Hệ thống" in text and "system" not in text  # the system in words
    assert not re.search(r"\b[0-9a-f]{64}\b", text), "a hash is shown"
    for internal in INTERNALS:
        assert internal not in text, internal

    form_post(client, "/language", {"lang": "en", "next": "/"})
    english = text_of(client.get(f"/meetings/{meeting.id}/audit").text).replace(" :", ":")
    assert f"Issued «Minutes number {number}»" in english and "Edited the draft minutes" in english
    assert "Signed how: Signed outside confmgr and uploaded" in english and "The system" in english
    assert re.search(r"Date of issue: \d{1,2} (January|February|March|April|May|June|July|August|September|October"
                     r"|November|December) \d{4}", english)
    assert "ngày" not in english
