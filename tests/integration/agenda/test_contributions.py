"""Contributions (tham luận): registered by the secretariat or sent by a site; papers
readable only by the secretariat and the meeting's own sites."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers import csrf_token, form_post, login, text_of
from tests.integration.agenda.conftest import PDF_BYTES, World, uploaded_files

SPEAKER = {"full_name": "Phạm Thị Yến", "position": "Chủ tịch UBND huyện", "organization": "UBND huyện Hoài Ân"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_secretariat_registers_a_contribution(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    item = world.item(m, "Tham luận của các đơn vị", "contributions")
    site_id, _token = world.site(m, "UBND huyện Hoài Ân")
    response = client.post(
        f"/api/v1/meetings/{m}/contributions",
        json={"agenda_item_id": item, "speaker": SPEAKER, "site_id": site_id, "title": "Kết quả sắp xếp tổ chức bộ máy",
              "summary": "Tóm tắt"},
        headers=admin_api,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["site_id"] == site_id and body["file"] is None
    other = world.meeting()
    foreign_item = world.item(other, "Khác")
    bad = client.post(f"/api/v1/meetings/{m}/contributions",
                      json={"agenda_item_id": foreign_item, "speaker": SPEAKER, "title": "X"}, headers=admin_api)
    assert bad.status_code == 422 and "agenda_item_id" in bad.json()["fields"]
    assert len(client.get(f"/api/v1/meetings/{m}/contributions", headers=admin_api).json()) == 1


def test_secretariat_multipart_with_json_data_and_paper(world: World, client: Any, admin_api: dict[str, str], settings: Any) -> None:
    m = world.meeting()
    data = json.dumps({"speaker": SPEAKER, "title": "Tham luận có tệp"})
    response = client.post(f"/api/v1/meetings/{m}/contributions", data={"data": data},
                           files={"file": ("tham-luan.pdf", PDF_BYTES, "application/pdf")}, headers=admin_api)
    assert response.status_code == 201, response.text
    assert response.json()["file"]["name"] == "tham-luan.pdf"
    assert len(uploaded_files(settings)) == 1
    # A bad field stores no file either.
    bad = client.post(f"/api/v1/meetings/{m}/contributions", data={"data": json.dumps({"speaker": SPEAKER, "title": ""})},
                      files={"file": ("b.pdf", PDF_BYTES, "application/pdf")}, headers=admin_api)
    assert bad.status_code == 422
    assert len(uploaded_files(settings)) == 1


def test_site_submits_through_the_portal_api(world: World, client: Any, admin_api: dict[str, str], settings: Any) -> None:
    m = world.meeting()
    site_id, token = world.site(m, "UBND huyện Vân Canh")
    response = client.post("/api/v1/portal/contributions",
                           data={"speaker.full_name": "Lê Thị Ửng", "speaker.position": "Phó Chủ tịch", "title": "Chuyển đổi số cấp xã"},
                           files={"file": ("../../chuyen-doi-so.docx", _docx(), "application/octet-stream")}, headers=_bearer(token))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted" and body["site_id"] == site_id and body["file"]["name"] == "chuyen-doi-so.docx"
    json_body = client.post("/api/v1/portal/contributions", json={"speaker": {"full_name": "Lê Thị Ửng"}, "title": "Bài thứ hai"},
                            headers=_bearer(token))
    assert json_body.status_code == 201
    # Renamed executables are refused and leave nothing behind.
    refused = client.post("/api/v1/portal/contributions", data={"speaker.full_name": "A", "title": "B"},
                          files={"file": ("x.pdf", b"MZ\x90\x00" + b"\0" * 60, "application/pdf")}, headers=_bearer(token))
    assert refused.status_code == 415
    assert len(uploaded_files(settings)) == 1
    assert len(client.get(f"/api/v1/meetings/{m}/contributions", headers=admin_api).json()) == 2
    assert client.post("/api/v1/portal/contributions", json={"speaker": {"full_name": "A"}, "title": "B"}).status_code == 401


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_papers_are_isolated_between_meetings_and_sites(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m_a, m_b = world.meeting(), world.meeting()
    _a1, token_a1 = world.site(m_a, "UBND huyện Tuy Phước")
    _a2, token_a2 = world.site(m_a, "UBND huyện Phù Mỹ")
    _b1, token_b1 = world.site(m_b, "UBND huyện An Lão")
    item_b = world.item(m_b, "Tham luận", "contributions")
    paper = client.post("/api/v1/portal/contributions", data={"speaker.full_name": "Huỳnh Văn Lực", "title": "Bài của Tuy Phước"},
                        files={"file": ("bai.pdf", PDF_BYTES, "application/pdf")}, headers=_bearer(token_a1))
    cid = paper.json()["id"]
    url = f"/s/{{}}/contributions/{cid}/file"
    assert client.get(url.format(token_a1)).status_code == 200  # its own, not yet accepted
    assert client.get(url.format(token_a2)).status_code == 404  # same meeting, not accepted yet
    assert client.get(url.format(token_b1)).status_code == 404  # another meeting
    accepted = client.put(f"/api/v1/meetings/{m_a}/contributions/{cid}/status", json={"status": "accepted"}, headers=admin_api)
    assert accepted.status_code == 200
    downloaded = client.get(url.format(token_a2))
    assert downloaded.status_code == 200 and downloaded.content == PDF_BYTES
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["content-disposition"].startswith("attachment")
    assert client.get(url.format(token_b1)).status_code == 404  # still another meeting's
    # A site cannot file a paper under another meeting's agenda.
    cross = client.post("/api/v1/portal/contributions",
                        json={"agenda_item_id": item_b, "speaker": {"full_name": "X"}, "title": "Y"}, headers=_bearer(token_a1))
    assert cross.status_code == 422
    assert len(client.get(f"/api/v1/meetings/{m_b}/contributions", headers=admin_api).json()) == 0


def test_portal_form_submits_a_paper_without_javascript(world: World, client: Any, admin_api: dict[str, str], settings: Any) -> None:
    m = world.meeting()
    _site, token = world.site(m, "UBND huyện Tây Sơn")
    page = client.get(f"/s/{token}/now")
    assert page.status_code == 200 and "Gửi bài tham luận" in text_of(page.text)
    sent = client.post(f"/s/{token}/contributions",
                       data={"_csrf_token": csrf_token(client), "title": "Tham luận <Tây Sơn>", "speaker.full_name": "Nguyễn Đình Khải"},
                       files={"file": ("tay-son.pdf", PDF_BYTES, "application/pdf")}, follow_redirects=False)
    assert sent.status_code in (302, 303), sent.text
    after = client.get(sent.headers["location"])
    assert "Tham luận &lt;Tây Sơn&gt;" in after.text and "Đã gửi bài tham luận" in text_of(after.text)
    bad = client.post(f"/s/{token}/contributions", data={"_csrf_token": csrf_token(client), "title": "", "speaker.full_name": ""},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "<html" not in bad.text and 'id="contribute"' in bad.text
    assert len(uploaded_files(settings)) == 1
    no_csrf = client.post(f"/s/{token}/contributions", data={"title": "A", "speaker.full_name": "B"})
    assert no_csrf.status_code == 403


def test_secretariat_accepts_and_orders_on_the_page(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    _site, token = world.site(m, "UBND huyện Phù Cát")
    ids = [client.post("/api/v1/portal/contributions", json={"speaker": {"full_name": n}, "title": t}, headers=_bearer(token)).json()["id"]
           for n, t in (("Võ Thị Ngọc Ánh", "Bài một"), ("Đinh Văn Thương", "Bài hai"))]
    login(client)
    fragment = form_post(client, f"/meetings/{m}/contributions/{ids[0]}/status/accepted", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="contributions"' in fragment.text
    assert "Đã chấp nhận" in text_of(fragment.text)
    full = form_post(client, f"/meetings/{m}/contributions/{ids[1]}/move/up")
    assert full.status_code in (302, 303)
    listed = client.get(f"/api/v1/meetings/{m}/contributions", headers=admin_api).json()
    assert [c["id"] for c in listed] == [ids[1], ids[0]]
    assert [c["status"] for c in listed] == ["submitted", "accepted"]
    registered = form_post(client, f"/meetings/{m}/contributions", {"title": "", "speaker.full_name": ""})
    assert registered.status_code == 422 and "Nhập tiêu đề bài tham luận" in text_of(registered.text)


def test_ended_meeting_takes_no_more_from_sites(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    _site, token = world.site(m, "UBND huyện Hoài Ân")
    world.start_meeting(m)
    assert client.post(f"/api/v1/meetings/{m}/end", headers=admin_api).status_code == 200
    refused = client.post("/api/v1/portal/speak-requests", json={"speaker": {"full_name": "A"}}, headers=_bearer(token))
    assert refused.status_code == 409
    assert client.get(f"/api/v1/meetings/{m}/speak-requests", headers=admin_api).json() == []
