"""The attendance sheet as CSV and XLSX: one row per delegate, Vietnamese headings.

The files are office records in Vietnamese whatever language the person reading the
board chose, so headings and values are Vietnamese here. A site without delegates
still gets a row. Text that a spreadsheet would run as a formula is kept as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from confmgr.attendance.services import ProvinceCount, SheetLine
from confmgr.i18n import gettext
from confmgr.labels import CHECK_LABELS, RESPONSE_LABELS, SITE_ROLE_LABELS
from confmgr.sites.units import province_of

HEADINGS = (
    "STT", "Điểm cầu", "Vai trò", "Xác nhận", "Lý do", "Kiểm tra kỹ thuật", "Kết nối",
    "Họ và tên", "Chức vụ", "Cơ quan", "Có mặt", "Lý do vắng", "Đến muộn",
)
COLUMN_WIDTHS = (6, 40, 16, 16, 30, 18, 10, 28, 30, 30, 10, 30, 10)
PROVINCE_HEADING = "Tỉnh, thành phố"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _vi(mapping: dict[str, str], value: str) -> str:
    return gettext(mapping[value], locale="vi") if value in mapping else value


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Có" if value else "Không")


def has_provinces(lines: Sequence[SheetLine]) -> bool:
    """Sites that are official units get a province column (after the site's name)."""
    return any(line.province_code for line in lines)


def headings(lines: Sequence[SheetLine]) -> tuple[str, ...]:
    return (*HEADINGS[:2], PROVINCE_HEADING, *HEADINGS[2:]) if has_provinces(lines) else HEADINGS


def _province(code: str | None) -> str:
    info = province_of(code)
    return info.name if info else ""


def sheet_rows(lines: Sequence[SheetLine]) -> list[list[Any]]:
    """Rows under the headings; STT counts the rows."""
    rows: list[list[Any]] = []
    with_province = has_provinces(lines)
    for number, line in enumerate(lines, start=1):
        has_delegate = line.full_name is not None
        rows.append([
            number,
            line.site_name,
            _vi(SITE_ROLE_LABELS, line.role),
            _vi(RESPONSE_LABELS, line.response),
            line.reason,
            _vi(CHECK_LABELS, line.technical_check),
            _yes_no(line.connected),
            line.full_name or "",
            line.position if has_delegate else "",
            line.organization if has_delegate else "",
            _yes_no(line.present) if has_delegate else "",
            line.absence_reason if has_delegate else "",
            ("Có" if line.arrived_late else "") if has_delegate else "",
        ])
        if with_province:
            rows[-1].insert(2, _province(line.province_code))
    return rows


def _inert(value: Any) -> Any:
    # A name typed as "=HYPERLINK(...)" must stay a name in Excel (CSV injection).
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(lines: Sequence[SheetLine]) -> bytes:
    """UTF-8 with a byte order mark: without it Excel reads Vietnamese as mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings(lines))
    for row in sheet_rows(lines):
        writer.writerow([_inert(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _bold_cell(sheet: Any, value: str, font: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _text_cell(sheet: Any, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    # openpyxl stores text that starts with "=" as a formula; this one stays text.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


PROVINCE_SHEET = "Theo tỉnh"
PROVINCE_HEADINGS = (
    "STT", PROVINCE_HEADING, "Số điểm cầu", "Đã trả lời", "Tham dự", "Không tham dự", "Chưa trả lời",
    "Đã kết nối", "Không kết nối", "Đại biểu xác nhận",
)
PROVINCE_WIDTHS = (6, 30, 12, 12, 10, 14, 14, 12, 14, 18)
OTHER_SITES = "Điểm cầu khác"  # sites that are no official unit (the host hall)


def province_rows(provinces: Sequence[ProvinceCount]) -> list[list[Any]]:
    """One row per province (the board's per-province counts), then the totals."""
    rows: list[list[Any]] = []
    for number, c in enumerate(provinces, start=1):
        values = [c.sites, c.answered, c.attending, c.declined, c.silent, c.connected, c.not_connected, c.delegates_confirmed]
        rows.append([number, c.name or OTHER_SITES, *values])
    if rows:
        totals = [sum(row[i] for row in rows) for i in range(2, len(PROVINCE_HEADINGS))]
        rows.append(["", "Tổng cộng", *totals])
    return rows


def to_xlsx(lines: Sequence[SheetLine], title: str, provinces: Sequence[ProvinceCount] = ()) -> bytes:
    """The sheet of delegates; with ``provinces`` (a meeting of official units) a
    second sheet of per-province counts, for the provinces to remind."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only mode streams rows: a national meeting has over ten thousand of them.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Điểm danh")
    widths = (*COLUMN_WIDTHS[:2], 24, *COLUMN_WIDTHS[2:]) if has_provinces(lines) else COLUMN_WIDTHS
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Headings on the first row so that scripts read the file like the CSV; the
    # meeting's title goes into the document properties.
    sheet.freeze_panes = "A2"
    workbook.properties.title = title[:255]
    bold = Font(bold=True)
    sheet.append([_bold_cell(sheet, heading, bold) for heading in headings(lines)])
    for row in sheet_rows(lines):
        sheet.append([_text_cell(sheet, v) if isinstance(v, str) and v.startswith("=") else v for v in row])
    if provinces:
        summary = workbook.create_sheet(PROVINCE_SHEET)
        for index, width in enumerate(PROVINCE_WIDTHS, start=1):
            summary.column_dimensions[get_column_letter(index)].width = width
        summary.freeze_panes = "A2"
        summary.append([_bold_cell(summary, heading, bold) for heading in PROVINCE_HEADINGS])
        for row in province_rows(provinces):
            summary.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
