"""Issuing the minutes and the notice: numbers, stored bytes, read back with pdfplumber."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from confmgr.timeutil import VN_TZ
from tests.helpers import api_token, make_user
from tests.integration.documents.conftest import (
    MALICIOUS,
    Built,
    build_meeting,
    char_sizes,
    fonts_embedded,
    pdf_text,
    qpdf_check,
    today_vn,
    watermark,
)


def issue(client: Any, headers: dict[str, str], mid: int, kind: str, **body: Any) -> Any:
    return client.post(f"/api/v1/meetings/{mid}/documents/{kind}/issue", json=body or None, headers=headers)


def test_draft_then_issued_minutes_and_notice_read_back(client: Any, api: dict[str, str], meeting: Built, tmp_path: Path) -> None:
    draft = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api)
    assert draft.status_code == 200 and draft.headers["content-type"].startswith("application/pdf")
    assert "DỰTHẢO" in watermark(draft.content)

    minutes = issue(client, api, meeting.id, "minutes")
    assert minutes.status_code == 201, minutes.text
    assert minutes.json()["number"] == "01/BB-SNV"
    notice = issue(client, api, meeting.id, "conclusions")
    assert notice.status_code == 201, notice.text
    assert notice.json()["number"] == "01/TB-SNV"

    pdf = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api).content
    assert hashlib.sha256(pdf).hexdigest() == minutes.json()["sha256"]
    text = pdf_text(pdf)
    assert "Số: 01/BB-SNV" in text
    assert watermark(pdf) == "" and "DỰ THẢO" not in text
    for site in meeting.sites:
        assert site["name"] in text, site["name"]
    for speaker in meeting.speakers:
        assert speaker in text, speaker
    assert MALICIOUS in text
    assert "Người Bị Từ Chối" not in text  # a declined paper is not in the record
    assert "Đề nghị bổ sung biên chế" in text  # a comment from the floor
    assert "Báo cáo được trình bày đầy đủ." in text  # notes
    # The absent delegate under "Vắng mặt:", with the reason and no nested brackets.
    assert "Vắng mặt:" in text and "vắng Phạm Thị Vắng 1" in text and "lý do: đi công tác" in text
    assert "(vắng:" not in text
    assert "Năm 2026 tập trung vận hành chính quyền địa phương hai cấp." in text
    sizes = char_sizes(pdf)
    body = max(set(sizes), key=sizes.count)
    assert 13 <= body <= 14
    assert set(sizes) <= {11.0, 12.0, 13.0, 14.0}
    qpdf_check(pdf, tmp_path)
    assert fonts_embedded(pdf)

    notice_pdf = client.get(f"/api/v1/meetings/{meeting.id}/documents/conclusions.pdf", headers=api).content
    notice_text = pdf_text(notice_pdf)
    assert "Số: 01/TB-SNV" in notice_text and watermark(notice_pdf) == ""
    assert "Kết luận của Giám đốc Sở Nội vụ tại Hội nghị tổng kết công tác nội vụ năm 2025" in notice_text
    assert "Giao Phòng Tổ chức, biên chế chủ trì" in notice_text
    assert "- UBND tỉnh (để b/c);" in notice_text
    qpdf_check(notice_pdf, tmp_path)
    assert fonts_embedded(notice_pdf)

    docx = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.docx", headers=api)
    assert docx.status_code == 200
    from docx import Document

    words = " ".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert MALICIOUS in words

    shown = client.get(f"/api/v1/meetings/{meeting.id}", headers=api).json()
    assert shown["status"] == "documents_issued"


def test_issued_bytes_never_change(client: Any, db: Any, api: dict[str, str], meeting: Built) -> None:
    out = issue(client, api, meeting.id, "minutes").json()
    first = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api).content
    site_first = client.get(f"/s/{meeting.token(1)}/documents/{out['id']}.pdf").content

    async def change(session: Any) -> None:
        from confmgr.agenda.models import AgendaItem, Contribution
        from confmgr.meetings.models import Meeting

        m = await session.get(Meeting, meeting.id)
        m.title = "Tên đã đổi sau khi ban hành"
        item = await session.get(AgendaItem, meeting.items["report"])
        item.notes = "Ghi chú mới"
        paper = await session.get(Contribution, meeting.contributions["presented"])
        paper.summary = "Tóm tắt đã sửa"

    db(change)
    again = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api).content
    by_id = client.get(f"/api/v1/meetings/{meeting.id}/documents/issued/{out['id']}.pdf", headers=api).content
    site_again = client.get(f"/s/{meeting.token(2)}/documents/{out['id']}.pdf").content
    for data in (first, again, by_id, site_first, site_again):
        assert hashlib.sha256(data).hexdigest() == out["sha256"]
    assert again == first
    assert "Tên đã đổi" not in pdf_text(again)


def test_tampered_file_is_refused_not_served(client: Any, db: Any, settings: Any, api: dict[str, str], meeting: Built) -> None:
    out = issue(client, api, meeting.id, "minutes").json()

    async def path(session: Any) -> Path:
        from confmgr.documents.models import IssuedDocument
        from confmgr.files.models import StoredFile

        doc = await session.get(IssuedDocument, out["id"])
        stored = await session.get(StoredFile, doc.pdf_file_id)
        return settings.uploads_dir / stored.storage_key

    file_path = db(path)
    data = bytearray(file_path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit flipped on disk
    file_path.write_bytes(bytes(data))
    response = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api)
    assert response.status_code == 500
    assert "%PDF" not in response.text


def test_numbers_run_per_symbol_and_year_and_corrections_get_new_ones(client: Any, db: Any, api: dict[str, str], meeting: Built) -> None:
    first = issue(client, api, meeting.id, "minutes").json()
    second_meeting = build_meeting(client, db, api, title="Hội nghị giao ban quý IV")
    second = issue(client, api, second_meeting.id, "minutes")
    assert second.json()["number"] == "02/BB-SNV"
    # The notice register is separate.
    assert issue(client, api, second_meeting.id, "conclusions").json()["number"] == "01/TB-SNV"

    # Issuing again without saying "correction" is refused and changes nothing.
    again = issue(client, api, meeting.id, "minutes")
    assert again.status_code == 409
    correction = issue(client, api, meeting.id, "minutes", correction=True, note="Sửa tên đại biểu")
    assert correction.status_code == 201, correction.text
    assert correction.json()["number"] == "03/BB-SNV"
    assert correction.json()["supersedes_id"] == first["id"]
    current = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api)
    assert hashlib.sha256(current.content).hexdigest() == correction.json()["sha256"]
    old = client.get(f"/api/v1/meetings/{meeting.id}/documents/issued/{first['id']}.pdf", headers=api)
    assert old.status_code == 200 and hashlib.sha256(old.content).hexdigest() == first["sha256"]
    status = client.get(f"/api/v1/meetings/{meeting.id}/documents/status", headers=api).json()
    superseded = {d["number"]: d["superseded_at"] for d in status["minutes"]}
    assert superseded["01/BB-SNV"] is not None and superseded["03/BB-SNV"] is None

    async def audit_count(session: Any) -> int:
        from confmgr.audit.models import AuditEntry

        return int(await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "issued_document")))

    assert db(audit_count) == 4


def test_a_new_year_restarts_at_one(client: Any, db: Any, api: dict[str, str]) -> None:
    now = datetime.now(VN_TZ)
    last_year = datetime(now.year - 1, 12, 22, 8, 0, tzinfo=VN_TZ)
    old = build_meeting(client, db, api, starts=last_year, title="Hội nghị cuối năm trước")
    a = issue(client, api, old.id, "minutes", issued_on=f"{now.year - 1}-12-29").json()
    b = issue(client, api, old.id, "conclusions", issued_on=f"{now.year - 1}-12-30").json()
    assert (a["number"], b["number"]) == ("01/BB-SNV", "01/TB-SNV")
    recent = build_meeting(client, db, api, starts=last_year + timedelta(days=1), title="Hội nghị chuyển năm")
    c = issue(client, api, recent.id, "minutes", issued_on=f"{now.year - 1}-12-31").json()
    assert c["number"] == "02/BB-SNV"
    d = issue(client, api, recent.id, "conclusions", issued_on=today_vn().isoformat()).json()
    assert d["number"] == "01/TB-SNV"
    text = pdf_text(client.get(f"/api/v1/meetings/{old.id}/documents/minutes.pdf", headers=api).content)
    assert f"ngày 29 tháng 12 năm {now.year - 1}" in text


def test_issuing_rules(client: Any, db: Any, api: dict[str, str]) -> None:
    running = build_meeting(client, db, api, end=False)
    refused = issue(client, api, running.id, "minutes")
    assert refused.status_code == 409 and refused.json()["detail"]
    ended = build_meeting(client, db, api, title="Hội nghị khác")
    before = (ended.starts - timedelta(days=1)).date().isoformat()
    too_early = issue(client, api, ended.id, "minutes", issued_on=before)
    assert too_early.status_code == 422
    future = issue(client, api, ended.id, "minutes", issued_on=(today_vn() + timedelta(days=3)).isoformat())
    assert future.status_code == 422
    assert issue(client, api, ended.id, "agenda").status_code in (404, 405)
    make_user(db, "xem", "viewer")
    viewer = api_token(client, "xem")
    assert issue(client, viewer, ended.id, "minutes").status_code == 403
    # Nothing was numbered by the refusals: the first issue is still 01.
    assert issue(client, api, ended.id, "minutes").json()["number"] == "01/BB-SNV"


def test_without_agency_issuing_is_refused(client: Any, db: Any, admin_api: dict[str, str]) -> None:
    built = build_meeting(client, db, admin_api)
    response = issue(client, admin_api, built.id, "minutes")
    assert response.status_code == 409
    assert "quản trị" in response.json()["detail"].lower()
    assert client.get(f"/api/v1/meetings/{built.id}/documents/minutes.pdf", headers=admin_api).status_code == 409


def test_failed_issue_leaves_no_file(client: Any, db: Any, settings: Any, api: dict[str, str], meeting: Built) -> None:
    from confmgr.documents.schemas import IssueInput
    from confmgr.documents.services import issue_document

    async def fail(session: Any) -> None:
        from confmgr.accounts.models import User

        user = await session.scalar(select(User).where(User.username == "admin"))
        await issue_document(session, user, settings, meeting.id, "minutes", IssueInput())
        raise RuntimeError("the transaction fails after the file was written")

    before = set(settings.uploads_dir.glob("*")) if settings.uploads_dir.exists() else set()
    try:
        db(fail)
    except RuntimeError:
        pass
    after = set(settings.uploads_dir.glob("*"))
    assert after == before
    assert issue(client, api, meeting.id, "minutes").json()["number"] == "01/BB-SNV"


def _created(pdf: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return str(doc.metadata["CreationDate"])


def test_a_back_dated_document_says_when_it_was_signed_never_before_the_meeting_ended(
    client: Any, db: Any, api: dict[str, str], meeting: Built
) -> None:
    day = meeting.starts.date()  # the meeting ended at 11:10 that day
    early = issue(client, api, meeting.id, "minutes", issued_on=day.isoformat(), issued_time="10:00:00")
    assert early.status_code == 422 and "issued_time" in early.text
    later = datetime.now(VN_TZ) + timedelta(hours=1)
    if later.date() == today_vn():  # not in the future (a run after 23:00 cannot tell)
        ahead = issue(client, api, meeting.id, "minutes", issued_on=later.date().isoformat(), issued_time=f"{later:%H:%M:%S}")
        assert ahead.status_code == 422 and "issued_time" in ahead.text
    minutes = issue(client, api, meeting.id, "minutes", issued_on=day.isoformat())
    assert minutes.status_code == 201, minutes.text
    # Dated the meeting day, no time given: the meeting's end, not midnight.
    assert _created(client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api).content) == (
        f"D:{day:%Y%m%d}111000+07'00'"
    )
    next_day = day + timedelta(days=1)
    notice = issue(client, api, meeting.id, "conclusions", issued_on=next_day.isoformat(), issued_time="09:15:00")
    assert notice.status_code == 201, notice.text
    assert _created(client.get(f"/api/v1/meetings/{meeting.id}/documents/conclusions.pdf", headers=api).content) == (
        f"D:{next_day:%Y%m%d}091500+07'00'"
    )
