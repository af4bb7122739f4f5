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
    assert client.put("/api/v1/agency", json=AGENCY, headers=admin_api).json() == AGENCY
    bad = client.put("/api/v1/agency", json={**AGENCY, "abbreviation": "s n v"}, headers=admin_api)
    assert bad.status_code == 422 and "abbreviation" in bad.json()["fields"]
    assert client.get("/api/v1/agency", headers=admin_api).json() == AGENCY


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
