"""Roll call (điểm danh): the API, the page, its totals, and who may do it."""

from __future__ import annotations

from typing import Any

from tests.helpers import csrf_token, form_post, login, make_user, text_of
from tests.integration.attendance.conftest import Board, person


def _url(board: Board, site_id: int) -> str:
    return f"/api/v1/meetings/{board.meeting_id}/sites/{site_id}/roll-call"


def _delegates(client: Any, headers: dict[str, str], board: Board, site_id: int) -> dict[str, dict[str, Any]]:
    sites = client.get(f"/api/v1/meetings/{board.meeting_id}/sites", headers=headers).json()
    site = next(s for s in sites if s["id"] == site_id)
    return {d["full_name"]: d for d in site["delegates"]}


def _totals(db: Any, meeting_id: int) -> Any:
    from confmgr.attendance.services import roll_call_totals

    async def read(session: Any) -> Any:
        return await roll_call_totals(session, meeting_id)

    return db(read)


def _start(client: Any, headers: dict[str, str], board: Board) -> None:
    response = client.post(f"/api/v1/meetings/{board.meeting_id}/start", json={}, headers=headers)
    assert response.status_code in (200, 201), response.text


def test_roll_call_through_the_api(client: Any, admin_api: dict[str, str], board: Board, db: Any, published: list[Any]) -> None:
    people = _delegates(client, admin_api, board, board.quy_nhon.id)
    tam, hong = people["Đặng Văn Tâm"]["id"], people["Nguyễn Thị Hồng"]["id"]
    response = client.put(
        _url(board, board.quy_nhon.id),
        json={"connected": True, "present": [tam], "absent": [{"person": hong, "reason": "Đi công tác Hà Nội"}]},
        headers=admin_api,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["connected"] is True and body["roll_called_at"]
    state = {d["full_name"]: (d["present"], d["absence_reason"]) for d in body["delegates"]}
    assert state == {"Đặng Văn Tâm": (True, ""), "Nguyễn Thị Hồng": (False, "Đi công tác Hà Nội")}
    after = _delegates(client, admin_api, board, board.quy_nhon.id)
    assert after["Nguyễn Thị Hồng"]["absence_reason"] == "Đi công tác Hà Nội"
    totals = _totals(db, board.meeting_id)
    assert (totals.sites, totals.sites_connected, totals.sites_not_connected, totals.sites_not_called) == (4, 1, 0, 3)
    assert (totals.delegates, totals.delegates_present, totals.delegates_absent, totals.delegates_late) == (2, 1, 1, 0)
    assert (f"meeting:{board.meeting_id}:board", "site-updated", str(board.quy_nhon.id)) in published


def test_not_connected_site_and_summary_api(client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    response = client.put(_url(board, board.an_nhon.id), json={"connected": False}, headers=admin_api)
    assert response.status_code == 200
    summary = client.get(f"/api/v1/meetings/{board.meeting_id}/attendance", headers=admin_api).json()
    assert summary["roll_call"]["sites_not_connected"] == 1
    assert summary["counts"]["attending"] == 1 and summary["counts"]["sites"] == 4


def test_a_person_not_on_the_list_becomes_a_delegate(client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    response = client.put(
        _url(board, board.quy_nhon.id),
        json={
            "connected": True,
            # Named without accents: still the delegate already on the list.
            "present": [person("Dang Van Tam"), person("Trần Quốc Bảo", "Phó Chủ tịch", "UBND thành phố Quy Nhơn")],
            "absent": [{"person": person("Võ Thị Ngọc Ánh", "Chuyên viên"), "reason": "Ốm"}],
        },
        headers=admin_api,
    )
    assert response.status_code == 200, response.text
    people = _delegates(client, admin_api, board, board.quy_nhon.id)
    assert set(people) == {"Đặng Văn Tâm", "Nguyễn Thị Hồng", "Trần Quốc Bảo", "Võ Thị Ngọc Ánh"}
    assert people["Đặng Văn Tâm"]["present"] is True
    assert people["Nguyễn Thị Hồng"]["present"] is None  # not mentioned: not called
    assert people["Trần Quốc Bảo"]["present"] is True and people["Trần Quốc Bảo"]["organization"] == "UBND thành phố Quy Nhơn"
    assert people["Trần Quốc Bảo"]["arrived_late"] is False  # the meeting has not started
    assert people["Võ Thị Ngọc Ánh"]["present"] is False and people["Võ Thị Ngọc Ánh"]["absence_reason"] == "Ốm"


def test_after_the_start_newcomers_and_absentees_who_come_are_late(client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    people = _delegates(client, admin_api, board, board.quy_nhon.id)
    tam, hong = people["Đặng Văn Tâm"]["id"], people["Nguyễn Thị Hồng"]["id"]
    _start(client, admin_api, board)
    first = client.put(
        _url(board, board.quy_nhon.id),
        json={"connected": True, "present": [tam], "absent": [{"person": hong, "reason": "Chưa đến"}]},
        headers=admin_api,
    )
    assert first.status_code == 200
    second = client.put(
        _url(board, board.quy_nhon.id),
        json={"connected": True, "present": [tam, hong, person("Lê Văn Đức", "Chuyên viên")]},
        headers=admin_api,
    )
    assert second.status_code == 200
    late = {d["full_name"]: d["arrived_late"] for d in second.json()["delegates"]}
    assert late == {"Đặng Văn Tâm": False, "Nguyễn Thị Hồng": True, "Lê Văn Đức": True}
    assert _totals(db, board.meeting_id).delegates_late == 2


def test_bad_roll_calls_change_nothing(client: Any, admin_api: dict[str, str], board: Board, db: Any, published: list[Any]) -> None:
    people = _delegates(client, admin_api, board, board.quy_nhon.id)
    tam = people["Đặng Văn Tâm"]["id"]
    other = _delegates(client, admin_api, board, board.quy_nhon.id)["Nguyễn Thị Hồng"]["id"]
    bad_bodies = [
        {"connected": True, "present": [999999]},  # not a delegate of the site
        {"connected": True, "present": [tam], "absent": [{"person": tam, "reason": "x"}]},  # twice
        {"connected": True, "present": [{"full_name": "", "position": "Chủ tịch"}]},  # no name
        {"connected": True, "absent": [{"person": other, "reason": "x" * 501}]},  # reason too long
        {"connected": "có"},  # not a boolean
        {"present": [tam]},  # connected missing
        {"connected": True, "present": [tam], "late": []},  # unknown field
    ]
    for body in bad_bodies:
        response = client.put(_url(board, board.quy_nhon.id), json=body, headers=admin_api)
        assert response.status_code in (400, 422), (body, response.text)
        assert response.json()["detail"]
    assert all(d["present"] is None for d in _delegates(client, admin_api, board, board.quy_nhon.id).values())
    assert _totals(db, board.meeting_id).sites_not_called == 4
    assert not [p for p in published if p[1] == "site-updated" and p[2] == str(board.quy_nhon.id)]


def test_roll_call_of_a_site_of_another_meeting_is_404(client: Any, admin_api: dict[str, str], board: Board) -> None:
    from tests.integration.attendance.conftest import add_site, create_meeting

    other_meeting = create_meeting(client, admin_api)
    stranger = add_site(client, admin_api, other_meeting, "UBND xã Lạ")
    response = client.put(_url(board, stranger.id), json={"connected": True}, headers=admin_api)
    assert response.status_code == 404
    assert client.put(f"/api/v1/meetings/9999/sites/{board.host.id}/roll-call", json={"connected": True}, headers=admin_api).status_code == 404


def test_roll_call_is_audited(client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    assert client.put(_url(board, board.host.id), json={"connected": True}, headers=admin_api).status_code == 200

    async def entries(session: Any) -> list[Any]:
        from sqlalchemy import select

        from confmgr.audit.models import AuditEntry

        return list(await session.execute(
            select(AuditEntry.action, AuditEntry.actor_label, AuditEntry.changes)
            .where(AuditEntry.entity == "site", AuditEntry.entity_id == board.host.id, AuditEntry.action == "roll_call")
        ))

    (action, actor, changes), = db(entries)
    assert actor == "admin" and changes["connected"] == [None, True]


def test_viewer_cannot_roll_call(client: Any, viewer_api: dict[str, str], board: Board) -> None:
    response = client.put(_url(board, board.host.id), json={"connected": True}, headers=viewer_api)
    assert response.status_code == 403
    assert response.json()["status_code"] == 403


def test_site_token_and_anonymous_cannot_roll_call(client: Any, board: Board) -> None:
    assert client.put(_url(board, board.quy_nhon.id), json={"connected": True}, headers=board.quy_nhon.bearer).status_code == 401
    assert client.put(_url(board, board.quy_nhon.id), json={"connected": True}).status_code == 401


def test_no_roll_call_once_documents_are_issued(client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    async def issue(session: Any) -> None:
        from confmgr.meetings.models import Meeting

        meeting = await session.get(Meeting, board.meeting_id)
        meeting.status = "documents_issued"

    db(issue)
    assert client.put(_url(board, board.host.id), json={"connected": True}, headers=admin_api).status_code == 409


# ---- the page -----------------------------------------------------------------------


def _page(board: Board) -> str:
    return f"/meetings/{board.meeting_id}/roll-call/"


def test_roll_call_page_full_and_fragment(admin_client: Any, board: Board) -> None:
    page = admin_client.get(_page(board))
    assert page.status_code == 200 and "<html" in page.text
    text = text_of(page.text)
    assert "Điểm danh" in text and "Đặng Văn Tâm" in text and "Lưu điểm danh" in text
    fragment = admin_client.get(_page(board), params={"q": "thi xa an nhon"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="rollcall-list"')
    assert "UBND thị xã An Nhơn" in fragment.text and "Quy Nhơn" not in fragment.text


def test_roll_call_form_without_javascript(admin_client: Any, client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    people = _delegates(client, admin_api, board, board.quy_nhon.id)
    tam, hong = people["Đặng Văn Tâm"]["id"], people["Nguyễn Thị Hồng"]["id"]
    response = form_post(
        admin_client, f"/meetings/{board.meeting_id}/roll-call/{board.quy_nhon.id}",
        {
            "connected": "yes", f"d.{tam}": "present", f"d.{hong}": "absent", f"reason.{hong}": "Họp Hội đồng nhân dân",
            "new.full_name": "Phạm Thị Yến", "new.position": "Chuyên viên", "new.organization": "", "new.status": "present",
            "_back": "q=quy&evil=1",
        },
    )
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == f"/meetings/{board.meeting_id}/roll-call?q=quy#site-{board.quy_nhon.id}"
    after = _delegates(client, admin_api, board, board.quy_nhon.id)
    assert after["Đặng Văn Tâm"]["present"] is True
    assert (after["Nguyễn Thị Hồng"]["present"], after["Nguyễn Thị Hồng"]["absence_reason"]) == (False, "Họp Hội đồng nhân dân")
    assert after["Phạm Thị Yến"]["present"] is True
    page = admin_client.get(_page(board))
    assert 'id="total-present">2<' in page.text and 'id="total-absent">1<' in page.text


def test_roll_call_form_with_htmx_answers_the_site_card_and_totals(admin_client: Any, board: Board) -> None:
    response = admin_client.post(
        f"/meetings/{board.meeting_id}/roll-call/{board.host.id}",
        data={"connected": "no", "_csrf_token": csrf_token(admin_client)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.text
    assert "<html" not in response.text
    assert response.text.lstrip().startswith(f'<article class="card rc-site" id="site-{board.host.id}"')
    assert "Đã lưu điểm danh" in text_of(response.text)
    assert 'id="rollcall-totals" class="card" hx-swap-oob="true"' in response.text
    assert 'id="total-not-connected">1<' in response.text


def test_roll_call_form_errors_are_shown_and_change_nothing(admin_client: Any, board: Board, db: Any) -> None:
    url = f"/meetings/{board.meeting_id}/roll-call/{board.host.id}"
    no_choice = form_post(admin_client, url, {"new.full_name": "Nguyễn Văn Lạ"})
    assert no_choice.status_code == 422
    assert "Vui lòng chọn điểm cầu đã kết nối hay chưa" in text_of(no_choice.text)
    assert 'value="Nguyễn Văn Lạ"' in no_choice.text  # what was typed stays
    fragment = admin_client.post(
        url, data={"connected": "yes", "new.position": "Chủ tịch", "_csrf_token": csrf_token(admin_client)},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert "Vui lòng nhập họ và tên" in text_of(fragment.text) or "họ và tên" in text_of(fragment.text).lower()
    assert _totals(db, board.meeting_id).sites_not_called == 4


def test_roll_call_form_needs_csrf(admin_client: Any, board: Board, db: Any) -> None:
    response = admin_client.post(
        f"/meetings/{board.meeting_id}/roll-call/{board.host.id}", data={"connected": "yes"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert _totals(db, board.meeting_id).sites_connected == 0


def test_viewer_reads_the_roll_call_but_cannot_save(client: Any, db: Any, board: Board, admin_api: dict[str, str]) -> None:
    assert client.put(_url(board, board.an_nhon.id), json={"connected": False}, headers=admin_api).status_code == 200
    make_user(db, "xem", "viewer")
    login(client, "xem")
    page = client.get(_page(board))
    assert page.status_code == 200
    assert "Lưu điểm danh" not in page.text and "<form method=\"post\" action=\"/meetings" not in page.text
    assert "Không kết nối được" in text_of(page.text)
    refused = form_post(client, f"/meetings/{board.meeting_id}/roll-call/{board.host.id}", {"connected": "yes"})
    assert refused.status_code == 403
    assert _totals(db, board.meeting_id).sites_connected == 0


def test_absences_for_the_minutes(client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    response = client.put(
        _url(board, board.quy_nhon.id),
        json={"connected": True, "absent": [{"person": person("Nguyễn Thị Hồng"), "reason": "Đi học tập trung"}]},
        headers=admin_api,
    )
    assert response.status_code == 200

    async def read(session: Any) -> Any:
        from confmgr.attendance.services import roll_call_absences

        return await roll_call_absences(session, board.meeting_id)

    (absence,) = db(read)
    assert (absence.site_name, absence.full_name, absence.position, absence.reason) == (
        "UBND thành phố Quy Nhơn", "Nguyễn Thị Hồng", "Chánh Văn phòng", "Đi học tập trung",
    )
