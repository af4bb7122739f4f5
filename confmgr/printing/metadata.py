"""What a printed file says about itself: title, author, subject, and when it was made.

The PDF's information dictionary and the DOCX core properties carry the same values,
made here once from a document's content. The date is the document's own (the issue
moment, else its date; a draft, the meeting's), never the clock: the same content
gives the same bytes, and the date is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from confmgr.text import clean_text


@dataclass(frozen=True, slots=True)
class FileMetadata:
    title: str
    author: str
    subject: str
    stamp: datetime


def metadata_of(content: Any) -> FileMetadata:
    """For an issued document's content (minutes, notice): its file title and subject,
    the issuing agency as author, its stamp."""
    return FileMetadata(
        title=clean_text(content.file_title), author=clean_text(content.header.name),
        subject=clean_text(content.file_subject), stamp=content.stamp,
    )


def pdf_date(moment: datetime) -> str:
    """``D:20211227093012+07'00'``: a PDF date with the moment's offset (Vietnam time)."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


# DOCX core properties hold at most 255 characters a field.
CORE_MAX = 255


def core_text(text: str) -> str:
    """A value for a DOCX core property: cut to ``CORE_MAX`` with an ellipsis."""
    return text if len(text) <= CORE_MAX else text[: CORE_MAX - 1].rstrip() + "…"
