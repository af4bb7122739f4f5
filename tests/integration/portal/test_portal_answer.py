"""A site answers through its page: attend with delegates, or decline with a reason."""

from __future__ import annotations

from typing import Any

from tests.helpers import csrf_token, form_post, text_of
from tests.integration.portal.conftest import past, set_deadline


def _open(client: Any, site: Any) -> None:
    # The page sets the CSRF cookie, as it does for a phone opening the link.
    assert client.get(site.url).status_code == 200


def attend_form(*people: tuple[str, str, str]) -> dict[str, str]:
    data = {"attending": "yes", "reason": "", "action": "send"}
    for i, (name, position, org) in enumerate(people):
        data.update({f"delegates.{i}.full_name": name, f"delegates.{i}.position": position, f"delegates.{i}.organization": org})
    return data


def test_attend_with_delegates(client: Any, site: Any, site_state: Any, published: list[Any]) -> None:
    _open(client, site)
    data = attend_form(
        ("Nguyễn Thị Lan", "Chủ tịch UBND xã", "UBND xã Tuy Phước"),
        ("Trần Văn Nam", "Công chức Văn phòng - Thống kê", ""),
    )
    data.update({"delegates.2.full_name": "", "delegates.2.position": "", "delegates.2.organization": ""})  # a spare row
    response = form_post(client, f"{site.url}/response", data)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/s/{site.token}?sent=answer")
    state = site_state(site.id)
    assert state["response"] == "attending"
    assert state["delegates"] == ["Nguyễn Thị Lan", "Trần Văn Nam"]
    assert state["responded_at"] is not None
    assert state["events"] == 1
    assert state["audit"] == [("site", site.id, "respond")]
    assert (f"meeting:{site.meeting_id}:board", "site-updated", str(site.id)) in published
    assert any(c == f"site:{site.id}" and e == "portal-updated" for c, e, _d in published)
    page = text_of(client.get(response.headers["location"]).text)
    assert "Đã gửi xác nhận của điểm cầu. Xin cảm ơn." in page
    assert "Nguyễn Thị Lan, Chủ tịch UBND xã – UBND xã Tuy Phước" in page
    assert "Đại biểu (2)" in page


