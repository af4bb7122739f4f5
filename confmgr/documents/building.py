"""Building the minutes and the conclusions notice (PDF and DOCX) off the event loop.

:func:`build_document` is the job itself; it receives only plain data (the meeting's
record, numbers, the font folder) and imports nothing of the web application, so it
runs in the printing pool's worker processes (:mod:`confmgr.printing.pool`).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from confmgr.documents import record as rec
from confmgr.documents.content import Replacement
from confmgr.documents.docx import build_conclusions_docx, build_minutes_docx
from confmgr.documents.models import DocumentKind
from confmgr.documents.pdf import build_conclusions_pdf, build_minutes_pdf
from confmgr.printing import pool
from confmgr.printing.fonts import load_fonts

MINUTES = DocumentKind.MINUTES.value


def build_document(
    font_dir: Path | None, kind: str, fmt: str, record: rec.MeetingRecord, number: int | None, issued_on: date | None,
    replaces: Replacement | None = None, issued_at: datetime | None = None,
) -> bytes:
    """The document as PDF or DOCX bytes: a draft when ``number`` is None; a correction
    names the document it ``replaces``."""
    if kind == MINUTES:
        content: Any = rec.minutes_content(record, number=number, issued_on=issued_on, replaces=replaces, issued_at=issued_at)
        return build_minutes_pdf(content, load_fonts(font_dir)) if fmt == "pdf" else build_minutes_docx(content)
    content = rec.conclusions_content(record, number=number, issued_on=issued_on, replaces=replaces, issued_at=issued_at)
    return build_conclusions_pdf(content, load_fonts(font_dir)) if fmt == "pdf" else build_conclusions_docx(content)


async def build(
    workers: int, font_dir: Path | None, kind: str, fmt: str, record: rec.MeetingRecord,
    number: int | None, issued_on: date | None, replaces: Replacement | None = None, issued_at: datetime | None = None,
) -> bytes:
    """Build in the printing pool; the event loop keeps serving meanwhile."""
    return await pool.run(workers, build_document, font_dir, kind, fmt, record, number, issued_on, replaces, issued_at)
