"""The live state is rendered once (in the language of whoever made the change) and
sent to every site's page: it carries every language, and each page shows its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from confmgr.agenda.live import live_html
from confmgr.agenda.services import live_state
from confmgr.i18n import current_locale
from tests.factories import meeting_json

ROOT = Path(__file__).resolve().parents[3]


def _shown(html: str, lang: str) -> str:
    """The text a page in ``lang`` shows: the other languages' spans are hidden."""
    other = "vi" if lang == "en" else "en"
    html = re.sub(rf'<span lang="{other}" class="in-{other}">.*?</span>', " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_live_state_reads_right_for_every_viewer_whoever_rendered_it(client: Any, db: Any,
                                                                         admin_api: dict[str, str]) -> None:
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=admin_api).json()
    site = client.post(f"/api/v1/meetings/{meeting['id']}/sites", json={"name": "UBND xã An Hòa", "role": "remote"},
                       headers=admin_api).json()
    state = db(lambda session: live_state(session, meeting["id"]))
    for rendered_in in ("en", "vi"):  # the secretary who made the change worked in this language
        token = current_locale.set(rendered_in)
        try:
            fragment = live_html(client.app, state)
        finally:
            current_locale.reset(token)
        vietnamese, english = _shown(fragment, "vi"), _shown(fragment, "en")
        assert "Hội nghị chưa bắt đầu." in vietnamese and "ngày" in vietnamese, rendered_in
        assert "The meeting has not started yet." not in vietnamese and "Nobody is waiting." not in vietnamese
        assert "The meeting has not started yet." in english and "Nobody is waiting." in english, rendered_in
        assert "Hội nghị chưa bắt đầu." not in english and "ngày" not in english
    # Each page says which language it is in; the stylesheet hides the others.
    client.cookies.set("lang", "en")
    page = client.get(f"/s/{site['token']}/now").text
    assert '<html lang="en">' in page and '<span lang="en" class="in-en">' in page
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert 'html:not([lang="en"]) .in-en, html[lang="en"] .in-vi { display: none; }' in css
