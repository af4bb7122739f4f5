"""Showing, renewing and revoking a site's secret link; its QR code."""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import segno
from sqlalchemy import select

from tests.helpers import api_token, form_post, login, make_user, text_of
from tests.integration.invitations.conftest import BASE_URL, add_site, create_meeting, site_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _setup(client: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    meeting = create_meeting(client, headers)
    one = add_site(client, headers, meeting["id"], "UBND huyện Tuy Phước", "tuyphuoc@example.vn")
    other = add_site(client, headers, meeting["id"], "UBND huyện Phù Cát", "phucat@example.vn")
    return meeting["id"], one, other


def _audit_text(db: Any, meeting_id: int) -> str:
    from confmgr.audit.models import AuditEntry

    async def run(session: Any) -> str:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.meeting_id == meeting_id))
        return json.dumps([[r.action, r.changes] for r in rows], ensure_ascii=False)

    return str(db(run))


def _portal_status(client: Any, token: str) -> int | None:
    """``/api/v1/portal`` with the token, once the portal API exists; None before."""
    if not any(route.path == "/api/v1/portal" for route in client.app.routes):
        return None
    return int(client.get("/api/v1/portal", headers={"Authorization": f"Bearer {token}"}).status_code)


def test_link_page_shows_the_link_and_its_qr_code(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting_id, site, _other = _setup(admin_client, admin_api)
    url = f"/meetings/{meeting_id}/sites/{site['id']}/link"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "<html" in response.text
    assert site["access_url"] == f"{BASE_URL}/s/{site['token']}"
    assert f'value="{site["access_url"]}"' in response.text
    assert f'/meetings/{meeting_id}/sites/{site["id"]}/qr.png' in response.text
    assert "Đường liên kết riêng của điểm cầu" in text_of(response.text)
    assert "Cấp đường liên kết mới" in text_of(response.text)

    fragment = admin_client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="link-card"' in fragment.text
    assert site["access_url"] in fragment.text


def test_meeting_page_links_to_invitations_and_each_sites_link(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting_id, site, other = _setup(admin_client, admin_api)
    page = admin_client.get(f"/meetings/{meeting_id}").text
    assert f'href="/meetings/{meeting_id}/invitations"' in page
    assert f'href="/meetings/{meeting_id}/sites/{site["id"]}/link"' in page
    assert f'href="/meetings/{meeting_id}/sites/{other["id"]}/link"' in page


def test_rotating_in_the_page_stops_the_old_link_at_once(admin_client: Any, admin_api: dict[str, str], settings: Any, db: Any) -> None:
    meeting_id, site, other = _setup(admin_client, admin_api)
    old = site["token"]
    assert site_for(settings, old) == site["id"]
    response = form_post(admin_client, f"/meetings/{meeting_id}/sites/{site['id']}/link/rotate")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == f"/meetings/{meeting_id}/sites/{site['id']}/link?done=rotated"

    assert site_for(settings, old) is None
    if (status := _portal_status(admin_client, old)) is not None:
        assert status == 401
    new = admin_client.get(f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/link", headers=admin_api).json()
    assert new["token"] != old and new["access_url"] == f"{BASE_URL}/s/{new['token']}"
    assert site_for(settings, new["token"]) == site["id"]
    if (status := _portal_status(admin_client, new["token"])) is not None:
        assert status == 200
    # The other site keeps its link; the page says what happened.
    assert site_for(settings, other["token"]) == other["id"]
    page = admin_client.get(response.headers["location"])
    assert "đường liên kết cũ không còn sử dụng được" in text_of(page.text)
    assert new["access_url"] in page.text
    audit = _audit_text(db, meeting_id)
    assert "rotate_link" in audit
    assert old not in audit and new["token"] not in audit


def test_rotating_with_htmx_answers_the_card(admin_client: Any, admin_api: dict[str, str], settings: Any) -> None:
    meeting_id, site, _other = _setup(admin_client, admin_api)
    response = form_post(admin_client, f"/meetings/{meeting_id}/sites/{site['id']}/link/rotate", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="link-card"' in response.text
    assert site["token"] not in response.text
    assert site_for(settings, site["token"]) is None


def test_revoke_then_rotate_through_the_api(client: Any, admin_api: dict[str, str], settings: Any, db: Any) -> None:
    meeting_id, site, _other = _setup(client, admin_api)
    base = f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/token"
    revoked = client.post(f"{base}/revoke", headers=admin_api)
    assert revoked.status_code == 200
    assert revoked.json() == {
        "site_id": site["id"], "site_name": site["name"], "revoked": True, "token": None, "access_url": None, "qr_url": None,
    }
    assert site_for(settings, site["token"]) is None
    if (status := _portal_status(client, site["token"])) is not None:
        assert status == 401

    again = client.post(f"{base}/revoke", headers=admin_api)
    assert again.status_code == 409
    assert "đã bị thu hồi" in again.json()["detail"]
    listed = client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=admin_api).json()
    assert next(s for s in listed if s["id"] == site["id"])["token"] is None

    rotated = client.post(f"{base}/rotate", headers=admin_api)
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["revoked"] is False
    assert body["token"] and body["token"] != site["token"]
    assert body["access_url"] == f"{BASE_URL}/s/{body['token']}"
    assert site_for(settings, body["token"]) == site["id"]
    assert site_for(settings, site["token"]) is None
    audit = _audit_text(db, meeting_id)
    assert "revoke_link" in audit and "rotate_link" in audit
    assert site["token"] not in audit and body["token"] not in audit


def test_revoke_in_the_page_then_the_card_offers_a_new_link(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting_id, site, _other = _setup(admin_client, admin_api)
    url = f"/meetings/{meeting_id}/sites/{site['id']}/link"
    asked = form_post(admin_client, f"{url}/revoke")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.text
    assert site["access_url"] in admin_client.get(url).text  # not revoked until confirmed
    response = form_post(admin_client, f"{url}/revoke", {"confirmed": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "Đã thu hồi đường liên kết" in text_of(response.text)
    assert site["access_url"] not in response.text
    # Revoking twice: the card again, with a clear message and a 409.
    twice = form_post(admin_client, f"{url}/revoke", {"confirmed": "1"})
    assert twice.status_code == 409
    assert "Đường liên kết này đã bị thu hồi" in text_of(twice.text)
    assert "<html" in twice.text


def test_a_viewer_neither_sees_nor_changes_the_link(client: Any, admin_api: dict[str, str], db: Any, settings: Any) -> None:
    meeting_id, site, _other = _setup(client, admin_api)
    make_user(db, "xem", "viewer")
    viewer_api = api_token(client, "xem")
    response = client.post(f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/token/rotate", headers=viewer_api)
    assert response.status_code == 403
    assert client.post(f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/token/revoke", headers=viewer_api).status_code == 403
    assert site_for(settings, site["token"]) == site["id"]
    login(client, "xem")
    # A viewer holding a link could answer as the site (#13 row 4): the page is for editors.
    page = client.get(f"/meetings/{meeting_id}/sites/{site['id']}/link")
    assert page.status_code == 403
    assert site["token"] not in page.text
    assert form_post(client, f"/meetings/{meeting_id}/sites/{site['id']}/link/rotate").status_code == 403
    assert site_for(settings, site["token"]) == site["id"]


def test_a_site_of_another_meeting_is_not_found(client: Any, admin_api: dict[str, str], settings: Any) -> None:
    meeting_id, site, _other = _setup(client, admin_api)
    elsewhere = create_meeting(client, admin_api, title="Hội nghị khác")
    response = client.post(f"/api/v1/meetings/{elsewhere['id']}/sites/{site['id']}/token/rotate", headers=admin_api)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert site_for(settings, site["token"]) == site["id"]
    assert client.post(f"/api/v1/meetings/{meeting_id}/sites/999999/token/revoke", headers=admin_api).status_code == 404


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_qr_png_encodes_the_sites_link(admin_client: Any, admin_api: dict[str, str]) -> None:
    meeting_id, site, other = _setup(admin_client, admin_api)
    response = admin_client.get(f"/meetings/{meeting_id}/sites/{site['id']}/qr.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "no-store" in response.headers["cache-control"]
    expected = segno.make(site["access_url"], error="m", micro=False)
    width, height = _png_size(response.content)
    side = (expected.symbol_size(scale=8, border=4))[0]
    assert (width, height) == (side, side)
    buffer = io.BytesIO()
    expected.save(buffer, kind="png", scale=8, border=4)
    assert response.content == buffer.getvalue()
    # Another site's code is another picture; the API serves the same bytes.
    assert admin_client.get(f"/meetings/{meeting_id}/sites/{other['id']}/qr.png").content != response.content
    api = admin_client.get(f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/qr.png", headers=admin_api)
    assert api.status_code == 200 and api.content == response.content


def test_qr_png_is_for_the_secretariat_only(client: Any, admin_api: dict[str, str]) -> None:
    meeting_id, site, _other = _setup(client, admin_api)
    page_url = f"/meetings/{meeting_id}/sites/{site['id']}/qr.png"
    api_url = f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/qr.png"
    anonymous = client.get(page_url, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")
    assert not anonymous.content.startswith(PNG_SIGNATURE)
    with_site_token = {"Authorization": f"Bearer {site['token']}"}
    by_site = client.get(page_url, headers=with_site_token, follow_redirects=False)
    assert by_site.status_code in (302, 303) and not by_site.content.startswith(PNG_SIGNATURE)
    api_by_site = client.get(api_url, headers=with_site_token)
    assert api_by_site.status_code == 401
    assert api_by_site.json()["status_code"] == 401
    assert client.get(api_url).status_code == 401


def test_qr_of_a_revoked_link_is_a_conflict(client: Any, admin_api: dict[str, str]) -> None:
    meeting_id, site, _other = _setup(client, admin_api)
    client.post(f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/token/revoke", headers=admin_api)
    response = client.get(f"/api/v1/meetings/{meeting_id}/sites/{site['id']}/qr.png", headers=admin_api)
    assert response.status_code == 409
    assert "thu hồi" in response.json()["detail"]
