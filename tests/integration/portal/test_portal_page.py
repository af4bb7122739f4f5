"""The site's page, as a site contact opens it on a phone from the link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from confmgr.timeutil import VN_TZ
from tests.helpers import text_of
from tests.integration.portal.conftest import add_site, create_meeting


def test_page_shows_the_meeting_and_the_site_in_vietnamese(client: Any, admin_api: dict[str, str]) -> None:
    starts = datetime(2026, 12, 28, 8, 0, tzinfo=VN_TZ)
    meeting_id = create_meeting(
        client, admin_api, starts_at=starts.isoformat(), ends_at=starts.replace(hour=11).isoformat(),
        response_deadline=starts.replace(day=24, hour=17).isoformat(),
        description="Đề nghị các điểm cầu kết nối trước 07 giờ 30.",
    )
    site = add_site(client, admin_api, meeting_id, "UBND huyện Phù Cát")
    response = client.get(site.url)
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    page = text_of(response.text)
    assert "UBND huyện Phù Cát" in page
    assert "Hội nghị tổng kết công tác nội vụ năm 2026" in page
    assert "08:00, ngày 28 tháng 12 năm 2026" in page
    assert "Hạn xác nhận 17:00, ngày 24 tháng 12 năm 2026" in page
    assert "Hội trường UBND tỉnh" in page
    assert "Trần Minh Hoàng, Giám đốc Sở Nội vụ" in page
    assert "Đề nghị các điểm cầu kết nối trước 07 giờ 30." in page
    assert "Chưa trả lời" in page
    assert "Điểm cầu có tham dự không?" in page
    # The link is private: never sent on as a Referer, never cached, never indexed.
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in response.headers["cache-control"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.text
    # Forms are CSRF-protected: the cookie is set here, every form carries the token.
    assert client.cookies.get("confmgr_csrf")
    assert response.text.count('name="_csrf_token"') >= 3


def test_htmx_request_gets_only_the_answer_fragment(client: Any, site: Any) -> None:
    response = client.get(site.url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="portal-answer"' in response.text
    assert "Xác nhận của điểm cầu" in text_of(response.text)


def test_agenda_in_order_and_published_documents_only(client: Any, site: Any, db: Any, add_document: Any) -> None:
    async def agenda(session: Any) -> None:
        from confmgr.agenda.models import AgendaItem

        session.add_all([
            AgendaItem(meeting_id=site.meeting_id, sort_order=2, title="Báo cáo tổng kết công tác năm 2026",
                       kind="report", presenter={"full_name": "Nguyễn Văn Bình", "position": "Phó Giám đốc Sở"}),
            AgendaItem(meeting_id=site.meeting_id, sort_order=1, title="Khai mạc hội nghị", kind="opening"),
            AgendaItem(meeting_id=site.meeting_id, sort_order=3, title="Phát biểu chỉ đạo", kind="speech", duration_minutes=20),
        ])

    db(agenda)
    shown = add_document(site.meeting_id, "Báo cáo tổng kết năm 2026", b"%PDF-1.7 report")
    hidden = add_document(site.meeting_id, "Dự thảo nội bộ", b"%PDF-1.7 draft", published=False)
    page = text_of(client.get(site.url).text)
    assert page.index("Khai mạc hội nghị") < page.index("Báo cáo tổng kết công tác năm 2026") < page.index("Phát biểu chỉ đạo")
    assert "Nguyễn Văn Bình, Phó Giám đốc Sở" in page
    assert "20 phút" in page
    html = client.get(site.url).text
    assert f"/s/{site.token}/materials/{shown}" in html
    assert "Dự thảo nội bộ" not in html and f"/materials/{hidden}" not in html


def test_empty_agenda_and_no_documents_say_so(client: Any, site: Any) -> None:
    page = text_of(client.get(site.url).text)
    assert "Văn phòng chưa công bố chương trình hội nghị." in page
    assert "Chưa có tài liệu." in page


def test_download_serves_the_stored_bytes_as_attachment(client: Any, site: Any, add_document: Any) -> None:
    content = b"%PDF-1.7 tai lieu hoi nghi" * 10
    doc = add_document(site.meeting_id, "Báo cáo", content, name="Báo cáo tổng kết.pdf")
    response = client.get(f"{site.url}/materials/{doc}")
    assert response.status_code == 200
    assert response.content == content
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "B%C3%A1o%20c%C3%A1o" in disposition
    assert response.headers["content-type"].startswith("application/pdf")


def test_user_text_is_escaped(client: Any, admin_api: dict[str, str]) -> None:
    meeting_id = create_meeting(client, admin_api, title="Hội nghị <script>alert(1)</script>")
    site = add_site(client, admin_api, meeting_id, "UBND xã <b>Cát Hải</b>")
    html = client.get(site.url).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>Cát Hải</b>" not in html


def test_page_is_in_english_when_chosen(client: Any, site: Any) -> None:
    client.cookies.set("lang", "en")
    page = text_of(client.get(site.url).text)
    assert "Will your site attend?" in page
    assert "UBND xã Tuy Phước" in page


def test_live_view_comes_first_only_while_the_meeting_is_under_way(client: Any, admin_api: dict[str, str], site: Any) -> None:
    before = client.get(site.url).text
    assert before.index('id="portal-answer"') < before.index('id="live"')
    assert client.post(f"/api/v1/meetings/{site.meeting_id}/start", headers=admin_api).status_code == 200
    during = client.get(site.url).text
    assert during.index('id="live"') < during.index('id="portal-answer"')
    assert during.count('id="live"') == 1


def test_issued_minutes_are_offered_on_the_page(client: Any, site: Any, db: Any, add_document: Any) -> None:
    document_id = add_document(site.meeting_id, "Bản lưu", b"%PDF-1.7 bb")

    async def issue(session: Any) -> int:
        from datetime import date

        from confmgr.agenda.models import MeetingMaterial
        from confmgr.documents.models import IssuedDocument

        attachment = await session.get(MeetingMaterial, document_id)
        row = IssuedDocument(
            meeting_id=site.meeting_id, kind="minutes", symbol="BB-SNV", year=2026, number=5, number_text="05/BB-SNV",
            issued_on=date(2026, 12, 29), title="Biên bản hội nghị", sha256="0" * 64, size=11,
            pdf_file_id=attachment.file_id,
        )
        session.add(row)
        await session.flush()
        return int(row.id)

    issued_id = db(issue)
    html = client.get(site.url).text
    assert f"/s/{site.token}/documents/{issued_id}.pdf" in html
    assert "05/BB-SNV" in text_of(html)
