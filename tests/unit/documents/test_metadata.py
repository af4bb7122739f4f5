"""The PDF and the Word file of one document say the same about themselves: one
mapping (confmgr.printing.metadata) fills the PDF's information and the DOCX core
properties."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import docx
import pytest
from pypdf import PdfReader

from confmgr.documents.docx import build_conclusions_docx, build_minutes_docx
from confmgr.documents.pdf import build_conclusions_pdf, build_minutes_pdf
from confmgr.printing.fonts import FontFamily
from confmgr.printing.metadata import metadata_of, pdf_date


@pytest.mark.parametrize("kind", ["minutes", "conclusions"])
def test_pdf_and_docx_carry_the_same_metadata(
    kind: str, make_minutes: Callable[..., object], make_conclusions: Callable[..., object], fonts: FontFamily
) -> None:
    content = make_minutes() if kind == "minutes" else make_conclusions()
    build_pdf, build_docx = (
        (build_minutes_pdf, build_minutes_docx) if kind == "minutes" else (build_conclusions_pdf, build_conclusions_docx)
    )
    meta = metadata_of(content)
    info = PdfReader(io.BytesIO(build_pdf(content, fonts))).metadata  # type: ignore[arg-type]
    props = docx.Document(io.BytesIO(build_docx(content))).core_properties  # type: ignore[arg-type]
    assert info is not None
    assert (info.title, info.author, info.subject) == (props.title, props.author, props.subject)
    assert (props.title, props.author, props.subject) == (meta.title, meta.author, meta.subject)
    assert info["/CreationDate"] == pdf_date(meta.stamp)
    assert props.created == meta.stamp.astimezone(UTC).replace(microsecond=0)


def test_a_pdf_date_carries_vietnam_time() -> None:
    from confmgr.timeutil import VN_TZ

    assert pdf_date(datetime(2021, 12, 27, 9, 30, 12, tzinfo=VN_TZ)) == "D:20211227093012+07'00'"
