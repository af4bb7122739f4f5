"""An ended meeting can be reopened by an administrator (confirmed, audited) until
documents are issued; a secretary cannot."""

from __future__ import annotations

from typing import Any

from tests.factories import meeting_form
from tests.helpers import api_token, form_post, login, make_user, text_of
from tests.integration.documents.conftest import set_agency, today_vn


def _ended(client: Any) -> int:
    created = form_post(client, "/meetings/new", meeting_form(title="Hội nghị giao ban"))
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    form_post(client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện An Lão", "role": "remote"})
    for action in ("invite", "start", "end"):
        response = form_post(client, f"/meetings/{meeting_id}/status/{action}", {"confirmed": "1"})
        assert response.status_code in (302, 303), (action, text_of(response.text))
    return meeting_id


def test_admin_reopens_an_ended_meeting_after_confirming(admin_client: Any, db: Any) -> None:
    meeting_id = _ended(admin_client)
    page = admin_client.get(f"/meetings/{meeting_id}").text
    assert f'action="/meetings/{meeting_id}/status/reopen"' in page and "Mở lại hội nghị" in text_of(page)
    asked = form_post(admin_client, f"/meetings/{meeting_id}/status/reopen")
    assert asked.status_code == 200 and "Mở lại hội nghị đã bế mạc?" in text_of(asked.text)
    assert "Đã kết thúc" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)
    done = form_post(admin_client, f"/meetings/{meeting_id}/status/reopen", {"confirmed": "1"})
    assert done.status_code in (302, 303)
    text = text_of(admin_client.get(f"/meetings/{meeting_id}").text)
    assert "Đang diễn ra" in text and "Kết thúc lúc" not in text
    log = text_of(admin_client.get(f"/meetings/{meeting_id}/audit").text)
    assert "Mở lại hội nghị đã bế mạc" in log

    # A secretary sees no such button and is refused.
    assert form_post(admin_client, f"/meetings/{meeting_id}/status/end", {"confirmed": "1"}).status_code in (302, 303)
    make_user(db, "thuky", "secretary")
    form_post(admin_client, "/logout")
    login(admin_client, "thuky")
    assert "/status/reopen" not in admin_client.get(f"/meetings/{meeting_id}").text
    refused = form_post(admin_client, f"/meetings/{meeting_id}/status/reopen", {"confirmed": "1"})
    assert refused.status_code == 403
    assert "Đã kết thúc" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)


def test_no_reopening_once_documents_are_issued(admin_client: Any, db: Any) -> None:
    meeting_id = _ended(admin_client)

    async def issue(session: Any) -> None:
        from confmgr.meetings.models import Meeting

        meeting = await session.get(Meeting, meeting_id)
        meeting.status = "documents_issued"

    db(issue)
    refused = form_post(admin_client, f"/meetings/{meeting_id}/status/reopen", {"confirmed": "1"})
    assert refused.status_code == 409


def test_issuing_the_minutes_alone_ends_the_offer_to_reopen(admin_client: Any) -> None:
    meeting_id = _ended(admin_client)
    set_agency(admin_client, api_token(admin_client))
    issued = form_post(admin_client, f"/meetings/{meeting_id}/documents/minutes/issue",
                       {"issued_on": today_vn().isoformat(), "confirmed": "1"})
    assert issued.status_code in (302, 303), text_of(issued.text)
    page = admin_client.get(f"/meetings/{meeting_id}")
    text = text_of(page.text)
    # Only the minutes are out: the meeting is still 'ended', but reopening is no longer offered.
    assert "Đã kết thúc" in text
    assert "/status/reopen" not in page.text and "Mở lại hội nghị" not in text
    assert "/status/reopen" not in admin_client.get(f"/meetings/{meeting_id}/sites/").text
    refused = form_post(admin_client, f"/meetings/{meeting_id}/status/reopen", {"confirmed": "1"})
    assert refused.status_code == 409
    assert "không thể mở lại" in text_of(refused.text)
    assert "Đã kết thúc" in text_of(admin_client.get(f"/meetings/{meeting_id}").text)
