"""``/api/v1/portal`` with the site token as bearer, and the secretariat's answer for a site."""

from __future__ import annotations

from typing import Any

from tests.helpers import make_user, api_token
from tests.integration.portal.conftest import past, set_deadline

LAN = {"full_name": "Nguyễn Thị Lan", "position": "Chủ tịch UBND xã", "organization": "UBND xã Tuy Phước"}


def test_read_the_portal(client: Any, site: Any, db: Any, add_document: Any) -> None:
    async def agenda(session: Any) -> None:
        from confmgr.agenda.models import AgendaItem

        session.add(AgendaItem(meeting_id=site.meeting_id, sort_order=1, title="Khai mạc", kind="opening",
                               presenter={"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở"}))

    db(agenda)
    doc = add_document(site.meeting_id, "Báo cáo tổng kết", b"%PDF-1.7 x")
    add_document(site.meeting_id, "Bản nháp", b"%PDF-1.7 y", published=False)
    response = client.get("/api/v1/portal", headers=site.bearer)
    assert response.status_code == 200
    body = response.json()
    assert body["site"]["id"] == site.id and body["site"]["name"] == site.name
    assert body["site"]["response"] == "pending" and body["site"]["can_answer"] is True
    assert body["meeting"]["id"] == site.meeting_id
    assert body["meeting"]["title"] == "Hội nghị tổng kết công tác nội vụ năm 2026"
    assert body["meeting"]["chair"]["full_name"] == "Trần Minh Hoàng"
    assert [i["title"] for i in body["agenda"]] == ["Khai mạc"]
    assert body["agenda"][0]["presenter"]["position"] == "Giám đốc Sở"
    assert [d["id"] for d in body["documents"]] == [doc]
    assert body["documents"][0]["download_url"].endswith(f"/s/{site.token}/materials/{doc}")
    assert "token" not in body["site"] and "contact" not in body["site"]
    download = client.get(f"/api/v1/portal/materials/{doc}", headers=site.bearer)
    assert download.status_code == 200 and download.content == b"%PDF-1.7 x"


