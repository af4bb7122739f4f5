"""The meeting workspace: one tab bar on every meeting page, favicon, skip link, contrast."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.factories import meeting_form
from tests.helpers import form_post, login, make_user
from tests.integration.documents.conftest import Built, api, meeting  # noqa: F401

ROOT = Path(__file__).resolve().parents[3]
TABS = ["Thông tin", "Điểm cầu", "Chương trình", "Điều hành", "Điểm danh", "Văn bản", "Nhật ký"]


def _create(client: Any) -> int:
    response = form_post(client, "/meetings/new", meeting_form(title="Hội nghị giao ban"))
    assert response.status_code in (302, 303)
    return int(response.headers["location"].rsplit("/", 1)[1])


def _tabs(html: str) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no tab bar"
    found = []
    for match in re.finditer(r'<a class="tab" href="([^"]+)" data-tab="[^"]+"( aria-current="page")?>([^<]+)', nav.group(1)):
        found.append((match.group(3).strip(), match.group(1), bool(match.group(2))))
    return found


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("", "Thông tin"),
        ("/sites/", "Điểm cầu"),
        ("/sites/pick", "Điểm cầu"),
        ("/invitations", "Điểm cầu"),
        ("/attendance", "Điểm cầu"),
        ("/agenda", "Chương trình"),
        ("/console/", "Điều hành"),
        ("/roll-call/", "Điểm danh"),
        ("/documents/", "Văn bản"),
        ("/documents/minutes", "Văn bản"),
        ("/documents/minutes/preview", "Văn bản"),
        ("/audit", "Nhật ký"),
        ("/sites/units", "Điểm cầu"),
        ("/edit", "Thông tin"),
        ("/copy", "Thông tin"),
    ],
)
def test_every_meeting_page_carries_the_same_tabs_with_the_current_one_marked(admin_client: Any, path: str, current: str) -> None:
    meeting_id = _create(admin_client)
    page = admin_client.get(f"/meetings/{meeting_id}{path}")
    assert page.status_code == 200, path
    tabs = _tabs(page.text)
    assert [label for label, _, _ in tabs] == TABS
    assert [label for label, _, marked in tabs if marked] == [current]
    for _, href, _ in tabs:
        assert href.startswith(f"/meetings/{meeting_id}")
        assert admin_client.get(href).status_code == 200, href


def test_sites_tab_counts_the_sites_and_secretary_sees_no_log_tab(client: Any, db: Any, admin: int) -> None:
    make_user(db, "thuky", "secretary")
    login(client, "thuky")
    meeting_id = _create(client)
    response = form_post(client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện An Lão", "role": "remote"})
    assert response.headers["location"] == f"/meetings/{meeting_id}/sites/"
    tabs = _tabs(client.get(f"/meetings/{meeting_id}").text)
    assert "Nhật ký" not in [label for label, _, _ in tabs]
    sites_tab = client.get(f"/meetings/{meeting_id}").text
    assert re.search(r'data-tab="sites">Điểm cầu <span class="tab-count">1</span>', sites_tab)
    assert "UBND huyện An Lão" in client.get(f"/meetings/{meeting_id}/sites/").text


def _counts(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no tab bar"
    return dict(re.findall(r'data-tab="([a-z_]+)"[^>]*>[^<]+<span class="tab-count">([^<]+)</span>', nav.group(1)))


def test_every_page_shows_the_same_counts_and_the_signing_page_has_the_tabs(client: Any, api: dict[str, str],
                                                                           meeting: Built) -> None:
    issued = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/issue", headers=api)
    assert issued.status_code == 201, issued.text
    login(client)
    # 13 sites (the host and 12 districts), all called and connected; 3 items; the minutes issued.
    expected = {"sites": "13", "agenda": "3", "roll_call": "13/13", "documents": "1"}
    for path in ("", "/sites/", "/sites/units", "/sites/pick", "/invitations", "/attendance", "/agenda", "/console/",
                 "/roll-call/", "/documents/", "/documents/minutes/signing", "/audit", "/edit", "/copy"):
        page = client.get(f"/meetings/{meeting.id}{path}")
        assert page.status_code == 200, path
        assert _counts(page.text) == expected, path
    signing = client.get(f"/meetings/{meeting.id}/documents/minutes/signing").text
    assert [label for label, _, marked in _tabs(signing) if marked] == ["Văn bản"]


def _options(html: str) -> dict[str, list[str]]:
    """Each filter select's option texts, by the select's name."""
    return {name: [t.strip() for t in re.findall(r"<option[^>]*>([^<]*)</option>", body)]
            for name, body in re.findall(r'<select id="f-[a-z_]+" name="([a-z_]+)">(.*?)</select>', html, re.S)}


def test_board_and_roll_call_filters_are_in_english_for_an_english_page(admin_client: Any) -> None:
    meeting_id = _create(admin_client)
    form_post(admin_client, f"/meetings/{meeting_id}/sites/", {"name": "UBND huyện An Lão", "role": "remote"})
    # Seen in Vietnamese first: the labels must not stay in the language the page was first made in.
    vietnamese = _options(admin_client.get(f"/meetings/{meeting_id}/attendance").text)
    assert vietnamese["response"] == ["Tất cả", "Tham dự", "Không tham dự", "Chưa trả lời"]
    admin_client.get(f"/meetings/{meeting_id}/roll-call/")
    form_post(admin_client, "/language", {"lang": "en", "next": "/"})
    board = _options(admin_client.get(f"/meetings/{meeting_id}/attendance").text)
    assert board["response"] == ["All", "Attending", "Declined", "No answer yet"]
    assert board["check"] == ["All", "Working", "Problem", "Not checked"]
    assert board["role"] == ["All", "Host site", "Remote site"]
    roll_call = _options(admin_client.get(f"/meetings/{meeting_id}/roll-call/").text)
    assert roll_call["response"] == ["All", "Attending", "Declined", "No answer yet"]
    assert roll_call["connected"] == ["All", "Connected", "Not connected", "Not called yet"]
    # And the same filters in Vietnamese by default.
    form_post(admin_client, "/language", {"lang": "vi", "next": "/"})
    again = _options(admin_client.get(f"/meetings/{meeting_id}/roll-call/").text)
    assert again["response"] == ["Tất cả", "Tham dự", "Không tham dự", "Chưa trả lời"] and again["connected"][0] == "Tất cả"


def test_favicon_is_served_and_every_page_has_a_skip_link(admin_client: Any) -> None:
    icon = admin_client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = admin_client.get("/meetings").text
    assert '<a class="skip-link" href="#main">Chuyển đến nội dung chính</a>' in page
    assert 'id="main"' in page
    assert '<script src="/static/js/app.js" defer></script>' in page


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_no_answer_badge_has_enough_contrast() -> None:
    css = (ROOT / "static" / "css" / "app.css").read_text()
    rule = re.search(r"\.resp-pending \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}", css)
    assert rule, "the .resp-pending rule is not where the test expects it"
    darker, lighter = sorted((_luminance(rule.group(1)), _luminance(rule.group(2))))
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5


def test_templates_carry_no_inline_handlers() -> None:
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        if re.search(r"\son(click|submit|change|input|load)=", text):
            offenders.append(template.name)
    assert offenders == []
