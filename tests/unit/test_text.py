"""One text cleaner: what a page stores is what a document prints."""

from __future__ import annotations

from confmgr.documents import content
from confmgr.text import clean_text, normalise_text


def test_one_cleaner_for_pages_and_documents() -> None:
    typed = "  Ba\u0301o ca\u0301o\r\ntổng\u200b kết\u0007\rnăm 2026 \t"
    assert clean_text(typed) == "Báo cáo\ntổng kết\nnăm 2026"
    assert content.clean(typed) == clean_text(typed)
    assert normalise_text(" a\u202eb ") == " ab "  # inner and outer spaces kept, format characters dropped
    assert clean_text(None) == "" and clean_text("Hội nghị") == "Hội nghị"
