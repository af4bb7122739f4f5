"""The notice's rules: no notice without conclusions, conclusions locked once issued,
a correction names what it replaces and why; the due date follows the holidays."""

from __future__ import annotations

from typing import Any

from tests.integration.documents.conftest import Built, build_meeting, pdf_text


def issue(client: Any, headers: dict[str, str], mid: int, kind: str, **body: Any) -> Any:
    return client.post(f"/api/v1/meetings/{mid}/documents/{kind}/issue", json=body or None, headers=headers)


def test_no_notice_without_a_conclusion(client: Any, db: Any, api: dict[str, str]) -> None:
    built = build_meeting(client, db, api, remote_count=4)
    empty = client.put(f"/api/v1/meetings/{built.id}/conclusions", json={"conclusions": [], "tasks": []}, headers=api)
    assert empty.status_code == 200, empty.text
    draft = client.get(f"/api/v1/meetings/{built.id}/documents/conclusions.pdf", headers=api)
    assert draft.status_code == 409
    assert draft.json()["detail"] == "Cần ghi kết luận của chủ tọa trước khi dự thảo thông báo."
    refused = issue(client, api, built.id, "conclusions")
    assert refused.status_code == 409
    status = client.get(f"/api/v1/meetings/{built.id}/documents/status", headers=api).json()
    assert status["conclusions"] == []


def test_conclusions_are_locked_once_the_notice_is_issued(client: Any, api: dict[str, str], meeting: Built) -> None:
    notice = issue(client, api, meeting.id, "conclusions")
    assert notice.status_code == 201, notice.text
    before = client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()
    change = {"conclusions": ["Một kết luận khác."], "tasks": []}
    locked = client.put(f"/api/v1/meetings/{meeting.id}/conclusions", json=change, headers=api)
    assert locked.status_code == 409
    detail = locked.json()["detail"]
    assert "01/TB-SNV" in detail and "không thể sửa" in detail
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json() == before  # nothing changed

    # For a correction they change again; the correction needs a reason and prints
    # the number and date of the notice it replaces.
    opened = client.put(
        f"/api/v1/meetings/{meeting.id}/conclusions", json={**change, "for_correction": True}, headers=api
    )
    assert opened.status_code == 200, opened.text
    no_reason = issue(client, api, meeting.id, "conclusions", correction=True)
    assert no_reason.status_code == 422 and "note" in no_reason.json()["fields"]
    fixed = issue(client, api, meeting.id, "conclusions", correction=True, note="Bổ sung kết luận về biên chế")
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["number"] == "02/TB-SNV"
    text = pdf_text(client.get(f"/api/v1/meetings/{meeting.id}/documents/conclusions.pdf", headers=api).content)
    first = notice.json()
    day, month, year = first["issued_on"][8:10], first["issued_on"][5:7], first["issued_on"][0:4]
    if int(month) > 2:  # months 01 and 02 keep their zero, the others print without
        month = str(int(month))
    assert (
        f"Thông báo này thay thế Thông báo số 01/TB-SNV ngày {day} tháng {month} năm {year} của Sở Nội vụ; "
        "lý do: Bổ sung kết luận về biên chế." in text
    )
    assert "Một kết luận khác." in text


def test_a_task_deadline_on_a_day_off_is_refused(client: Any, api: dict[str, str], meeting: Built) -> None:
    from datetime import timedelta

    from confmgr.workdays import is_working_day

    # The next Sunday after the meeting, and the agency's own day off.
    sunday = meeting.starts.date() + timedelta(days=(6 - meeting.starts.weekday()) % 7 or 7)
    before = client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()
    task = {"assignee": "Văn phòng Sở", "description": "tổng hợp", "due_date": sunday.isoformat()}
    refused = client.put(
        f"/api/v1/meetings/{meeting.id}/conclusions", json={"conclusions": ["Một."], "tasks": [task]}, headers=api
    )
    assert refused.status_code == 422 and "tasks.0.due_date" in refused.json()["fields"]
    assert "ngày làm việc" in refused.json()["fields"]["tasks.0.due_date"]
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json() == before
    monday = sunday + timedelta(days=1)
    while not is_working_day(monday):
        monday += timedelta(days=1)
    agency = client.get("/api/v1/agency", headers=api).json()
    client.put("/api/v1/agency", json={**agency, "days_off": [monday.isoformat()]}, headers=api)
    task["due_date"] = monday.isoformat()
    local = client.put(
        f"/api/v1/meetings/{meeting.id}/conclusions", json={"conclusions": ["Một."], "tasks": [task]}, headers=api
    )
    assert local.status_code == 422
    after = monday + timedelta(days=1)
    while not is_working_day(after):
        after += timedelta(days=1)
    task["due_date"] = after.isoformat()
    assert client.put(
        f"/api/v1/meetings/{meeting.id}/conclusions", json={"conclusions": ["Một."], "tasks": [task]}, headers=api
    ).status_code == 200


