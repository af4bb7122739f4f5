"""Row 4 of #13: a viewer sees no site's link, in the API or the pages."""

from __future__ import annotations

from typing import Any

from tests.helpers import api_token, login, make_user, second_browser


def test_row04_viewers_see_no_site_links(client: Any, admin_api: dict[str, str], db: Any, site: Any) -> None:
    make_user(db, "nguoixem", "viewer")
    meeting = site.meeting_id
    viewer = api_token(client, "nguoixem")
    listed = client.get(f"/api/v1/meetings/{meeting}/sites", headers=viewer)
    assert listed.status_code == 200
    assert listed.json()[0]["token"] is None and listed.json()[0]["access_url"] is None
    assert site.token not in listed.text
    for url in [f"/api/v1/meetings/{meeting}/sites/{site.id}/link", f"/api/v1/meetings/{meeting}/sites/{site.id}/qr.png",
                f"/api/v1/meetings/{meeting}/invitations/sheet.csv"]:
        answer = client.get(url, headers=viewer)
        assert answer.status_code == 403, (url, answer.status_code)
        assert site.token not in answer.text
    # An editor still sees them.
    assert client.get(f"/api/v1/meetings/{meeting}/sites", headers=admin_api).json()[0]["token"] == site.token
    with second_browser(client) as browser:
        login(browser, "nguoixem")
        for url in [f"/meetings/{meeting}", f"/meetings/{meeting}/sites/", f"/meetings/{meeting}/invitations"]:
            answer = browser.get(url)
            assert site.token not in answer.text, url
            # No link offered that would only lead to a refusal.
            assert f"/sites/{site.id}/link" not in answer.text, url
        for url in [f"/meetings/{meeting}/sites/{site.id}/link", f"/meetings/{meeting}/sites/{site.id}/qr.png",
                    f"/meetings/{meeting}/invitations/sheet", f"/meetings/{meeting}/invitations/sheet.csv"]:
            answer = browser.get(url)
            assert answer.status_code == 403, (url, answer.status_code)
            assert site.token not in answer.text
