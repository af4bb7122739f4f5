"""Uploads are typed by their content, limited in size, and never half-written."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from confmgr.files.services import clean_filename, content_disposition
from tests.helpers import form_post, login
from tests.integration.agenda.conftest import PDF_BYTES, World, uploaded_files


def _ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def _zip_without_office() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bao-cao.pdf", PDF_BYTES, "application/pdf"),
        ("tham-luan.docx", _ooxml("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("so-lieu.xlsx", _ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("trinh-chieu.pptx", _ooxml("ppt/presentation.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png"),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32, "image/jpeg"),
    ],
)
def test_accepted_types_by_content(world: World, client: Any, admin_api: dict[str, str], settings: Any,
                                   name: str, content: bytes, expected: str) -> None:
    m = world.meeting()
    response = client.post(f"/api/v1/meetings/{m}/materials", files={"file": (name, content, "application/octet-stream")},
                           data={"title": "Tài liệu"}, headers=admin_api)
    assert response.status_code == 201, response.text
    assert response.json()["file"]["content_type"] == expected
    assert len(uploaded_files(settings)) == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 64),  # a Linux executable renamed .pdf
        ("bao-cao.pdf", b"MZ\x90\x00" + b"\0" * 64),  # a Windows executable renamed .pdf
        ("tai-lieu.docx", _zip_without_office()),  # a zip that is not an Office file
        ("ghi-chu.txt", "Nội dung văn bản".encode()),
    ],
)
def test_refused_types_store_nothing(world: World, client: Any, admin_api: dict[str, str], settings: Any,
                                     name: str, content: bytes) -> None:
    m = world.meeting()
    response = client.post(f"/api/v1/meetings/{m}/materials", files={"file": (name, content, "application/pdf")},
                           headers=admin_api)
    assert response.status_code == 415
    assert "PDF" in response.json()["detail"]
    assert uploaded_files(settings) == []
    assert client.get(f"/api/v1/meetings/{m}/materials", headers=admin_api).json() == []


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {}


def test_over_limit_file_is_413_and_stores_nothing(world: World, client: Any, admin_api: dict[str, str], settings: Any) -> None:
    m = world.meeting()
    too_big = PDF_BYTES + b"0" * settings.max_upload_bytes
    response = client.post(f"/api/v1/meetings/{m}/materials", files={"file": ("lon.pdf", too_big, "application/pdf")},
                           headers=admin_api)
    assert response.status_code == 413
    assert uploaded_files(settings) == []
    assert client.get(f"/api/v1/meetings/{m}/materials", headers=admin_api).json() == []


def test_path_in_name_is_dropped_and_download_headers(world: World, client: Any, admin_api: dict[str, str], settings: Any) -> None:
    m = world.meeting()
    response = client.post(f"/api/v1/meetings/{m}/materials",
                           files={"file": ("../../Báo cáo tổng kết.pdf", PDF_BYTES, "application/pdf")}, headers=admin_api)
    assert response.status_code == 201
    body = response.json()
    assert body["file"]["name"] == "Báo cáo tổng kết.pdf"
    stored = uploaded_files(settings)
    assert len(stored) == 1 and "Báo" not in stored[0] and ".." not in stored[0]
    assert not (settings.data_dir / "Báo cáo tổng kết.pdf").exists()
    download = client.get(f"/api/v1/meetings/{m}/materials/{body['id']}/file", headers=admin_api)
    assert download.status_code == 200 and download.content == PDF_BYTES
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20t%E1%BB%95ng%20k%E1%BA%BFt.pdf" in disposition
    assert download.headers["x-content-type-options"] == "nosniff"


def test_materials_answer_at_their_former_documents_paths_too(world: World, client: Any, admin_api: dict[str, str]) -> None:
    """Programs written against ``/api/v1/meetings/{id}/documents`` keep working."""
    m = world.meeting()
    old = client.post(f"/api/v1/meetings/{m}/documents", files={"file": ("a.pdf", PDF_BYTES, "application/pdf")},
                      data={"title": "Tài liệu A"}, headers=admin_api)
    assert old.status_code == 201, old.text
    material_id = old.json()["id"]
    listed = client.get(f"/api/v1/meetings/{m}/materials", headers=admin_api).json()
    assert [x["id"] for x in listed] == [material_id]
    assert client.get(f"/api/v1/meetings/{m}/documents", headers=admin_api).json() == listed
    renamed = client.patch(f"/api/v1/meetings/{m}/documents/{material_id}", json={"title": "Tài liệu B"}, headers=admin_api)
    assert renamed.status_code == 200 and renamed.json()["title"] == "Tài liệu B"
    for path in ("materials", "documents"):
        download = client.get(f"/api/v1/meetings/{m}/{path}/{material_id}/file", headers=admin_api)
        assert download.status_code == 200 and download.content == PDF_BYTES
    assert client.delete(f"/api/v1/meetings/{m}/documents/{material_id}", headers=admin_api).status_code == 204
    assert client.get(f"/api/v1/meetings/{m}/materials", headers=admin_api).json() == []
    # The issued minutes keep their own /documents/ paths.
    assert client.get(f"/api/v1/meetings/{m}/documents/minutes.pdf", headers=admin_api).status_code != 405


def test_clean_filename_rules() -> None:
    assert clean_filename("../../x") == "x"
    assert clean_filename("..\\..\\windows\\x.pdf") == "x.pdf"
    assert clean_filename("a\u0000b\u202e.pdf") == "ab.pdf"
    assert clean_filename("Ba\u0301o ca\u0301o.pdf") == "Báo cáo.pdf"  # NFC
    assert clean_filename("") == "tep"
    assert "\n" not in content_disposition("a\nb.pdf") and '"' not in content_disposition('a".pdf').split(";")[1][11:-1]


def test_material_publish_unpublish_delete_pages(world: World, client: Any, settings: Any) -> None:
    m = world.meeting()
    login(client)
    from tests.helpers import csrf_token

    upload = client.post(f"/meetings/{m}/materials", data={"_csrf_token": csrf_token(client), "title": "Dự thảo báo cáo", "published": "1"},
                         files={"file": ("du-thao.pdf", PDF_BYTES, "application/pdf")}, follow_redirects=False)
    assert upload.status_code in (302, 303), upload.text
    page = client.get(f"/meetings/{m}/agenda")
    assert "Dự thảo báo cáo" in page.text and "Đã công bố" in page.text
    doc_id = int(page.text.split(f"/meetings/{m}/materials/")[1].split("/")[0])
    fragment = form_post(client, f"/meetings/{m}/materials/{doc_id}/unpublish", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Chưa công bố" in fragment.text
    full = form_post(client, f"/meetings/{m}/materials/{doc_id}/publish")
    assert full.status_code in (302, 303)
    bad = client.post(f"/meetings/{m}/materials", data={"_csrf_token": csrf_token(client), "title": "Virus"},
                      files={"file": ("virus.pdf", b"MZ" + b"\0" * 40, "application/pdf")})
    assert bad.status_code == 415 and "Chỉ nhận tệp PDF" in bad.text
    assert len(uploaded_files(settings)) == 1
    deleted = form_post(client, f"/meetings/{m}/materials/{doc_id}/delete")
    assert deleted.status_code in (302, 303)
    assert uploaded_files(settings) == []
