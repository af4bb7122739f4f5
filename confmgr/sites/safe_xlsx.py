"""Reading an uploaded XLSX workbook without letting it take the server down.

An XLSX is a zip of XML parts. A tiny file can declare a sheet of 17 billion cells
(``<dimension ref="A1:XFD1048576"/>``), hold a shared-strings part of hundreds of
megabytes, or carry a DTD (entity expansion). Before openpyxl sees the file, every
member of the zip is decompressed under a budget (its real size, not the size its
header claims) and scanned for a DTD; the first sheet's declared dimension is checked;
then the cells are read with bounds on rows, columns and cells. The XML itself is
parsed through ``defusedxml`` (openpyxl uses it when installed), so a DTD that slipped
past the scan is refused too.

Callers run :func:`xlsx_cells` in a worker thread (see ``importing.read_sites_file``):
even a file within the limits takes seconds to parse, and the event loop must keep
answering meanwhile.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from confmgr.errors import InvalidInput, TooLarge

MAX_MEMBERS = 300
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024  # all members together, as really decompressed
MAX_MEMBER_BYTES = 30 * 1024 * 1024
MAX_COLUMNS = 60
MAX_CELLS = 1_000_000
_CHUNK = 64 * 1024
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number


def check_archive(content: bytes, max_rows: int) -> None:
    """Refuse a workbook whose parts are too many, too large once decompressed, carry
    a DTD, or whose first sheet declares more rows or columns than a list of sites has."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidInput("The XLSX workbook could not be read.") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InvalidInput("The XLSX workbook could not be read.")
        total = 0
        for info in members:
            if info.file_size > MAX_MEMBER_BYTES or total + info.file_size > MAX_UNCOMPRESSED_BYTES:
                raise TooLarge("The workbook is too large once unpacked (at most 40 MB).")
            if info.is_dir():
                continue
            try:
                with archive.open(info) as part:
                    tail = b""
                    size = 0
                    dimension_seen = False
                    while chunk := part.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > MAX_MEMBER_BYTES or total > MAX_UNCOMPRESSED_BYTES:
                            raise TooLarge("The workbook is too large once unpacked (at most 40 MB).")
                        window = tail + chunk
                        if _DTD.search(window):
                            raise InvalidInput("The workbook contains a document type declaration (DTD), which is not accepted.")
                        if not dimension_seen and info.filename.startswith("xl/worksheets/"):
                            found = _DIMENSION.search(window)
                            if found:
                                dimension_seen = True
                                _check_dimension(found, max_rows)
                        tail = window[-512:]
            # zipfile raises NotImplementedError for a compression method it does not
            # know and RuntimeError for an encrypted member: both are workbooks we refuse.
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                raise InvalidInput("The XLSX workbook could not be read.") from exc


def _check_dimension(found: re.Match[bytes], max_rows: int) -> None:
    first_col, first_row, last_col, last_row = (g.decode() if g else "" for g in found.groups())
    col = last_col or first_col
    row = last_row or first_row
    if (row and int(row) > max_rows + 1) or (col and _column_number(col) > MAX_COLUMNS):
        raise TooLarge(
            "The sheet is larger than a list of sites can be (at most {rows} rows and {columns} columns).",
            params={"rows": max_rows, "columns": MAX_COLUMNS},
        )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_cells(content: bytes, max_rows: int) -> list[list[str]]:
    """The first sheet's cells as text, at most ``max_rows + 1`` rows (the header and
    one more, so the caller can say the file is too long) of ``MAX_COLUMNS`` columns."""
    check_archive(content, max_rows)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise InvalidInput("The XLSX workbook could not be read.") from exc
    try:
        if not workbook.worksheets:
            raise InvalidInput("The XLSX workbook could not be read.")
        sheet = workbook.worksheets[0]
        # The dimension was checked; a sheet that does not declare one is read
        # without relying on it.
        sheet.reset_dimensions()
        rows: list[list[str]] = []
        cells = 0
        for values in sheet.iter_rows(max_row=max_rows + 2, max_col=MAX_COLUMNS, values_only=True):
            row = [_text(v) for v in values]
            rows.append(row)
            cells += sum(1 for v in row if v)
            if cells > MAX_CELLS:
                raise TooLarge("The sheet has too many cells for a list of sites.")
            if len(rows) > max_rows + 1:
                break
        while rows and not any(rows[-1]):
            rows.pop()
        return rows
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput("The XLSX workbook could not be read.") from exc
    finally:
        workbook.close()