def test_changing_the_answer_replaces_the_delegates(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    form_post(client, f"{site.url}/response", attend_form(("Nguyễn Thị Lan", "", ""), ("Trần Văn Nam", "", "")))
    response = form_post(client, f"{site.url}/response", attend_form(("Lê Văn Hùng", "Phó Chủ tịch UBND xã", "")))
    assert response.status_code == 303
    state = site_state(site.id)
    assert state["delegates"] == ["Lê Văn Hùng"]
    assert state["events"] == 2
    html = client.get(site.url).text
    # The form shows the delegate already listed, with one spare row.
    assert 'value="Lê Văn Hùng"' in html
    assert 'name="delegates.1.full_name"' in html and 'name="delegates.2.full_name"' not in html


def test_decline_needs_a_reason_and_changes_nothing_without_one(client: Any, site: Any, site_state: Any, published: list[Any]) -> None:
    _open(client, site)
    before = site_state(site.id)
    response = form_post(client, f"{site.url}/response", {"attending": "no", "reason": "  ", "action": "send"})
    assert response.status_code == 422
    assert "Vui lòng nêu lý do điểm cầu không tham dự." in text_of(response.text)
    assert site_state(site.id) == before
    assert published == []
    response = form_post(client, f"{site.url}/response", {"attending": "no", "reason": "Trùng lịch tiếp công dân định kỳ", "action": "send"})
    assert response.status_code == 303
    state = site_state(site.id)
    assert (state["response"], state["reason"], state["delegates"]) == ("declined", "Trùng lịch tiếp công dân định kỳ", [])


def test_declining_drops_rows_left_in_the_form(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    form_post(client, f"{site.url}/response", attend_form(("Nguyễn Thị Lan", "", "")))
    data = attend_form(("Nguyễn Thị Lan", "", ""))
    data.update({"attending": "no", "reason": "Mất điện cả xã"})
    assert form_post(client, f"{site.url}/response", data).status_code == 303
    assert site_state(site.id)["delegates"] == []


def test_no_choice_and_a_row_without_a_name_are_refused_with_the_typed_values_kept(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    before = site_state(site.id)
    response = form_post(client, f"{site.url}/response", {"reason": "", "delegates.0.full_name": "Ngô Thị Huệ", "action": "send"})
    assert response.status_code == 422
    assert "Vui lòng chọn điểm cầu có tham dự hay không." in text_of(response.text)
    assert 'value="Ngô Thị Huệ"' in response.text
    data = attend_form(("Ngô Thị Huệ", "", ""), ("", "Văn thư", "UBND xã"))
    response = form_post(client, f"{site.url}/response", data)
    assert response.status_code == 422
    assert 'id="e-delegates.1.full_name"' in response.text
    assert "Nhập họ và tên." in text_of(response.text)
    assert 'value="Văn thư"' in response.text
    assert site_state(site.id) == before


def test_names_longer_than_200_characters_are_refused(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    before = site_state(site.id)
    response = form_post(client, f"{site.url}/response", attend_form(("Nguyễn " * 40, "", "")))
    assert response.status_code == 422
    assert "Tối đa 200 ký tự." in text_of(response.text)
    assert site_state(site.id) == before


def test_more_than_fifty_delegates_are_refused(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    before = site_state(site.id)
    data = attend_form(*[(f"Đại biểu số {i}", "", "") for i in range(51)])
    response = form_post(client, f"{site.url}/response", data)
    assert response.status_code == 422
    assert "Mỗi điểm cầu đăng ký tối đa 50 đại biểu." in text_of(response.text)
    # The form shows at most 50 rows again, never more.
    assert 'name="delegates.49.full_name"' in response.text and 'name="delegates.50.full_name"' not in response.text
    assert site_state(site.id) == before
    assert form_post(client, f"{site.url}/response", attend_form(*[(f"Đại biểu số {i}", "", "") for i in range(50)])).status_code == 303
    assert len(site_state(site.id)["delegates"]) == 50


def test_add_row_and_remove_row_work_without_javascript_and_save_nothing(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    before = site_state(site.id)
    data = attend_form(("Nguyễn Thị Lan", "", ""), ("Trần Văn Nam", "", ""))
    data["action"] = "add_row"
    response = form_post(client, f"{site.url}/response", data)
    assert response.status_code == 200
    assert 'value="Trần Văn Nam"' in response.text
    assert 'name="delegates.3.full_name"' in response.text  # two typed rows, then two spare
    data["action"] = "remove:0"
    response = form_post(client, f"{site.url}/response", data)
    assert response.status_code == 200
    assert 'value="Nguyễn Thị Lan"' not in response.text
    assert 'id="f-delegates.0.full_name" name="delegates.0.full_name" value="Trần Văn Nam"' in response.text
    assert site_state(site.id) == before


def test_htmx_post_answers_with_the_fragment(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    hx = {"HX-Request": "true", "x-csrftoken": csrf_token(client)}
    response = client.post(f"{site.url}/response", data=attend_form(("Phạm Thị Yến", "", "")), headers=hx)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="portal-answer"' in response.text
    assert "Đã gửi xác nhận của điểm cầu" in text_of(response.text)
    assert "Phạm Thị Yến" in text_of(response.text)
    assert site_state(site.id)["delegates"] == ["Phạm Thị Yến"]
    refused = client.post(f"{site.url}/response", data={"attending": "no", "reason": ""}, headers=hx)
    assert refused.status_code == 422
    assert "<html" not in refused.text
    assert "Vui lòng nêu lý do" in text_of(refused.text)
    added = client.post(f"{site.url}/response", data={**attend_form(("Phạm Thị Yến", "", "")), "action": "add_row"}, headers=hx)
    assert added.status_code == 200 and "<html" not in added.text
    assert 'name="delegates.2.full_name"' in added.text


def test_form_without_csrf_token_is_refused(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    before = site_state(site.id)
    response = client.post(f"{site.url}/response", data=attend_form(("Nguyễn Thị Lan", "", "")), follow_redirects=False)
    assert response.status_code == 403
    assert site_state(site.id) == before


def test_after_the_deadline_the_answer_is_read_only(client: Any, admin_api: dict[str, str], site: Any, site_state: Any) -> None:
    _open(client, site)
    form_post(client, f"{site.url}/response", attend_form(("Nguyễn Thị Lan", "", "")))
    set_deadline(client, admin_api, site.meeting_id, past())
    page = client.get(site.url)
    assert "Đã hết hạn xác nhận" in text_of(page.text)
    assert f'action="/s/{site.token}/response"' not in page.text
    assert "Nguyễn Thị Lan" in text_of(page.text)
    before = site_state(site.id)
    late = form_post(client, f"{site.url}/response", {"attending": "no", "reason": "Đổi ý", "action": "send"})
    assert late.status_code == 409
    assert "Đã hết hạn xác nhận" in text_of(late.text)
    assert site_state(site.id) == before
    # The technical check happens on the day, after the deadline to answer.
    assert form_post(client, f"{site.url}/technical-check", {"status": "ok", "note": ""}).status_code == 303


def test_archived_meeting_is_read_only_for_sites(client: Any, admin_api: dict[str, str], site: Any, site_state: Any) -> None:
    for step in ("start", "end", "archive"):
        assert client.post(f"/api/v1/meetings/{site.meeting_id}/{step}", headers=admin_api).status_code == 200
    _open(client, site)
    html = client.get(site.url).text
    page = text_of(html)
    # After the meeting the portal says so and offers no form to answer or check.
    assert "Hội nghị đã bế mạc" in page
    assert "Gửi kết quả kiểm tra" not in page
    assert f'action="/s/{site.token}/response"' not in html
    before = site_state(site.id)
    assert form_post(client, f"{site.url}/response", attend_form(("Nguyễn Thị Lan", "", ""))).status_code == 409
    assert form_post(client, f"{site.url}/technical-check", {"status": "ok"}).status_code == 409
    assert site_state(site.id) == before


def test_technical_check_form(client: Any, site: Any, site_state: Any, published: list[Any]) -> None:
    _open(client, site)
    before = site_state(site.id)
    refused = form_post(client, f"{site.url}/technical-check", {"status": "problem", "note": ""})
    assert refused.status_code == 422
    assert "Vui lòng mô tả sự cố" in text_of(refused.text)
    assert site_state(site.id) == before
    response = form_post(client, f"{site.url}/technical-check", {"status": "problem", "note": "Không nghe được tiếng từ điểm cầu chính"})
    assert response.status_code == 303
    state = site_state(site.id)
    assert (state["technical_check"], state["technical_note"]) == ("problem", "Không nghe được tiếng từ điểm cầu chính")
    assert state["audit"] == [("site", site.id, "technical_check")]
    assert (f"meeting:{site.meeting_id}:board", "site-updated", str(site.id)) in published
    page = text_of(client.get(response.headers["location"]).text)
    assert "Đã gửi kết quả kiểm tra kỹ thuật." in page
    assert "Không nghe được tiếng từ điểm cầu chính" in page


def test_technical_check_by_htmx_answers_with_the_fragment(client: Any, site: Any, site_state: Any) -> None:
    _open(client, site)
    hx = {"HX-Request": "true", "x-csrftoken": csrf_token(client)}
    response = client.post(f"{site.url}/technical-check", data={"status": "ok", "note": ""}, headers=hx)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Đã gửi kết quả kiểm tra kỹ thuật." in text_of(response.text)
    assert site_state(site.id)["technical_check"] == "ok"
    bad = client.post(f"{site.url}/technical-check", data={"status": "broken"}, headers=hx)
    assert bad.status_code == 422 and "<html" not in bad.text
    assert site_state(site.id)["technical_check"] == "ok"
