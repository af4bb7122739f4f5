"""The documents page, the conclusions form, preview, distribution and verification."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.helpers import form_post, login, text_of
from tests.integration.documents.conftest import Built, build_meeting, pdf_text, today_vn


def test_documents_page_shows_due_date_and_issue_flow(client: Any, api: dict[str, str], meeting: Built) -> None:
    login(client)
    page = client.get(f"/meetings/{meeting.id}/documents")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Hạn ban hành thông báo kết luận" in text
    assert 'class="overdue"' not in page.text  # two days after the meeting: not due yet
    preview = client.get(f"/meetings/{meeting.id}/documents/minutes/preview")
    assert preview.status_code == 200
    assert f'data="/meetings/{meeting.id}/documents/minutes.pdf"' in preview.text
    inline = client.get(f"/meetings/{meeting.id}/documents/minutes.pdf")
    assert inline.status_code == 200 and inline.headers["content-disposition"].startswith("inline")

    unconfirmed = form_post(client, f"/meetings/{meeting.id}/documents/minutes/issue", {"issued_on": today_vn().isoformat()})
    assert unconfirmed.status_code == 200 and "Văn bản đã ban hành không thể sửa" in text_of(unconfirmed.text)
    issued = form_post(client, f"/meetings/{meeting.id}/documents/minutes/issue", {"issued_on": today_vn().isoformat(), "confirmed": "1"})
    assert issued.status_code in (302, 303), issued.text
    after = client.get(issued.headers["location"])
    assert "01/BB-SNV" in text_of(after.text)
    assert "0 / 13" in text_of(after.text)
    bad = form_post(client, f"/meetings/{meeting.id}/documents/conclusions/issue",
                    {"issued_on": (meeting.starts.date() - timedelta(days=3)).isoformat(), "confirmed": "1"})
    assert bad.status_code == 422 and "trước ngày" in text_of(bad.text)


def test_overdue_notice_is_red(client: Any, db: Any, api: dict[str, str]) -> None:
    from datetime import datetime

    from confmgr.timeutil import VN_TZ

    old = build_meeting(client, db, api, starts=(datetime.now(VN_TZ) - timedelta(days=20)).replace(hour=8, minute=0, second=0, microsecond=0))
    login(client)
    page = client.get(f"/meetings/{old.id}/documents")
    assert 'class="overdue"' in page.text
    assert client.get(f"/api/v1/meetings/{old.id}/documents/status", headers=api).json()["conclusions_overdue"] is True


def test_documents_page_without_agency_explains(client: Any, db: Any, admin_api: dict[str, str]) -> None:
    built = build_meeting(client, db, admin_api)
    login(client)
    page = client.get(f"/meetings/{built.id}/documents")
    assert page.status_code == 200
    assert "quản trị" in text_of(page.text).lower() and "/admin/agency" in page.text


def test_conclusions_form_page_fragment_rows_and_errors(client: Any, api: dict[str, str], meeting: Built) -> None:
    login(client)
    page = client.get(f"/meetings/{meeting.id}/documents/conclusions")
    assert page.status_code == 200 and "<html" in page.text
    assert "Phòng Tổ chức, biên chế" in page.text
    assert 'value="Điểm cầu UBND huyện An Nhơn" checked' in page.text
    state = client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()
    base = {
        "version": str(state["version"]),
        "title_of_chair": "Giám đốc Sở Nội vụ",
        "conclusions[]": ["Kết luận một.", ""],
        "task_assignee[]": ["Văn phòng Sở"],
        "task_description[]": ["theo dõi"],
        "task_due[]": [""],
        "recipient_sites[]": ["Điểm cầu UBND huyện Phù Cát"],
        "recipients_other": "UBND tỉnh (để b/c)",
        "signer.prefix": "KT.",
        "signer.on_behalf_of": "Giám đốc",
        "signer.title": "Phó Giám đốc",
        "signer.full_name": "Đặng Thị Kim Oanh",
    }
    add = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", {**base, "action": "add_task"}, headers={"HX-Request": "true"})
    assert add.status_code == 200 and "<html" not in add.text
    assert add.text.count('name="task_assignee[]"') == 2
    add_full = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", {**base, "action": "add_conclusion"})
    assert add_full.status_code == 200 and "<html" in add_full.text and add_full.text.count('name="conclusions[]"') == 3

    wrong = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", {**base, "task_assignee[]": [""], "action": "save"})
    assert wrong.status_code == 422 and "Nêu cơ quan chủ trì" in text_of(wrong.text)
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()["version"] == state["version"]

    saved = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", {**base, "action": "save"})
    assert saved.status_code in (302, 303)
    now = client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()
    assert now["conclusions"] == ["Kết luận một."]
    assert now["recipients"] == ["Điểm cầu UBND huyện Phù Cát", "UBND tỉnh (để b/c)"]
    assert now["signer"]["prefix"] == "KT."
    text = pdf_text(client.get(f"/api/v1/meetings/{meeting.id}/documents/conclusions.pdf", headers=api).content)
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Đặng Thị Kim Oanh" in text

    stale = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", {**base, "action": "save"}, headers={"HX-Request": "true"})
    assert stale.status_code == 409 and "<html" not in stale.text


def test_conclusions_api_validation_changes_nothing(client: Any, api: dict[str, str], meeting: Built) -> None:
    before = client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()
    bad = client.put(
        f"/api/v1/meetings/{meeting.id}/conclusions",
        json={"title_of_chair": "x", "conclusions": ["a"], "tasks": [{"assignee": "", "description": "d"}], "recipients": [],
              "signer": {"prefix": "ABC.", "title": "t", "full_name": "n"}},
        headers=api,
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"tasks.0.assignee", "signer.prefix", "signer.on_behalf_of"}
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json() == before
    early = client.put(
        f"/api/v1/meetings/{meeting.id}/conclusions",
        json={"title_of_chair": "x", "tasks": [{"assignee": "A", "description": "d", "due_date": "2000-01-01"}]},
        headers=api,
    )
    assert early.status_code == 422 and "tasks.0.due_date" in early.json()["fields"]
    assert before["due_on"] > meeting.starts.date().isoformat()


def test_sites_download_their_own_documents_only(client: Any, db: Any, api: dict[str, str], meeting: Built) -> None:
    other = build_meeting(client, db, api, title="Hội nghị của đơn vị khác")
    minutes = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/issue", headers=api).json()
    other_doc = client.post(f"/api/v1/meetings/{other.id}/documents/minutes/issue", headers=api).json()

    got = client.get(f"/s/{meeting.token(1)}/documents/{minutes['id']}.pdf")
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == minutes["sha256"]
    assert got.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/s/{meeting.token(1)}/documents/{other_doc['id']}.pdf").status_code == 404
    assert client.get(f"/s/{other.token(1)}/documents/{minutes['id']}.pdf").status_code == 404
    assert client.get(f"/s/not-a-token/documents/{minutes['id']}.pdf").status_code == 404
    listed = client.get("/api/v1/portal/issued-documents", headers={"Authorization": f"Bearer {meeting.token(2)}"})
    assert [d["number"] for d in listed.json()] == ["01/BB-SNV"]
    by_api = client.get(f"/api/v1/portal/issued-documents/{minutes['id']}", headers={"Authorization": f"Bearer {meeting.token(2)}"})
    assert by_api.status_code == 200 and hashlib.sha256(by_api.content).hexdigest() == minutes["sha256"]
    assert client.get(f"/api/v1/portal/issued-documents/{other_doc['id']}", headers={"Authorization": f"Bearer {meeting.token(2)}"}).status_code == 404

    async def downloads(session: Any) -> int:
        from confmgr.documents.models import DocumentDownload

        return int(await session.scalar(select(func.count()).select_from(DocumentDownload)))

    assert db(downloads) == 2
    status = client.get(f"/api/v1/meetings/{meeting.id}/documents/status", headers=api).json()
    stats = status["downloads"][0]
    assert (stats["downloaded"], stats["sites"]) == (2, 13)
    assert meeting.sites[1]["name"] not in stats["not_downloaded"]
    assert meeting.sites[3]["name"] in stats["not_downloaded"]
    login(client)
    page = text_of(client.get(f"/meetings/{meeting.id}/documents").text)
    assert "2 / 13" in page and meeting.sites[3]["name"] in page


def test_portal_fragment_lists_issued_documents(app: Any) -> None:
    from datetime import date

    template = app.template_engine.get_template("documents/_portal_documents.html")

    class Doc:
        id = 7
        kind = "minutes"
        number_text = "01/BB-SNV"
        issued_on = date(2026, 1, 9)
        superseded_at = None

    html = template.render(issued=[Doc()], token="tok<en>")
    assert "/s/tok&lt;en&gt;/documents/7.pdf" in html and "01/BB-SNV" in html


def test_verification_page(client: Any, api: dict[str, str], meeting: Built) -> None:
    out = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/issue", headers=api).json()
    pdf = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api).content
    draft = client.get(f"/api/v1/meetings/{meeting.id}/documents/conclusions.pdf", headers=api).content
    public = client  # no login needed
    page = public.get("/verify")
    assert page.status_code == 200 and "Kiểm tra văn bản" in text_of(page.text)
    from tests.helpers import csrf_token

    token = csrf_token(public)

    def upload(data: bytes) -> Any:
        return public.post("/verify", files={"file": ("vb.pdf", data, "application/pdf")}, data={"_csrf_token": token})

    ok = upload(pdf)
    assert ok.status_code == 200 and "Hợp lệ" in text_of(ok.text) and "01/BB-SNV" in ok.text
    changed = bytearray(pdf)
    changed[-100] ^= 0x01
    bad = upload(bytes(changed))
    assert bad.status_code == 200 and "Không tìm thấy" in text_of(bad.text) and "Hợp lệ" not in text_of(bad.text)
    assert "Không tìm thấy" in text_of(upload(draft).text)  # drafts are never confirmed
    year = today_vn().year
    by_number = public.get("/verify", params={"number": "01/BB-SNV", "year": str(year)})
    assert "Hợp lệ" in text_of(by_number.text) and out["sha256"] in by_number.text
    assert "Không tìm thấy" in text_of(public.get("/verify", params={"number": "01/TB-SNV", "year": str(year)}).text)
    assert public.get("/verify", params={"number": "xyz"}).status_code == 422
    empty = public.post("/verify", files={"file": ("vb.pdf", b"", "application/pdf")}, data={"_csrf_token": token})
    assert empty.status_code == 422
    big = public.post("/verify", files={"file": ("vb.pdf", b"0" * (20 * 1024 * 1024 + 10), "application/pdf")}, data={"_csrf_token": token})
    assert big.status_code == 413
