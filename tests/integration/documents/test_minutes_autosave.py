"""The minutes editor saves one section at a time (JSON, the notes' version/409 rule),
and 'Preview' saves what was typed before showing the preview."""

from __future__ import annotations

from typing import Any

from tests.helpers import form_post, login
from tests.integration.documents.conftest import Built


def test_one_section_autosaves_with_the_version_rule(client: Any, api: dict[str, str], meeting: Built) -> None:
    login(client)
    url = f"/meetings/{meeting.id}/documents/minutes"
    page = client.get(url)
    assert 'src="/static/js/minutes.js"' in page.text and "data-minutes" in page.text
    report = f"item:{meeting.items['report']}:notes"
    json = {"Accept": "application/json"}
    first = form_post(client, url, {"version": "0", f"section:{report}": "Bản tự lưu lần một."}, headers=json)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1 and first.json()["saved_at_local"]
    second = form_post(client, url, {"version": "1", f"section:{report}": "Bản tự lưu lần hai."}, headers=json)
    assert second.status_code == 200 and second.json()["version"] == 2
    # A save from an old version is refused with what is saved now; nothing changes.
    stale = form_post(client, url, {"version": "1", f"section:{report}": "Bản cũ của máy khác."}, headers=json)
    assert stale.status_code == 409
    body = stale.json()
    assert body["current"]["version"] == 2
    assert body["current"]["sections"][report] == "Bản tự lưu lần hai."
    assert body["detail"]
    shown = client.get(url).text
    assert "Bản tự lưu lần hai." in shown and "Bản cũ của máy khác." not in shown
    unknown = form_post(client, url, {"version": "2", "section:khong-co": "x"}, headers=json)
    assert unknown.status_code == 422 and unknown.json()["fields"]


def test_preview_saves_what_was_typed_first(client: Any, api: dict[str, str], meeting: Built) -> None:
    login(client)
    url = f"/meetings/{meeting.id}/documents/minutes"
    report = f"item:{meeting.items['report']}:notes"
    response = form_post(client, url, {"version": "0", f"section:{report}": "Chưa lưu mà bấm Xem trước.", "next": "preview"})
    assert response.status_code in (302, 303)
    assert response.headers["location"] == f"{url}/preview"
    assert "Chưa lưu mà bấm Xem trước." in client.get(url).text
    htmx = form_post(client, url, {"version": "1", f"section:{report}": "Lần hai qua htmx.", "next": "preview"},
                     headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx.headers["hx-redirect"] == f"{url}/preview"
