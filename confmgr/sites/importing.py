"""Reading a list of sites from CSV (UTF-8) or XLSX, one site a row.

The first row names the columns, in English (api.md) or Vietnamese. Every row is
checked; the caller creates nothing when any row has an error.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from dataclasses import dataclass

import anyio.to_thread

from confmgr.emailaddr import is_valid_email
from confmgr.errors import InvalidInput, TooLarge
from confmgr.sites.models import SiteRole
from confmgr.sites.safe_xlsx import xlsx_cells
from confmgr.text import clean_line, search_key
from confmgr.i18n import N_

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "Tên điểm cầu", "Điểm cầu", "Tên"),
    "role": ("role", "Vai trò"),
    "address": ("address", "Địa chỉ"),
    "contact_name": ("contact_name", "Người liên hệ", "Cán bộ đầu mối"),
    "contact_phone": ("contact_phone", "Điện thoại", "Số điện thoại"),
    "contact_email": ("contact_email", "Email", "Thư điện tử"),
    "expected_delegates": ("expected_delegates", "Số đại biểu"),
    "province": ("province", "Tỉnh", "Tỉnh/thành phố", "Tỉnh, thành phố"),
}
_HEADER_KEYS = {search_key(label): field for field, labels in HEADERS.items() for label in labels}
_ROLE_WORDS = {
    "host": SiteRole.HOST.value,
    "remote": SiteRole.REMOTE.value,
    search_key("chủ trì"): SiteRole.HOST.value,
    search_key("điểm cầu chính"): SiteRole.HOST.value,
    search_key("điểm cầu trung tâm"): SiteRole.HOST.value,
    search_key("chính"): SiteRole.HOST.value,
    search_key("trung tâm"): SiteRole.HOST.value,
    search_key("điểm cầu"): SiteRole.REMOTE.value,
    search_key("điểm cầu phụ"): SiteRole.REMOTE.value,
    search_key("trực tuyến"): SiteRole.REMOTE.value,
    search_key("xa"): SiteRole.REMOTE.value,
    "": SiteRole.REMOTE.value,
}
PHONE_RE = re.compile(r"^[0-9+() .-]{6,20}$")


@dataclass(frozen=True)
class SiteRow:
    name: str
    line: int = 0  # the row number in the file, for error messages
    role: str = SiteRole.REMOTE.value
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    expected_delegates: int | None = None
    province: str = ""  # as written; narrows the match with the official units


@dataclass(frozen=True)
class RowError:
    row: int
    message: str  # a message id; ``params`` fill its placeholders
    params: tuple[tuple[str, int | str], ...] = ()


def site_field_errors(
    name: str, role: str, contact_phone: str, contact_email: str, expected_delegates: int | None, address: str = ""
) -> dict[str, str]:
    """The checks every site passes, whether typed in a form or read from a file."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = N_("Enter the site's name.")
    elif len(name) > 300:
        errors["name"] = N_("At most 300 characters.")
    if role not in (SiteRole.HOST.value, SiteRole.REMOTE.value):
        errors["role"] = N_("The role is host or remote.")
    if contact_email and not is_valid_email(contact_email):
        errors["contact_email"] = N_("This email address is not valid.")
    if contact_phone and not PHONE_RE.match(contact_phone):
        errors["contact_phone"] = N_("This phone number is not valid.")
    if expected_delegates is not None and not 0 <= expected_delegates <= 1000:
        errors["expected_delegates"] = N_("The number of delegates is between 0 and 1000.")
    if len(address) > 500:
        errors["address"] = N_("At most 500 characters.")
    return errors


def _cells(content: bytes) -> list[list[str]]:
    if content[:4] == b"PK\x03\x04":
        return _xlsx_cells(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is neither an XLSX workbook nor CSV in UTF-8.") from exc
    if "\x00" in text:
        raise InvalidInput("The file is neither an XLSX workbook nor CSV in UTF-8.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_cells(content: bytes) -> list[list[str]]:
    return xlsx_cells(content, MAX_ROWS)


def parse_sites_file(content: bytes) -> tuple[list[SiteRow], list[RowError]]:
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge("The file is larger than 5 MB.")
    if not content.strip():
        raise InvalidInput("The file is empty.")
    table = _cells(content)
    if not table:
        raise InvalidInput("The file is empty.")
    columns = [_HEADER_KEYS.get(search_key(cell)) for cell in table[0]]
    if "name" not in columns:
        return [], [RowError(1, "The first row must name the columns; a column 'name' (Tên điểm cầu) is required.")]
    rows: list[SiteRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise InvalidInput("A file holds at most 20,000 sites.")
    for number, cells in enumerate(body, start=2):
        values = {field: clean_line(cells[i]) for i, field in enumerate(columns) if field and i < len(cells)}
        if not any(values.values()):
            continue  # blank line
        role_word = search_key(values.get("role", ""))
        role = _ROLE_WORDS.get(role_word, "?")
        expected: int | None = None
        raw_expected = values.get("expected_delegates", "")
        row_errors: list[tuple[str, tuple[tuple[str, int | str], ...]]] = []
        if raw_expected:
            try:
                expected = int(raw_expected)
            except ValueError:
                row_errors.append((N_("The number of delegates is not a whole number."), ()))
        name = values.get("name", "")
        problems = site_field_errors(
            name, role, values.get("contact_phone", ""), values.get("contact_email", ""), expected,
            values.get("address", ""),
        )
        row_errors.extend((message, ()) for message in problems.values())
        key = search_key(name)
        if name and key in seen:
            row_errors.append((N_("The same site as row {row}."), (("row", seen[key]),)))
        elif name:
            seen[key] = number
        if row_errors:
            errors.extend(RowError(number, message, params) for message, params in row_errors)
            continue
        rows.append(
            SiteRow(
                name=name,
                line=number,
                role=role,
                address=values.get("address", ""),
                contact_name=values.get("contact_name", ""),
                contact_phone=values.get("contact_phone", ""),
                contact_email=values.get("contact_email", ""),
                expected_delegates=expected,
                province=values.get("province", ""),
            )
        )
    if not rows and not errors:
        errors.append(RowError(2, "The file lists no site."))
    return rows, errors


# One file parsed at a time, off the event loop: a workbook within the limits still
# takes seconds, and two at once would only share the same cores.
_PARSER = threading.Lock()


def _parse_alone(content: bytes) -> tuple[list[SiteRow], list[RowError]]:
    with _PARSER:
        return parse_sites_file(content)


async def read_sites_file(content: bytes) -> tuple[list[SiteRow], list[RowError]]:
    """:func:`parse_sites_file` in a worker thread, so the server keeps answering."""
    return await anyio.to_thread.run_sync(_parse_alone, content)
