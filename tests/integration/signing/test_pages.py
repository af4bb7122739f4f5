"""The signing pages: the documents page shows where each document stands, the signing
page takes an upload and the clerk's seal, /verify shows each signature."""

from __future__ import annotations

from typing import Any

from tests.helpers import csrf_token, login, make_user, text_of
from tests.integration.signing.conftest import Built, external_sign, issue, pdf_of
from tests.signing_pki import Pki


def _post_file(client: Any, url: str, data: dict[str, str], name: str, content: bytes) -> Any:
    payload = {"_csrf_token": csrf_token(client), **data}
    return client.post(url, data=payload, files={name: ("f.pdf", content, "application/pdf")}, follow_redirects=False)


def test_upload_seal_and_verify_pages(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki) -> None:
    issue(client, api, meeting.id, "conclusions")
    numbered = pdf_of(client, api, meeting.id, "conclusions")
    login(client)
    page = client.get(f"/meetings/{meeting.id}/documents")
    assert page.status_code == 200
    assert "Đã cấp số, chưa ký số" in text_of(page.text)
    url = f"/meetings/{meeting.id}/documents/conclusions/signing"

    # A wrong file: a clear Vietnamese error, nothing stored.
    r = _post_file(client, url, {"action": "upload"}, "file", numbered[:-200] + b"x" * 200)
    assert r.status_code == 422 and "không" in text_of(r.text).lower()
    assert "Đã cấp số, chưa ký số" in text_of(r.text)

    signed = external_sign(numbered, pki.signer)
    r = _post_file(client, url, {"action": "upload"}, "file", signed)
    assert r.status_code in (302, 303), r.text
    shown = text_of(client.get(r.headers["location"]).text)
    assert "Đã lưu tệp đã ký." in shown and "Trần Minh Hoàng" in shown and "Người có thẩm quyền đã ký" in shown

    # The secretary sees no seal button; the clerk does and seals.
    assert 'value="seal"' not in client.get(url).text
    client.cookies.clear()
    make_user(db, "vanthu", "clerk")
    login(client, "vanthu")
    page = client.get(url)
    assert 'value="seal"' in page.text
    r = client.post(url, data={"_csrf_token": csrf_token(client), "action": "seal"}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    shown = text_of(client.get(r.headers["location"]).text)
    assert "Đã ký số của cơ quan: sẵn sàng phát hành" in shown and "Sở Nội vụ tỉnh Bình Định" in shown
    overview = text_of(client.get(f"/meetings/{meeting.id}/documents").text)
    assert "Đã ký số của cơ quan: sẵn sàng phát hành" in overview

    sealed = pdf_of(client, api, meeting.id, "conclusions")
    client.cookies.clear()
    r = _post_file(client, "/verify", {}, "file", sealed)
    assert r.status_code == 200, r.text
    shown = text_of(r.text)
    assert "01/TB-SNV" in shown and "Trần Minh Hoàng" in shown and "Chữ ký số của cơ quan (con dấu)" in shown
    assert shown.count("Nguyên vẹn Có") == 2 and shown.count("Được tin cậy Có") == 2

    # One changed byte inside the signed part: flagged.
    at = len(numbered) + 300
    tampered = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]
    shown = text_of(_post_file(client, "/verify", {}, "file", tampered).text)
    assert "Tệp đã bị thay đổi sau khi ký hoặc ban hành" in shown
    assert "Nguyên vẹn Không" in shown


def test_signing_page_needs_a_login_and_an_issued_document(client: Any, api: dict[str, str], meeting: Built) -> None:
    login(client)
    r = client.get(f"/meetings/{meeting.id}/documents/minutes/signing")
    assert r.status_code == 409 and "chưa được ban hành" in text_of(r.text)
    client.cookies.clear()
    r = client.get(f"/meetings/{meeting.id}/documents/minutes/signing", follow_redirects=False)
    assert r.status_code in (302, 303, 401)
