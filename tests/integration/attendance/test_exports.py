"""The attendance sheet as XLSX and CSV, read back as a person's spreadsheet would."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.integration.attendance.conftest import Board, add_site, answer, create_meeting, person

HEADINGS = [
    "STT", "Điểm cầu", "Vai trò", "Xác nhận", "Lý do", "Kiểm tra kỹ thuật", "Kết nối",
    "Họ và tên", "Chức vụ", "Cơ quan", "Có mặt", "Lý do vắng", "Đến muộn",
]


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"))))


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def _roll_call(client: Any, headers: dict[str, str], board: Board) -> None:
    sites = client.get(f"/api/v1/meetings/{board.meeting_id}/sites", headers=headers).json()
    people = {d["full_name"]: d["id"] for s in sites for d in s["delegates"]}
    response = client.put(
        f"/api/v1/meetings/{board.meeting_id}/sites/{board.quy_nhon.id}/roll-call",
        json={"connected": True, "present": [people["Đặng Văn Tâm"]],
              "absent": [{"person": people["Nguyễn Thị Hồng"], "reason": "Ốm"}]},
        headers=headers,
    )
    assert response.status_code == 200, response.text


def test_csv_one_row_per_delegate_with_vietnamese_headings(admin_client: Any, client: Any, admin_api: dict[str, str], board: Board) -> None:
    _roll_call(client, admin_api, board)
    response = admin_client.get(f"/meetings/{board.meeting_id}/attendance.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = _csv_rows(response.content)
    assert rows[0] == HEADINGS
    body = rows[1:]
    assert [r[0] for r in body] == ["1", "2", "3", "4", "5"]
    assert [(r[1], r[7]) for r in body] == [
        ("Hội trường UBND tỉnh", ""),
        ("UBND thành phố Quy Nhơn", "Đặng Văn Tâm"),
        ("UBND thành phố Quy Nhơn", "Nguyễn Thị Hồng"),
        ("UBND thị xã An Nhơn", ""),
        ("UBND huyện Tuy Phước", ""),
    ]
    tam, hong, an_nhon = body[1], body[2], body[3]
    assert tam[2:4] == ["Điểm cầu trực tuyến", "Tham dự"] and tam[6] == "Có"
    assert tam[8] == "Chủ tịch" and tam[10] == "Có"
    assert hong[10:12] == ["Không", "Ốm"]
    assert an_nhon[3:5] == ["Không tham dự", "Trùng lịch tiếp công dân"]


def test_xlsx_reads_back_the_same(admin_client: Any, client: Any, admin_api: dict[str, str], board: Board) -> None:
    _roll_call(client, admin_api, board)
    response = admin_client.get(f"/meetings/{board.meeting_id}/attendance.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = _xlsx_rows(response.content)
    assert list(rows[0]) == HEADINGS
    assert len(rows) == 6
    assert rows[2][1] == "UBND thành phố Quy Nhơn" and rows[2][7] == "Đặng Văn Tâm" and rows[2][0] == 2
    assert rows[3][11] == "Ốm"
    csv_rows = _csv_rows(admin_client.get(f"/meetings/{board.meeting_id}/attendance.csv").content)
    assert [[str(v) for v in r] for r in rows] == csv_rows


def test_text_that_looks_like_a_formula_stays_text(admin_client: Any, client: Any, admin_api: dict[str, str]) -> None:
    meeting_id = create_meeting(client, admin_api)
    site = add_site(client, admin_api, meeting_id, "=HYPERLINK(\"http://x\",\"Bấm\")")
    answer(client, site, True, [person("@SUM(1+1)", "-Chủ tịch")])
    rows = _csv_rows(admin_client.get(f"/meetings/{meeting_id}/attendance.csv").content)
    assert rows[1][1].startswith("'=") and rows[1][7] == "'@SUM(1+1)" and rows[1][8] == "'-Chủ tịch"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(admin_client.get(f"/meetings/{meeting_id}/attendance.xlsx").content)).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "=HYPERLINK(\"http://x\",\"Bấm\")"
    assert sheet["H2"].data_type == "s"


def test_api_exports_with_a_bearer_token(client: Any, admin_api: dict[str, str], board: Board) -> None:
    csv_response = client.get(f"/api/v1/meetings/{board.meeting_id}/attendance.csv", headers=admin_api)
    assert csv_response.status_code == 200
    assert len(_csv_rows(csv_response.content)) == 6
    xlsx_response = client.get(f"/api/v1/meetings/{board.meeting_id}/attendance.xlsx", headers=admin_api)
    assert xlsx_response.status_code == 200
    assert _xlsx_rows(xlsx_response.content)[0][0] == "STT"


def test_viewers_may_export(client: Any, viewer_api: dict[str, str], board: Board) -> None:
    assert client.get(f"/api/v1/meetings/{board.meeting_id}/attendance.csv", headers=viewer_api).status_code == 200


def test_exports_refuse_anonymous_and_site_tokens(client: Any, board: Board) -> None:
    for suffix in ("csv", "xlsx"):
        api = f"/api/v1/meetings/{board.meeting_id}/attendance.{suffix}"
        assert client.get(api).status_code == 401
        refused = client.get(api, headers=board.quy_nhon.bearer)
        assert refused.status_code == 401 and refused.json()["status_code"] == 401
        page = client.get(f"/meetings/{board.meeting_id}/attendance.{suffix}", follow_redirects=False)
        assert page.status_code in (302, 303) and page.headers["location"].startswith("/login")


def test_unknown_meeting_export_is_404(client: Any, admin_api: dict[str, str]) -> None:
    response = client.get("/api/v1/meetings/4242/attendance.csv", headers=admin_api)
    assert response.status_code == 404 and response.json()["detail"]
