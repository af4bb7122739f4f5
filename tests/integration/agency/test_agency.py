from __future__ import annotations

from typing import Any

from tests.helpers import api_token, form_post, login, make_user, text_of

AGENCY = {"name": "Sở Nội vụ", "parent_name": "Ủy ban nhân dân tỉnh Bình Định", "abbreviation": "SNV", "place_name": "Bình Định"}


def test_admin_sets_the_agency_on_the_page(admin_client: Any) -> None:
    response = form_post(admin_client, "/admin/agency/", AGENCY)
    assert response.status_code in (302, 303)
    page = admin_client.get("/admin/agency/?saved=true")
    assert "Đã lưu" in text_of(page.text)
    assert 'value="Sở Nội vụ"' in page.text


def test_agency_api_roundtrip_and_validation(client: Any, admin_api: dict[str, str]) -> None:
    assert client.get("/api/v1/agency", headers=admin_api).status_code == 404
    stored = {**AGENCY, "drafting_unit": "", "archive_copies": None, "days_off": []}
    assert client.put("/api/v1/agency", json=AGENCY, headers=admin_api).json() == stored
    bad = client.put("/api/v1/agency", json={**AGENCY, "abbreviation": "s n v"}, headers=admin_api)
    assert bad.status_code == 422 and "abbreviation" in bad.json()["fields"]
    assert client.get("/api/v1/agency", headers=admin_api).json() == stored


def test_agency_filing_line_and_days_off(client: Any, admin_api: dict[str, str]) -> None:
    full = {**AGENCY, "drafting_unit": "VP", "archive_copies": 2, "days_off": ["2026-12-29", "2026-12-29"]}
    saved = client.put("/api/v1/agency", json=full, headers=admin_api).json()
    assert saved["drafting_unit"] == "VP" and saved["archive_copies"] == 2 and saved["days_off"] == ["2026-12-29"]
    for field, value in (("archive_copies", 0), ("days_off", ["29-12-2026x"]), ("drafting_unit", "x" * 51)):
        bad = client.put("/api/v1/agency", json={**full, field: value}, headers=admin_api)
        assert bad.status_code == 422 and field in bad.json()["fields"], bad.text
    assert client.get("/api/v1/agency", headers=admin_api).json() == saved  # nothing changed
    # The page shows the days off as Vietnamese dates, one a line, and saves them back.
    login(client, "admin")
    page = client.get("/admin/agency/")
    assert "29/12/2026" in page.text and "Đơn vị soạn thảo (dòng Lưu)" in page.text
    response = form_post(
        client, "/admin/agency/",
        {**AGENCY, "drafting_unit": "TCCB", "archive_copies": "", "days_off": "29/12/2026\n30/12/2026"},
    )
    assert response.status_code in (200, 201, 302, 303)
    after = client.get("/api/v1/agency", headers=admin_api).json()
    assert after["drafting_unit"] == "TCCB" and after["archive_copies"] is None
    assert after["days_off"] == ["2026-12-29", "2026-12-30"]


def test_secretary_cannot_change_the_agency(client: Any, db: Any, admin_api: dict[str, str]) -> None:
    client.put("/api/v1/agency", json=AGENCY, headers=admin_api)
    make_user(db, "thuky", "secretary")
    response = client.put("/api/v1/agency", json={**AGENCY, "name": "Khác"}, headers=api_token(client, "thuky"))
    assert response.status_code == 403
    login(client, "thuky")
    page = client.get("/admin/agency/")
    assert "Chỉ quản trị viên được sửa thông tin cơ quan" in text_of(page.text)
    assert form_post(client, "/admin/agency/", {**AGENCY, "name": "Khác"}).status_code == 403
    assert client.get("/api/v1/agency", headers=admin_api).json()["name"] == "Sở Nội vụ"
