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
    assert client.get(f"{other_site.url}/materials/{own}").status_code == 200
    for url in (f"{site.url}/materials/{foreign}", f"{site.url}/materials/{unpublished}", f"{stranger.url}/materials/{own}", f"{site.url}/materials/999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"%PDF" not in response.content
    assert client.get(f"/api/v1/portal/materials/{foreign}", headers=site.bearer).status_code == 404
    assert client.get(f"/api/v1/portal/materials/{own}", headers=stranger.bearer).status_code == 404
    assert client.get(f"{stranger.url}/materials/{foreign}").status_code == 200


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
    assert client.get("/s/this-is-not-a-token/materials/1").status_code == 404
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
    assert client.get(f"{site.url}/materials/{doc}").status_code == 404
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


def _is_private(response: Any) -> bool:
    headers = response.headers
    return (
        "no-store" in headers.get("cache-control", "")
        and headers.get("referrer-policy") == "no-referrer"
        and "noindex" in headers.get("x-robots-tag", "")
    )


def test_every_site_facing_answer_is_private(client: Any, site: Any, add_document: Any) -> None:
    own = add_document(site.meeting_id, "Tài liệu chung", b"%PDF-1.7 chung")
    for url in (site.url, f"{site.url}/now", f"{site.url}/speak-requests", f"{site.url}/materials/{own}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _is_private(response), url
    for url in ("/api/v1/portal", "/api/v1/portal/live", "/api/v1/portal/issued-documents", f"/api/v1/portal/materials/{own}"):
        response = client.get(url, headers=site.bearer)
        assert response.status_code == 200, url
        assert _is_private(response), url


def test_one_invalid_link_page_for_every_site_route(client: Any) -> None:
    for url in ("/s/not-a-token", "/s/not-a-token/now", "/s/not-a-token/speak-requests",
                "/s/not-a-token/materials/1", "/s/not-a-token/documents/1.pdf", "/s/not-a-token/contributions/1/file"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 404, url
        assert "Đường liên kết không hợp lệ" in text_of(response.text), url
        assert _is_private(response), url
    posted = form_post(client, "/s/not-a-token/speak-requests", {"full_name": "Nguyễn Văn A"})
    assert posted.status_code == 404 and "Đường liên kết không hợp lệ" in text_of(posted.text)


def test_materials_open_at_their_former_paths_too(client: Any, site: Any, add_document: Any) -> None:
    """Links and programs made before materials had their own name keep working."""
    own = add_document(site.meeting_id, "Tài liệu chung", b"%PDF-1.7 chung")
    old_page = client.get(f"{site.url}/files/{own}")
    assert old_page.status_code == 200 and old_page.content == b"%PDF-1.7 chung" and _is_private(old_page)
    old_api = client.get(f"/api/v1/portal/documents/{own}", headers=site.bearer)
    assert old_api.status_code == 200 and old_api.content == b"%PDF-1.7 chung"
