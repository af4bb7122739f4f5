from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from tests.factories import meeting_json, sites_csv
from tests.helpers import csrf_token, form_post, text_of


def _upload(client: Any, url: str, content: bytes, name: str = "sites.csv") -> Any:
    return client.post(url, files={"file": (name, content)}, data={"_csrf_token": csrf_token(client)}, follow_redirects=False)


def test_create_and_edit_directory_site(admin_client: Any) -> None:
    response = form_post(admin_client, "/directory/new", {"name": "UBND huyện Tuy Phước", "role": "remote", "contact.phone": "0256 3833 111", "expected_delegates": "5"})
    assert response.status_code in (302, 303)
    page = admin_client.get("/directory")
    assert "UBND huyện Tuy Phước" in page.text
    duplicate = form_post(admin_client, "/directory/new", {"name": "ubnd huyện tuy phước", "role": "remote"})
    assert duplicate.status_code == 409
    assert "Danh mục đã có điểm cầu trùng tên" in text_of(duplicate.text)


def test_a_name_already_in_the_directory_is_409_whatever_its_capitals(client: Any, admin_api: dict[str, str]) -> None:
    # "Đ" and "Ạ" are outside ASCII, where SQLite's lower() stops: the unique index once
    # answered instead of the service (a 500).
    body = {"name": "Xã Tân Thạnh (Đồng Tháp, mã 30157)", "role": "remote"}
    assert client.post("/api/v1/directory", json=body, headers=admin_api).status_code == 201
    for name in [body["name"], "XÃ TÂN THẠNH (ĐỒNG THÁP, MÃ 30157)"]:
        again = client.post("/api/v1/directory", json={**body, "name": name}, headers=admin_api)
        assert again.status_code == 409, again.text
        assert again.json()["fields"]["name"]
    assert len(client.get("/api/v1/directory", headers=admin_api).json()) == 1


def test_bad_email_is_a_field_error(admin_client: Any) -> None:
    response = form_post(admin_client, "/directory/new", {"name": "UBND xã A", "role": "remote", "contact.email": "khong-hop-le"})
    assert response.status_code == 422
    assert "Địa chỉ email không hợp lệ" in text_of(response.text)


def test_import_csv_with_vietnamese_headers(admin_client: Any) -> None:
    content = sites_csv(12, header="Tên điểm cầu,Vai trò,Địa chỉ,Người liên hệ,Điện thoại,Email,Số đại biểu")
    response = _upload(admin_client, "/directory/import", content)
    assert response.status_code in (302, 303), text_of(response.text)
    page = admin_client.get("/directory")
    assert "Điểm cầu xã số 12" in page.text


def test_import_with_a_bad_row_creates_nothing(admin_client: Any) -> None:
    content = sites_csv(5).replace(b"lienhe3@example.vn", b"not-an-email").replace(b",7\n", b",bay\n")
    response = _upload(admin_client, "/directory/import", content)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Dòng 5" in text and "Địa chỉ email không hợp lệ" in text
    assert "Số đại biểu không phải số nguyên" in text
    assert "Danh mục chưa có điểm cầu" in text_of(admin_client.get("/directory").text)


def test_import_rejects_non_utf8_and_binary(admin_client: Any) -> None:
    latin = "name\nĐiểm cầu\n".encode("utf-16")
    assert _upload(admin_client, "/directory/import", latin).status_code == 422
    assert _upload(admin_client, "/directory/import", b"\x7fELF\x02\x01\x01" + b"\x00" * 64).status_code == 422
    assert _upload(admin_client, "/directory/import", b"PK\x03\x04 broken zip").status_code == 422


def test_import_xlsx_through_the_api_and_pick_into_a_meeting(client: Any, admin_api: dict[str, str]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tên điểm cầu", "Vai trò", "Email", "Số đại biểu"])
    sheet.append(["Hội trường UBND tỉnh", "Điểm cầu chính", "vanphong@example.vn", 80])
    sheet.append(["UBND huyện Hoài Ân", "", "", 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    imported = client.post("/api/v1/directory/import", files={"file": ("sites.xlsx", buffer.getvalue())}, headers=admin_api)
    assert imported.status_code == 201 and imported.json() == {"created": 2, "errors": []}
    directory = client.get("/api/v1/directory", headers=admin_api).json()
    assert {d["role"] for d in directory} == {"host", "remote"}
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api).json()
    ids = [d["id"] for d in directory]
    added = client.post(f"/api/v1/meetings/{meeting['id']}/sites/from-directory", json={"directory_site_ids": ids}, headers=admin_api)
    assert added.json()["created"] == 2
    again = client.post(f"/api/v1/meetings/{meeting['id']}/sites/from-directory", json={"directory_site_ids": ids}, headers=admin_api)
    assert again.json()["created"] == 0  # already there, nothing doubled
    sites = client.get(f"/api/v1/meetings/{meeting['id']}/sites", headers=admin_api).json()
    assert [s["role"] for s in sites] == ["host", "remote"]
    assert all(s["access_url"].endswith(s["token"]) and s["response"] == "pending" for s in sites)


def test_meeting_import_errors_are_json_rows(client: Any, admin_api: dict[str, str]) -> None:
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api).json()
    content = b"name,role\nA,remote\nA,remote\n,host\nB,chairman\n"
    response = client.post(f"/api/v1/meetings/{meeting['id']}/sites/import", files={"file": ("s.csv", content)}, headers=admin_api)
    assert response.status_code == 422
    body = response.json()
    assert body["created"] == 0
    rows = {e["row"] for e in body["errors"]}
    assert rows == {3, 4, 5}
    assert client.get(f"/api/v1/meetings/{meeting['id']}/sites", headers=admin_api).json() == []


def test_pick_sites_page(admin_client: Any, client: Any) -> None:
    form_post(admin_client, "/directory/new", {"name": "UBND huyện Vân Canh", "role": "remote"})
    from tests.factories import meeting_form

    created = form_post(admin_client, "/meetings/new", meeting_form())
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    pick = admin_client.get(f"/meetings/{meeting_id}/sites/pick")
    assert "UBND huyện Vân Canh" in pick.text
    import re

    site_id = re.search(r'name="site_ids\[\]" value="(\d+)"', pick.text).group(1)
    response = form_post(admin_client, f"/meetings/{meeting_id}/sites/pick", {"site_ids[]": site_id})
    assert response.status_code in (302, 303)
    assert "UBND huyện Vân Canh" in admin_client.get(f"/meetings/{meeting_id}").text
