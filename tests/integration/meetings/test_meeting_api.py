from __future__ import annotations

from typing import Any

from tests.factories import future, meeting_json
from tests.helpers import api_token, make_user


def test_create_read_patch_list(client: Any, admin_api: dict[str, str]) -> None:
    created = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api)
    assert created.status_code == 201, created.text
    meeting = created.json()
    assert meeting["status"] == "draft"
    assert meeting["chair"]["full_name"] == "Trần Minh Hoàng"
    # Times come back as ISO 8601 with an offset.
    assert meeting["starts_at"].endswith(("Z", "+00:00", "+07:00"))
    patched = client.patch(f"/api/v1/meetings/{meeting['id']}", json={"venue": "Hội trường 2"}, headers=admin_api)
    assert patched.status_code == 200 and patched.json()["venue"] == "Hội trường 2"
    listed = client.get("/api/v1/meetings", params={"q": "tong ket"}, headers=admin_api)
    assert [m["id"] for m in listed.json()] == [meeting["id"]]


def test_meeting_ending_before_start_is_422_and_creates_nothing(client: Any, admin_api: dict[str, str]) -> None:
    data = meeting_json()
    data["ends_at"], data["starts_at"] = data["starts_at"], data["ends_at"]
    response = client.post("/api/v1/meetings", json=data, headers=admin_api)
    assert response.status_code == 422
    body = response.json()
    assert body["status_code"] == 422 and "ends_at" in body["fields"]
    assert client.get("/api/v1/meetings", headers=admin_api).json() == []


def test_malformed_body_is_400_json(client: Any, admin_api: dict[str, str]) -> None:
    response = client.post("/api/v1/meetings", json={"title": 5}, headers=admin_api)
    assert response.status_code == 400
    assert response.json()["status_code"] == 400
    assert "Traceback" not in response.text


def test_patch_that_breaks_the_rules_changes_nothing(client: Any, admin_api: dict[str, str]) -> None:
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api).json()
    response = client.patch(f"/api/v1/meetings/{meeting['id']}", json={"ends_at": future(-400).isoformat()}, headers=admin_api)
    assert response.status_code == 422
    assert client.get(f"/api/v1/meetings/{meeting['id']}", headers=admin_api).json()["ends_at"] == meeting["ends_at"]


def test_viewer_token_may_read_but_not_write(client: Any, db: Any, admin: int) -> None:
    make_user(db, "xem", "viewer")
    headers = api_token(client, "xem")
    assert client.get("/api/v1/meetings", headers=headers).status_code == 200
    response = client.post("/api/v1/meetings", json=meeting_json(), headers=headers)
    assert response.status_code == 403
    assert response.json()["detail"]


def test_no_token_is_401(client: Any) -> None:
    assert client.get("/api/v1/meetings").status_code == 401
    assert client.get("/api/v1/meetings", headers={"Authorization": "Bearer sai"}).status_code == 401


def test_start_and_end_with_past_times(client: Any, admin_api: dict[str, str]) -> None:
    starts = future(-2)
    meeting = client.post(
        "/api/v1/meetings",
        json=meeting_json(starts_at=starts.isoformat(), ends_at=starts.replace(hour=11).isoformat(), response_deadline=None),
        headers=admin_api,
    ).json()
    started = client.post(f"/api/v1/meetings/{meeting['id']}/start", json={"at": starts.isoformat()}, headers=admin_api)
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    too_early = client.post(f"/api/v1/meetings/{meeting['id']}/end", json={"at": starts.replace(hour=7).isoformat()}, headers=admin_api)
    assert too_early.status_code == 422
    ended = client.post(f"/api/v1/meetings/{meeting['id']}/end", json={"at": starts.replace(hour=11, minute=30).isoformat()}, headers=admin_api)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    future_start = client.post(f"/api/v1/meetings/{meeting['id']}/start", headers=admin_api)
    assert future_start.status_code == 409


def test_copy_through_the_api(client: Any, admin_api: dict[str, str]) -> None:
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api).json()
    site = client.post(f"/api/v1/meetings/{meeting['id']}/sites", json={"name": "UBND huyện An Lão"}, headers=admin_api).json()
    copy = client.post(f"/api/v1/meetings/{meeting['id']}/copy", json={"starts_at": future(380).isoformat()}, headers=admin_api)
    assert copy.status_code == 201
    assert copy.json()["sites_count"] == 1
    copied_sites = client.get(f"/api/v1/meetings/{copy.json()['id']}/sites", headers=admin_api).json()
    assert copied_sites[0]["name"] == "UBND huyện An Lão"
    assert copied_sites[0]["token"] != site["token"]


def test_openapi_schema_lists_the_contract(client: Any) -> None:
    schema = client.get("/schema/openapi.json").json()
    for path in ("/api/v1/auth/token", "/api/v1/agency", "/api/v1/meetings", "/api/v1/meetings/{meeting_id}/sites"):
        assert path in schema["paths"], path


def test_audit_api(client: Any, admin_api: dict[str, str]) -> None:
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api).json()
    client.patch(f"/api/v1/meetings/{meeting['id']}", json={"title": "Tên mới"}, headers=admin_api)
    entries = client.get(f"/api/v1/meetings/{meeting['id']}/audit", headers=admin_api).json()
    update = next(e for e in entries if e["action"] == "update")
    assert update["actor_label"] == "admin"
    assert update["changes"]["title"][1] == "Tên mới"


def test_schema_is_served_without_pages_that_need_the_internet(client: Any) -> None:
    assert client.get("/schema").json()["info"]["title"] == "confmgr API"
    assert client.get("/schema/openapi.yaml").status_code == 200
    # Viewers like Swagger UI load their scripts from public CDNs: not offered.
    assert client.get("/schema/swagger").status_code == 404
