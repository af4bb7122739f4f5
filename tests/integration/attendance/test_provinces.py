"""The board, the roll call and the exports by province (sites that are official units)."""

from __future__ import annotations

import csv
import io
from typing import Any

from confmgr.sites import units as official
from tests.helpers import text_of

from .conftest import create_meeting

DA_NANG, QUANG_NINH = "48", "22"


def _national_meeting(client: Any, headers: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    meeting_id = create_meeting(client, headers)
    for body in ({"province": DA_NANG}, {"province": QUANG_NINH, "type": "dac_khu"}):
        assert client.post(f"/api/v1/meetings/{meeting_id}/sites/units", json=body, headers=headers).status_code == 201
    assert client.post(f"/api/v1/meetings/{meeting_id}/sites", json={"name": "Hội trường Bộ Nội vụ", "role": "host"}, headers=headers).status_code == 201
    sites = client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=headers).json()
    return meeting_id, sites


def _answer(client: Any, site: dict[str, Any], attending: bool) -> None:
    body: dict[str, Any] = {"attending": attending, "delegates": []}
    if attending:
        body["delegates"] = [{"full_name": "Nguyễn Văn An", "position": "Chủ tịch UBND", "organization": None}]
    else:
        body["reason"] = "Trùng lịch"
    response = client.put("/api/v1/portal/response", json=body, headers={"Authorization": f"Bearer {site['token']}"})
    assert response.status_code == 200, response.text


def test_per_province_counts_board_filter_and_exports(admin_client: Any, admin_api: dict[str, str]) -> None:
    client = admin_client
    meeting_id, sites = _national_meeting(client, admin_api)
    da_nang = [s for s in sites if s["province_code"] == DA_NANG]
    quang_ninh = [s for s in sites if s["province_code"] == QUANG_NINH]
    assert len(da_nang) == len(official.select_units(DA_NANG)) and len(quang_ninh) == 2
    for site in da_nang[:5]:
        _answer(client, site, True)
    for site in da_nang[5:7]:
        _answer(client, site, False)
    _answer(client, quang_ninh[0], True)

    counts = client.get(f"/api/v1/meetings/{meeting_id}/attendance/provinces", headers=admin_api).json()
    assert [c["code"] for c in counts] == [QUANG_NINH, DA_NANG, None]
    by_code = {c["code"]: c for c in counts}
    assert by_code[DA_NANG] == {
        "code": DA_NANG, "name": "Thành phố Đà Nẵng", "sites": len(da_nang), "attending": 5, "declined": 2,
        "silent": len(da_nang) - 7, "connected": 0, "not_connected": 0, "delegates_confirmed": 5, "answered": 7,
    }
    assert by_code[QUANG_NINH]["attending"] == 1 and by_code[None]["sites"] == 1

    board = client.get(f"/meetings/{meeting_id}/attendance")
    assert board.status_code == 200
    html = board.text
    assert 'id="board-provinces"' in html and 'class="chart chart-provinces"' in html
    assert f'href="/meetings/{meeting_id}/attendance?province={DA_NANG}"' in html
    assert 'data-province="48"' in html and "7/" + str(len(da_nang)) in html  # the chart's numbers

    filtered = client.get(f"/meetings/{meeting_id}/attendance", params={"province": QUANG_NINH})
    text = text_of(filtered.text)
    assert "2 điểm cầu phù hợp" in text or "2 matching sites" in text
    assert "Vân Đồn" in text and "Cô Tô" in text and "Hải Châu" not in text
    pending = client.get(f"/meetings/{meeting_id}/attendance", params={"province": DA_NANG, "response": "pending"})
    assert f"{len(da_nang) - 7} " in text_of(pending.text)
    other = client.get(f"/meetings/{meeting_id}/attendance", params={"province": "none"})
    assert "Hội trường Bộ Nội vụ" in other.text and "Vân Đồn" not in other.text
    unknown = client.get(f"/meetings/{meeting_id}/attendance", params={"province": "xx"})
    assert unknown.status_code == 200  # an unknown province means "any", as other filters

    roll = client.get(f"/meetings/{meeting_id}/roll-call/", params={"province": QUANG_NINH})
    assert roll.status_code == 200 and 'id="rollcall-provinces"' in roll.text
    assert "Vân Đồn" in roll.text and "Hải Châu" not in text_of(roll.text).split("Điểm danh theo tỉnh")[0]

    sheet = client.get(f"/api/v1/meetings/{meeting_id}/attendance.csv", headers=admin_api)
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["STT", "Điểm cầu", "Tỉnh, thành phố", "Vai trò"]
    provinces_in_order = [r[2] for r in rows[2:]]  # after the host
    assert rows[1][1] == "Hội trường Bộ Nội vụ"
    # Sites of one province together, provinces in the official order.
    assert provinces_in_order == sorted(provinces_in_order, key=lambda name: name != "Quảng Ninh")
    assert provinces_in_order[:2] == ["Quảng Ninh", "Quảng Ninh"]


