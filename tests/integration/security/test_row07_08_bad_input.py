"""Rows 7 and 8 of #13: malformed or out-of-range input is a 400/422 that changes
nothing, never a 500 (and never a traceback in the log)."""

from __future__ import annotations

import logging
from typing import Any

from tests.factories import meeting_json
from tests.helpers import form_post, login


def test_row07_deeply_nested_json_is_a_400_without_a_traceback(client: Any, caplog: Any) -> None:
    with caplog.at_level(logging.INFO):
        for body in [b"[" * 1000, b'{"username": ' + b"[" * 100_000, b"{" * 5000]:
            answer = client.post("/api/v1/auth/token", content=body, headers={"content-type": "application/json"})
            assert answer.status_code == 400, answer.text
            assert answer.json()["status_code"] == 400
            assert answer.json()["detail"]
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text


def test_row08_out_of_range_ints_and_dates_are_422(client: Any, admin_api: dict[str, str], site: Any, meeting_id: int) -> None:
    bearer = {"Authorization": f"Bearer {site.token}"}
    answer = client.post("/api/v1/portal/contributions", json={"title": "Báo cáo", "agenda_item_id": 1e20}, headers=bearer)
    assert answer.status_code in (400, 422), answer.text
    answer = client.post("/api/v1/portal/contributions", json={"title": "Báo cáo", "agenda_item_id": 2**70}, headers=bearer)
    assert answer.status_code in (400, 422), answer.text
    for ids in ([10**20], [2**63], [-1], list(range(1, 32_800))):
        answer = client.post(f"/api/v1/meetings/{meeting_id}/sites/from-directory", json={"directory_site_ids": ids}, headers=admin_api)
        assert answer.status_code in (400, 404, 422), (len(ids), answer.text)
    for value in ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00+14:00"]:
        answer = client.post("/api/v1/meetings", json=meeting_json(starts_at=value), headers=admin_api)
        assert answer.status_code in (400, 422), (value, answer.text)
        answer = client.patch(f"/api/v1/meetings/{meeting_id}", json={"starts_at": value}, headers=admin_api)
        assert answer.status_code in (400, 422), (value, answer.text)
    assert len(client.get("/api/v1/meetings", headers=admin_api).json()) == 1
    assert client.get(f"/api/v1/meetings/{meeting_id}/contributions", headers=admin_api).json() in ([], {"items": []})


def test_row08_pick_form_with_impossible_ids_is_an_error_page(client: Any, admin: int, meeting_id: int) -> None:
    login(client)
    for ids in (["100000000000000000000"], ["1e20"], [str(i) for i in range(1, 32_800)]):
        answer = form_post(client, f"/meetings/{meeting_id}/sites/pick", {"site_ids[]": ids})
        assert answer.status_code in (400, 404, 422), answer.text[:300]
    answer = form_post(client, f"/meetings/{meeting_id}/edit", {"title": "x", "starts_at": "0001-01-01T00:00"})
    assert answer.status_code in (400, 422), answer.text[:300]


def test_row08_search_by_the_first_and_last_days_python_knows(client: Any, admin_api: dict[str, str], meeting_id: int) -> None:
    # Midnight of 0001-01-01 in Vietnam has no UTC datetime, nor the day after 9999-12-31:
    # such bounds mean "no bound" (found by the schemathesis run: a 500).
    for bounds in ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}, {"date_from": "0001-01-01", "date_to": "9999-12-31"}):
        answer = client.get("/api/v1/meetings", params=bounds, headers=admin_api)
        assert answer.status_code == 200, (bounds, answer.text)
        assert [m["id"] for m in answer.json()] == [meeting_id], bounds
    assert client.get("/api/v1/meetings", params={"date_from": "9999-12-31"}, headers=admin_api).json() == []
    assert client.get("/api/v1/meetings", params={"date_to": "0001-01-01"}, headers=admin_api).json() == []
