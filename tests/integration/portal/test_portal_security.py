"""A site link opens its own site and nothing else."""

from __future__ import annotations

from typing import Any

from tests.helpers import form_post, text_of
from tests.integration.portal.conftest import add_site, create_meeting


def test_a_token_opens_only_its_own_meetings_documents(client: Any, admin_api: dict[str, str], site: Any, other_site: Any, add_document: Any) -> None:
    own = add_document(site.meeting_id, "Tài liệu chung", b"%PDF-1.7 chung")
    elsewhere_meeting = create_meeting(client, admin_api, title="Hội nghị sơ kết quý III")
    stranger = add_site(client, admin_api, elsewhere_meeting, "UBND xã Cát Tiến")
    foreign = add_document(elsewhere_meeting, "Tài liệu của hội nghị khác", b"%PDF-1.7 khac")
    unpublished = add_document(site.meeting_id, "Chưa công bố", b"%PDF-1.7 nhap", published=False)
    # Both sites of a meeting get its published documents; a site of another meeting does not.
    assert client.get(f"{other_site.url}/files/{own}").status_code == 200
    for url in (f"{site.url}/files/{foreign}", f"{site.url}/files/{unpublished}", f"{stranger.url}/files/{own}", f"{site.url}/files/999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"%PDF" not in response.content
    assert client.get(f"/api/v1/portal/documents/{foreign}", headers=site.bearer).status_code == 404
    assert client.get(f"/api/v1/portal/documents/{own}", headers=stranger.bearer).status_code == 404
    assert client.get(f"{stranger.url}/files/{foreign}").status_code == 200


def test_site_token_is_no_key_to_the_secretariat_api(client: Any, site: Any) -> None:
    for url in ("/api/v1/meetings", f"/api/v1/meetings/{site.meeting_id}", f"/api/v1/meetings/{site.meeting_id}/sites"):
        response = client.get(url, headers=site.bearer)
        assert response.status_code == 401, url
        assert response.json()["status_code"] == 401
    response = client.put(
        f"/api/v1/meetings/{site.meeting_id}/sites/{site.id}/response",
        json={"attending": True, "delegates": []}, headers=site.bearer,
    )
    assert response.status_code == 401


def test_opening_a_site_link_gives_no_access_to_secretariat_pages(client: Any, site: Any) -> None:
    assert client.get(site.url).status_code == 200
    for url in ("/meetings", f"/meetings/{site.meeting_id}", f"/meetings/{site.meeting_id}/sites/{site.id}/response", "/directory"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code in (302, 303), url
        assert response.headers["location"].startswith("/login"), url
    response = form_post(client, f"/meetings/{site.meeting_id}/sites/{site.id}/response", {"attending": "yes"})
    assert response.status_code == 401


def test_unknown_token_shows_a_vietnamese_invalid_link_page(client: Any, site: Any, site_state: Any) -> None:
    response = client.get("/s/this-is-not-a-token", follow_redirects=False)
    assert response.status_code == 404
    page = text_of(response.text)
    assert "Đường liên kết không hợp lệ" in page
    assert "Đăng nhập" not in page  # never the secretariat's login
    fragment = client.get("/s/this-is-not-a-token", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.text
    assert client.get("/s/this-is-not-a-token/files/1").status_code == 404
    client.get(site.url)
    before = site_state(site.id)
    posted = form_post(client, "/s/this-is-not-a-token/response", {"attending": "no", "reason": "x"})
    assert posted.status_code == 404
    assert site_state(site.id) == before


def test_revoked_link_opens_nothing(client: Any, site: Any, db: Any, add_document: Any, site_state: Any) -> None:
    doc = add_document(site.meeting_id, "Tài liệu", b"%PDF-1.7")
    client.get(site.url)

    async def revoke(session: Any) -> None:
        from confmgr.sites.models import Site

        (await session.get(Site, site.id)).token_revoked = True

    db(revoke)
    before = site_state(site.id)
    page = client.get(site.url)
    assert page.status_code == 404
    assert "Đường liên kết không hợp lệ" in text_of(page.text)
    assert "Hội nghị tổng kết" not in page.text
    assert client.get(f"{site.url}/files/{doc}").status_code == 404
    assert form_post(client, f"{site.url}/response", {"attending": "no", "reason": "Bận"}).status_code == 404
    assert form_post(client, f"{site.url}/technical-check", {"status": "ok"}).status_code == 404
    assert client.get("/api/v1/portal", headers=site.bearer).status_code == 401
    assert site_state(site.id) == before


def test_a_huge_form_is_refused_and_changes_nothing(client: Any, site: Any, site_state: Any) -> None:
    client.get(site.url)
    before = site_state(site.id)
    data = {"attending": "yes", "action": "send"}
    for i in range(20_000):
        data[f"delegates.{i}.full_name"] = f"Đại biểu {i}"
    response = form_post(client, f"{site.url}/response", data)
    assert response.status_code in (413, 422)
    assert "tối đa 50 đại biểu" in text_of(response.text)
    assert site_state(site.id) == before