def test_the_conclusions_page_says_they_are_locked(client: Any, api: dict[str, str], meeting: Built) -> None:
    from tests.helpers import form_post, login, text_of

    assert issue(client, api, meeting.id, "conclusions").status_code == 201
    login(client)
    page = client.get(f"/meetings/{meeting.id}/documents/conclusions")
    shown = text_of(page.text)
    assert "Thông báo số 01/TB-SNV đã ban hành các kết luận này; kết luận đã bị khóa" in shown
    assert 'name="for_correction"' in page.text
    state = client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()
    form = {
        "version": str(state["version"]),
        "title_of_chair": "Giám đốc Sở Nội vụ",
        "conclusions[]": ["Kết luận đã sửa."],
        "task_assignee[]": [""],
        "task_description[]": [""],
        "task_due[]": [""],
        "recipients_other": "",
        "action": "save",
    }
    refused = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", form)
    assert refused.status_code == 409
    assert "Kết luận đã được ban hành tại Thông báo số 01/TB-SNV ngày" in text_of(refused.text)
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json() == state
    opened = form_post(client, f"/meetings/{meeting.id}/documents/conclusions", {**form, "for_correction": "1"})
    assert opened.status_code in (302, 303)
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()["conclusions"] == ["Kết luận đã sửa."]


def test_the_minutes_conclusions_are_locked_once_the_notice_is_issued(client: Any, api: dict[str, str], meeting: Built) -> None:
    from tests.helpers import form_post, login, text_of

    path = f"/api/v1/meetings/{meeting.id}/documents/minutes/sections"
    before = client.get(path, headers=api).json()
    # Before the notice the minutes' conclusions may be worded by the secretariat.
    edited = client.put(path, json={"version": before["version"], "sections": {"conclusions": "Kết luận đã biên tập."}}, headers=api)
    assert edited.status_code == 200, edited.text
    state = edited.json()
    assert issue(client, api, meeting.id, "conclusions").status_code == 201
    refused = client.put(path, json={"version": state["version"], "sections": {"conclusions": "Một kết luận khác."}}, headers=api)
    assert refused.status_code == 409
    assert "01/TB-SNV" in refused.json()["detail"] and "không thể sửa" in refused.json()["detail"]
    assert client.get(path, headers=api).json() == state  # nothing changed
    # Other sections still change, and the conclusions may go back to the record (the notice's).
    other = client.put(path, json={"version": state["version"], "sections": {"recipients": "Chủ tọa hội nghị"}}, headers=api)
    assert other.status_code == 200, other.text
    back = client.put(path, json={"version": other.json()["version"], "sections": {"conclusions": None}}, headers=api)
    assert back.status_code == 200, back.text

    login(client)
    page = client.get(f"/meetings/{meeting.id}/documents/minutes")
    assert "Thông báo số 01/TB-SNV đã ban hành các kết luận này; kết luận đã bị khóa" in text_of(page.text)
    assert 'name="section:conclusions"' in page.text and 'readonly>' in page.text.split('name="section:conclusions"')[1][:80]
    version = client.get(path, headers=api).json()["version"]
    typed = form_post(client, f"/meetings/{meeting.id}/documents/minutes", {"version": str(version), "section:conclusions": "Sửa qua trang."})
    assert typed.status_code == 409
    assert "Kết luận đã được ban hành tại Thông báo số 01/TB-SNV ngày" in text_of(typed.text)
    assert "{number}" not in typed.text


def test_the_documents_page_due_date_skips_an_agency_day_off(client: Any, api: dict[str, str], meeting: Built) -> None:
    from datetime import timedelta

    from confmgr.timeutil import vn_date
    from confmgr.workdays import add_working_days
    from tests.helpers import login, text_of
    from tests.integration.documents.conftest import AGENCY

    ended = (meeting.starts + timedelta(hours=3, minutes=10)).date()
    due = add_working_days(ended, 5)
    day_off = add_working_days(ended, 1)  # the first working day after the meeting
    later = add_working_days(ended, 5, [day_off])
    assert later > due
    login(client)
    before = text_of(client.get(f"/meetings/{meeting.id}/documents/").text)
    assert vn_date(due) in before
    saved = client.put("/api/v1/agency", json={**AGENCY, "days_off": [day_off.isoformat()]}, headers=api)
    assert saved.status_code == 200, saved.text
    after = text_of(client.get(f"/meetings/{meeting.id}/documents/").text)
    assert vn_date(later) in after and vn_date(due) not in after
    assert client.get(f"/api/v1/meetings/{meeting.id}/conclusions", headers=api).json()["due_on"] == later.isoformat()