def test_a_meeting_without_official_units_shows_no_province_part(admin_client: Any, admin_api: dict[str, str]) -> None:
    client = admin_client
    meeting_id = create_meeting(client, admin_api)
    client.post(f"/api/v1/meetings/{meeting_id}/sites", json={"name": "Hội trường UBND tỉnh", "role": "host"}, headers=admin_api)
    assert client.get(f"/api/v1/meetings/{meeting_id}/attendance/provinces", headers=admin_api).json() == []
    board = client.get(f"/meetings/{meeting_id}/attendance")
    assert 'id="board-provinces"' not in board.text and 'name="province"' not in board.text
    sheet = client.get(f"/api/v1/meetings/{meeting_id}/attendance.csv", headers=admin_api)
    assert "Tỉnh, thành phố" not in sheet.content.decode("utf-8-sig")


def test_exports_follow_the_boards_filters_and_count_per_province(admin_client: Any, admin_api: dict[str, str]) -> None:
    from openpyxl import load_workbook

    client = admin_client
    meeting_id, sites = _national_meeting(client, admin_api)
    da_nang = [s for s in sites if s["province_code"] == DA_NANG]
    quang_ninh = [s for s in sites if s["province_code"] == QUANG_NINH]
    for site in da_nang[:3]:
        _answer(client, site, True)
    _answer(client, da_nang[3], False)
    _answer(client, quang_ninh[0], True)

    def csv_rows(path: str, **params: str) -> list[list[str]]:
        response = client.get(path, params=params, headers=admin_api)
        assert response.status_code == 200, response.text
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    for path in (f"/api/v1/meetings/{meeting_id}/attendance.csv", f"/meetings/{meeting_id}/attendance.csv"):
        rows = csv_rows(path, province=QUANG_NINH)
        assert {r[2] for r in rows[1:]} == {"Quảng Ninh"} and len(rows) == 1 + len(quang_ninh)
        attending = csv_rows(path, province=DA_NANG, response="attending")
        assert sorted(r[1] for r in attending[1:]) == sorted(s["name"] for s in da_nang[:3])
        assert [r[1] for r in csv_rows(path, province="none")[1:]] == ["Hội trường Bộ Nội vụ"]
        everything = csv_rows(path)
        assert len(everything) == 1 + len(sites)  # one line a site: no delegates but at the attending ones'
        assert len(csv_rows(path, q=da_nang[0]["name"])) == 2

    for path in (f"/api/v1/meetings/{meeting_id}/attendance.xlsx", f"/meetings/{meeting_id}/attendance.xlsx"):
        whole = client.get(path, headers=admin_api)
        assert whole.status_code == 200
        book = load_workbook(io.BytesIO(whole.content), read_only=True)
        assert book.sheetnames == ["Điểm danh", "Theo tỉnh"]
        summary = [list(r) for r in book["Theo tỉnh"].iter_rows(values_only=True)]
        assert summary[0][:7] == ["STT", "Tỉnh, thành phố", "Số điểm cầu", "Đã trả lời", "Tham dự", "Không tham dự", "Chưa trả lời"]
        assert summary[1] == [1, "Quảng Ninh", 2, 1, 1, 0, 1, 0, 0, 1]
        assert summary[2] == [2, "Thành phố Đà Nẵng", len(da_nang), 4, 3, 1, len(da_nang) - 4, 0, 0, 3]
        assert summary[3][:3] == [3, "Điểm cầu khác", 1]
        assert summary[4][:5] == [None, "Tổng cộng", len(sites), 5, 4]
        one = client.get(path, params={"province": DA_NANG}, headers=admin_api)
        assert 'tinh-48.xlsx' in one.headers["content-disposition"]
        book = load_workbook(io.BytesIO(one.content), read_only=True)
        assert {r[2] for r in book["Điểm danh"].iter_rows(min_row=2, values_only=True)} == {"Thành phố Đà Nẵng"}
        assert [r[1] for r in book["Theo tỉnh"].iter_rows(min_row=2, values_only=True)] == ["Thành phố Đà Nẵng", "Tổng cộng"]

    # The board offers the filtered list with the filters it shows.
    board = client.get(f"/meetings/{meeting_id}/attendance", params={"province": DA_NANG, "response": "pending", "page": "2"})
    assert f'href="/meetings/{meeting_id}/attendance.xlsx?response=pending&amp;province={DA_NANG}"' in board.text
    assert f'href="/meetings/{meeting_id}/attendance.csv?response=pending&amp;province={DA_NANG}"' in board.text
