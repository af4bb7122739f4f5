"""Row 5 of #13: a 500-character meeting title: the DOCX drafts and issuing work, the
file's core properties are shortened, the document itself keeps the whole title."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

from tests.integration.documents.conftest import build_meeting, set_agency

CORE_TEXT_MAX = 255  # what Word and python-docx accept in a core property

WORDS = "Hội nghị sơ kết công tác chuyển đổi số và cải cách hành chính của các xã, phường trên địa bàn tỉnh"


def long_title(length: int = 500) -> str:
    text = ""
    n = 1
    while len(text) < length:
        text += f"{WORDS} đợt {n}; "
        n += 1
    return text[:length].strip()


def test_row05_500_character_title_drafts_and_issues(client: Any, db: Any, admin_api: dict[str, str]) -> None:
    title = long_title()
    assert len(title) >= 499
    set_agency(client, admin_api)
    meeting = build_meeting(client, db, admin_api, title=title, remote_count=4)
    draft = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.docx", headers=admin_api)
    assert draft.status_code == 200, draft.text[:500]
    document = Document(io.BytesIO(draft.content))
    assert len(document.core_properties.title) <= CORE_TEXT_MAX
    assert document.core_properties.title.endswith("…")
    body = " ".join(" ".join(p.text for p in document.paragraphs).split())
    assert title[-40:] in body
    issued = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/issue", headers=admin_api)
    assert issued.status_code == 201, issued.text[:500]
    docx_url = issued.json().get("docx_url")
    if docx_url:
        final = client.get(docx_url, headers=admin_api)
        assert final.status_code == 200
        assert len(Document(io.BytesIO(final.content)).core_properties.title) <= CORE_TEXT_MAX