def test_put_response_and_technical_check(client: Any, site: Any, site_state: Any, published: list[Any]) -> None:
    response = client.put("/api/v1/portal/response", json={"attending": True, "delegates": [LAN, {"full_name": "Trần Văn Nam", "position": ""}]}, headers=site.bearer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response"] == "attending"
    assert [d["full_name"] for d in body["delegates"]] == ["Nguyễn Thị Lan", "Trần Văn Nam"]
    assert body["delegates"][1]["organization"] is None
    assert site_state(site.id)["delegates"] == ["Nguyễn Thị Lan", "Trần Văn Nam"]
    assert (f"meeting:{site.meeting_id}:board", "site-updated", str(site.id)) in published
    check = client.put("/api/v1/portal/technical-check", json={"status": "ok"}, headers=site.bearer)
    assert check.status_code == 200
    assert check.json()["technical_check"]["status"] == "ok"
    declined = client.put("/api/v1/portal/response", json={"attending": False, "reason": "Trùng lịch họp HĐND", "delegates": []}, headers=site.bearer)
    assert declined.status_code == 200
    assert site_state(site.id)["response"] == "declined" and site_state(site.id)["delegates"] == []


def test_the_secretariat_sees_the_answer(client: Any, admin_api: dict[str, str], site: Any) -> None:
    client.put("/api/v1/portal/response", json={"attending": True, "delegates": [LAN]}, headers=site.bearer)
    sites = client.get(f"/api/v1/meetings/{site.meeting_id}/sites", headers=admin_api).json()
    mine = next(s for s in sites if s["id"] == site.id)
    assert mine["response"] == "attending"
    assert [d["full_name"] for d in mine["delegates"]] == ["Nguyễn Thị Lan"]


def test_bad_answers_are_refused_and_change_nothing(client: Any, site: Any, site_state: Any) -> None:
    client.put("/api/v1/portal/response", json={"attending": True, "delegates": [LAN]}, headers=site.bearer)
    before = site_state(site.id)
    bad_bodies = [
        ({"attending": "có", "delegates": []}, 400),
        ({"delegates": [LAN]}, 400),
        ({"attending": True, "delegates": "Nguyễn Thị Lan"}, 400),
        ({"attending": True, "delegates": [{"name": "Lan"}]}, 400),
        ({"attending": False, "delegates": []}, 422),
        ({"attending": False, "reason": "   ", "delegates": []}, 422),
        ({"attending": True, "delegates": [{"full_name": "  ", "position": "Văn thư"}]}, 422),
        ({"attending": True, "delegates": [{"full_name": "N" * 201}]}, 422),
        ({"attending": True, "delegates": [LAN] * 51}, 422),
    ]
    for body, status in bad_bodies:
        response = client.put("/api/v1/portal/response", json=body, headers=site.bearer)
        assert response.status_code == status, (body, response.text)
        error = response.json()
        assert error["status_code"] == status and error["detail"], body
    fields = client.put("/api/v1/portal/response", json={"attending": True, "delegates": [LAN, {"full_name": ""}]}, headers=site.bearer).json()
    assert fields["fields"] == {"delegates.1.full_name": "Nhập họ và tên."}
    too_many = client.put("/api/v1/portal/response", json={"attending": True, "delegates": [LAN] * 51}, headers=site.bearer).json()
    assert too_many["detail"] == "Mỗi điểm cầu đăng ký tối đa 50 đại biểu."
    assert client.put("/api/v1/portal/technical-check", json={"status": "maybe"}, headers=site.bearer).status_code == 400
    assert client.put("/api/v1/portal/technical-check", json={"status": "problem"}, headers=site.bearer).status_code == 422
    assert site_state(site.id) == before


def test_twenty_thousand_delegates_are_refused(client: Any, site: Any, site_state: Any) -> None:
    before = site_state(site.id)
    people = [{"full_name": f"Đại biểu {i}", "position": "Cán bộ", "organization": "UBND xã"} for i in range(20_000)]
    response = client.put("/api/v1/portal/response", json={"attending": True, "delegates": people}, headers=site.bearer)
    assert response.status_code in (413, 422), response.status_code
    assert "tối đa 50 đại biểu" in response.json()["detail"]
    assert site_state(site.id) == before


def test_late_answer_is_refused_after_the_deadline(client: Any, admin_api: dict[str, str], site: Any, site_state: Any) -> None:
    client.put("/api/v1/portal/response", json={"attending": True, "delegates": [LAN]}, headers=site.bearer)
    set_deadline(client, admin_api, site.meeting_id, past())
    before = site_state(site.id)
    late = client.put("/api/v1/portal/response", json={"attending": False, "reason": "Bận", "delegates": []}, headers=site.bearer)
    assert late.status_code == 409
    assert late.json()["detail"].startswith("Đã hết hạn xác nhận")
    assert site_state(site.id) == before
    portal = client.get("/api/v1/portal", headers=site.bearer).json()
    assert portal["site"]["can_answer"] is False and portal["site"]["closed_reason"]


def test_unknown_or_revoked_token_is_401_json(client: Any, site: Any, db: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Bearer " + "x" * 500}):
        response = client.get("/api/v1/portal", headers=headers)
        assert response.status_code == 401
        assert response.json()["status_code"] == 401
        assert client.put("/api/v1/portal/response", json={"attending": True, "delegates": []}, headers=headers).status_code == 401

    async def revoke(session: Any) -> None:
        from confmgr.sites.models import Site

        (await session.get(Site, site.id)).token_revoked = True

    db(revoke)
    response = client.get("/api/v1/portal", headers=site.bearer)
    assert response.status_code == 401
    assert response.json()["detail"]


# ---- the secretariat answers for a site ---------------------------------------------


def test_secretariat_sets_a_response_after_the_deadline(client: Any, admin_api: dict[str, str], site: Any, site_state: Any, published: list[Any]) -> None:
    set_deadline(client, admin_api, site.meeting_id, past())
    url = f"/api/v1/meetings/{site.meeting_id}/sites/{site.id}/response"
    response = client.put(url, json={"attending": True, "delegates": [LAN]}, headers=admin_api)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response"] == "attending" and body["delegates"][0]["full_name"] == "Nguyễn Thị Lan"
    state = site_state(site.id)
    assert state["delegates"] == ["Nguyễn Thị Lan"]
    assert state["audit"][-1][0] == "user" and state["audit"][-1][2] == "respond"
    assert (f"meeting:{site.meeting_id}:board", "site-updated", str(site.id)) in published
    refused = client.put(url, json={"attending": False, "delegates": []}, headers=admin_api)
    assert refused.status_code == 422
    assert site_state(site.id)["response"] == "attending"


def test_secretariat_response_checks_role_and_meeting(client: Any, admin_api: dict[str, str], db: Any, site: Any, site_state: Any) -> None:
    from tests.integration.portal.conftest import create_meeting

    other_meeting = create_meeting(client, admin_api, title="Hội nghị khác")
    before = site_state(site.id)
    wrong = client.put(f"/api/v1/meetings/{other_meeting}/sites/{site.id}/response", json={"attending": True, "delegates": []}, headers=admin_api)
    assert wrong.status_code == 404
    make_user(db, "xemthoi", "viewer")
    viewer = api_token(client, "xemthoi")
    denied = client.put(f"/api/v1/meetings/{site.meeting_id}/sites/{site.id}/response", json={"attending": True, "delegates": []}, headers=viewer)
    assert denied.status_code == 403
    anonymous = client.put(f"/api/v1/meetings/{site.meeting_id}/sites/{site.id}/response", json={"attending": True, "delegates": []})
    assert anonymous.status_code == 401
    assert site_state(site.id) == before
