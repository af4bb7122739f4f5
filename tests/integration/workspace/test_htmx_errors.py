"""One way to show errors, checked on every htmx form that changes something.

Every ``hx-post``/``hx-put``/``hx-patch``/``hx-delete`` in templates/ (and the drag-and-drop
order sent by static/js/agenda.js from ``data-reorder``) must have a case below: a new
htmx form without one fails ``test_every_htmx_form_has_a_refusal_case``. Each case posts
like htmx (``HX-Request: true``) in a state the server refuses, and checks the answer is
one static/js/app.js shows where the person looks:

- a 4xx, never a redirect or a full page (``<html``);
- either a fragment meant to be swapped in place (it carries ``role="alert"`` with the
  message, and the id of the element it replaces), or a bare message marked
  ``data-error-message`` (app.js does not swap it and shows its text above the form);
- nothing changed (the API reads the same before and after).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from confmgr.timeutil import VN_TZ
from tests.factories import meeting_json
from tests.helpers import csrf_token, second_browser, text_of

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HX_WRITE = re.compile(r'\b(?:hx-(?:post|put|patch|delete)|data-reorder)="([^"]+)"')


def _pattern(url: str) -> str:
    """A URL of a template with its Jinja expressions as ``{}``."""
    return re.sub(r"\{\{.*?\}\}", "{}", url)


def htmx_writes() -> set[tuple[str, str]]:
    """(template, URL pattern) of every htmx request that changes something."""
    found = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        for url in HX_WRITE.findall(path.read_text(encoding="utf-8")):
            found.add((str(path.relative_to(TEMPLATES)), _pattern(url)))
    return found


@dataclass
class Refusal:
    """What a case hands back: where to post, as whom, and how to read the state."""

    url: str
    data: dict[str, Any] = field(default_factory=dict)
    portal: bool = False
    state: Callable[[], Any] = lambda: None
    target: str = ""  # the id a swapped fragment must carry; "" when only a bare message is expected


class World:
    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else self.headers
        response = self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    def get(self, path: str, token: str | None = None) -> Any:
        return self.api("GET", path, token)

    def meeting(self, *, now: bool = False, deadline_passed: bool = False) -> int:
        overrides: dict[str, Any] = {}
        if now:
            starts = (datetime.now(VN_TZ) - timedelta(minutes=30)).replace(second=0, microsecond=0)
            deadline = (starts - timedelta(hours=1)).isoformat() if deadline_passed else None
            overrides = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
                         "response_deadline": deadline}
        return int(self.api("POST", "/meetings", json=meeting_json(**overrides))["id"])

    def site(self, m: int, name: str = "UBND huyện Hoài Nhơn", **extra: Any) -> tuple[int, str]:
        body = self.api("POST", f"/meetings/{m}/sites", json={"name": name, "role": "remote", **extra})
        return int(body["id"]), str(body["token"])

    def items(self, m: int, *titles: str) -> list[int]:
        return [int(self.api("POST", f"/meetings/{m}/agenda", json={"title": t, "kind": "other"})["id"]) for t in titles]

    def step(self, m: int, action: str) -> None:
        self.api("POST", f"/meetings/{m}/{action}")

    def answer(self, token: str) -> None:
        self.api("PUT", "/portal/response", token=token,
                 json={"attending": True, "delegates": [{"full_name": "Phạm Thị Yến", "position": "Phó Chủ tịch"}]})

    def contribution(self, m: int) -> int:
        body = self.api("POST", f"/meetings/{m}/contributions",
                        json={"title": "Tham luận về chuyển đổi số", "speaker": {"full_name": "Nguyễn Văn Bình"}})
        return int(body["id"])

    def ask_to_speak(self, token: str) -> int:
        return int(self.api("POST", "/portal/speak-requests", token=token, json={"speaker": {"full_name": "Phạm Thị Yến"}})["id"])


# ---- the refusing states, one per htmx write -------------------------------------------


def _roll_call(w: World) -> Refusal:
    m = w.meeting(now=True)
    site, token = w.site(m)
    w.answer(token)
    # Saved without saying whether the site is connected: 422, the card with its message.
    return Refusal(f"/meetings/{m}/roll-call/{site}", {}, state=lambda: w.get(f"/meetings/{m}/sites"),
                   target=f"site-{site}")


def _ended_console(w: World) -> tuple[int, list[int]]:
    m = w.meeting(now=True)
    items = w.items(m, "Khai mạc", "Báo cáo")
    w.step(m, "start")
    w.api("POST", f"/meetings/{m}/agenda/{items[0]}/start")
    return m, items


def _console_start(w: World) -> Refusal:
    m, items = _ended_console(w)
    w.step(m, "end")  # ended from another console
    return Refusal(f"/meetings/{m}/console/items/{items[1]}/start", {"confirmed": "1"}, state=lambda: w.get(f"/meetings/{m}/agenda"))


def _console_finish(w: World) -> Refusal:
    m, items = _ended_console(w)
    w.step(m, "end")
    return Refusal(f"/meetings/{m}/console/items/{items[0]}/finish", state=lambda: w.get(f"/meetings/{m}/agenda"))


def _queue(w: World) -> tuple[int, str, int]:
    m = w.meeting(now=True)
    _site, token = w.site(m)
    w.step(m, "start")
    return m, token, w.ask_to_speak(token)


def _floor(w: World) -> Refusal:
    m, _token, r = _queue(w)
    w.step(m, "end")
    return Refusal(f"/meetings/{m}/console/speak-requests/{r}/floor", state=lambda: w.get(f"/meetings/{m}/speak-requests"))


def _done(w: World) -> Refusal:
    m, _token, r = _queue(w)
    w.api("POST", f"/meetings/{m}/speak-requests/{r}/done")  # dismissed from another console
    return Refusal(f"/meetings/{m}/console/speak-requests/{r}/done", state=lambda: w.get(f"/meetings/{m}/speak-requests"))


def _archive(w: World, m: int) -> None:
    """The meeting is archived by someone else: its record no longer changes."""
    w.step(m, "start")
    w.step(m, "end")
    w.step(m, "archive")


def _agenda_move(direction: str) -> Callable[[World], Refusal]:
    def case(w: World) -> Refusal:
        m = w.meeting()
        items = w.items(m, "Khai mạc", "Báo cáo", "Thảo luận")
        _archive(w, m)
        return Refusal(f"/meetings/{m}/agenda/{items[1]}/move/{direction}", state=lambda: w.get(f"/meetings/{m}/agenda"))
    return case


def _agenda_order(w: World) -> Refusal:
    m = w.meeting()
    items = w.items(m, "Khai mạc", "Báo cáo", "Thảo luận")
    w.api("DELETE", f"/meetings/{m}/agenda/{items[2]}")  # deleted in another tab meanwhile
    order = ",".join(str(i) for i in reversed(items))
    return Refusal(f"/meetings/{m}/agenda/order", {"item_ids": order}, state=lambda: w.get(f"/meetings/{m}/agenda"))


def _contribution(path: str) -> Callable[[World], Refusal]:
    def case(w: World) -> Refusal:
        m = w.meeting()
        c = [w.contribution(m), w.contribution(m)][0]
        _archive(w, m)
        return Refusal(f"/meetings/{m}/contributions/{c}/{path}", state=lambda: w.get(f"/meetings/{m}/contributions"))
    return case


def _material(w: World) -> Refusal:
    m = w.meeting()
    d = w.api("POST", f"/meetings/{m}/materials", files={"file": ("bao-cao.pdf", PDF_BYTES, "application/pdf")},
              data={"title": "Báo cáo tổng kết", "published": "false"})["id"]
    _archive(w, m)
    return Refusal(f"/meetings/{m}/materials/{d}/publish", state=lambda: w.get(f"/meetings/{m}/materials"))


def _mailing(kind: str) -> Callable[[World], Refusal]:
    def case(w: World) -> Refusal:
        m = w.meeting(now=True)
        w.site(m, contact={"email": "vanphong@hoainhon.example.vn"})
        w.api("POST", f"/meetings/{m}/invite")
        w.step(m, "start")
        w.step(m, "end")  # nobody is invited to a meeting that is over
        return Refusal(f"/meetings/{m}/invitations/{kind}", {"confirmed": "1"},
                       state=lambda: w.get(f"/meetings/{m}/sites"), target="invitations")
    return case


def _retry(w: World) -> Refusal:
    m = w.meeting(now=True)
    w.step(m, "start")
    w.step(m, "end")
    return Refusal(f"/meetings/{m}/invitations/jobs/999999/retry", state=lambda: w.get(f"/meetings/{m}/sites"),
                   target="invitations")


def _rotate(w: World) -> Refusal:
    m = w.meeting()
    site, _token = w.site(m)
    w.api("DELETE", f"/meetings/{m}/sites/{site}")  # removed in another tab meanwhile: 404
    return Refusal(f"/meetings/{m}/sites/{site}/link/rotate", state=lambda: w.get(f"/meetings/{m}/sites"))


def _revoke(w: World) -> Refusal:
    m = w.meeting()
    site, _token = w.site(m)
    w.api("POST", f"/meetings/{m}/sites/{site}/token/revoke")  # revoked by someone else: 409
    return Refusal(f"/meetings/{m}/sites/{site}/link/revoke", {"confirmed": "1"},
                   state=lambda: w.get(f"/meetings/{m}/sites"), target="link-card")


def _ended(w: World) -> int:
    m = w.meeting(now=True)
    w.items(m, "Báo cáo tổng kết")
    w.step(m, "start")
    w.step(m, "end")
    return m


def _minutes(w: World) -> Refusal:
    m = _ended(w)
    sections = w.get(f"/meetings/{m}/documents/minutes/sections")
    key = sections["sections"][0]["key"]
    w.api("PUT", f"/meetings/{m}/documents/minutes/sections",
          json={"version": sections["version"], "sections": {key: "Sửa từ máy khác."}})
    # Saved from the version read before the other person's save: 409, both texts shown.
    return Refusal(f"/meetings/{m}/documents/minutes", {"version": str(sections["version"]), f"section:{key}": "Bản của tôi."},
                   state=lambda: w.get(f"/meetings/{m}/documents/minutes/sections"), target="minutes-form")


def _conclusions(w: World) -> Refusal:
    m = _ended(w)
    return Refusal(f"/meetings/{m}/documents/conclusions",
                   {"action": "save", "title_of_chair": "Giám đốc Sở", "conclusions[]": "Kết luận", "task_assignee[]": "Sở Nội vụ",
                    "task_description[]": "", "task_due[]": "không-phải-ngày"},
                   state=lambda: w.get(f"/meetings/{m}/conclusions"), target="conclusions-form")


def _portal_answer(w: World) -> Refusal:
    m = w.meeting(now=True, deadline_passed=True)  # the page was left open past the deadline
    _site, token = w.site(m)
    return Refusal(f"/s/{token}/response", {"action": "send", "attending": "yes", "delegates.0.full_name": "Phạm Thị Yến"},
                   portal=True, state=lambda: w.get("/portal", token), target="portal-answer")


def _technical_check(w: World) -> Refusal:
    m = w.meeting()
    _site, token = w.site(m)
    # A problem without saying what it is: 422, the section with its message.
    return Refusal(f"/s/{token}/technical-check", {"status": "problem", "note": ""}, portal=True,
                   state=lambda: w.get("/portal", token), target="portal-answer")


def _ask_to_speak(w: World) -> Refusal:
    m = w.meeting(now=True)
    _site, token = w.site(m)
    w.step(m, "start")
    w.step(m, "end")
    return Refusal(f"/s/{token}/speak-requests", {"speaker.full_name": "Phạm Thị Yến"}, portal=True,
                   state=lambda: w.get(f"/meetings/{m}/speak-requests"), target="my-requests")


def _withdraw(w: World) -> Refusal:
    m, token, r = _queue(w)
    w.api("POST", f"/meetings/{m}/speak-requests/{r}/floor")  # the floor was given meanwhile
    return Refusal(f"/s/{token}/speak-requests/{r}/withdraw", portal=True,
                   state=lambda: w.get(f"/meetings/{m}/speak-requests"), target="my-requests")


CASES: dict[tuple[str, str], Callable[[World], Refusal]] = {
    ("attendance/_roll_call_site.html", "/meetings/{}/roll-call/{}"): _roll_call,
    ("agenda/_console_body.html", "/meetings/{}/console/items/{}/start"): _console_start,
    ("agenda/_console_body.html", "/meetings/{}/console/items/{}/finish"): _console_finish,
    ("agenda/_console_live.html", "/meetings/{}/console/speak-requests/{}/floor"): _floor,
    ("agenda/_console_live.html", "/meetings/{}/console/speak-requests/{}/done"): _done,
    ("agenda/_items.html", "/meetings/{}/agenda/{}/move/up"): _agenda_move("up"),
    ("agenda/_items.html", "/meetings/{}/agenda/{}/move/down"): _agenda_move("down"),
    ("agenda/_items.html", "/meetings/{}/agenda/order"): _agenda_order,
    ("agenda/_contributions.html", "/meetings/{}/contributions/{}/move/{}"): _contribution("move/down"),
    ("agenda/_contributions.html", "/meetings/{}/contributions/{}/status/accepted"): _contribution("status/accepted"),
    ("agenda/_contributions.html", "/meetings/{}/contributions/{}/status/declined"): _contribution("status/declined"),
    ("agenda/_materials.html", "/meetings/{}/materials/{}/{}"): _material,
    ("invitations/_summary.html", "/meetings/{}/invitations/send"): _mailing("send"),
    ("invitations/_summary.html", "/meetings/{}/invitations/remind"): _mailing("remind"),
    ("invitations/_job.html", "/meetings/{}/invitations/jobs/{}/retry"): _retry,
    ("invitations/_link_card.html", "/meetings/{}/sites/{}/link/rotate"): _rotate,
    ("invitations/_link_card.html", "/meetings/{}/sites/{}/link/revoke"): _revoke,
    ("documents/_minutes_form.html", "/meetings/{}/documents/minutes"): _minutes,
    ("documents/_conclusions_form.html", "/meetings/{}/documents/conclusions"): _conclusions,
    ("portal/_response_form.html", "{}"): _portal_answer,
    ("portal/_answer.html", "/s/{}/technical-check"): _technical_check,
    ("agenda/_portal_live.html", "/s/{}/speak-requests"): _ask_to_speak,
    ("agenda/_portal_my_requests.html", "/s/{}/speak-requests/{}/withdraw"): _withdraw,
}


def _case_id(key: tuple[str, str]) -> str:
    return key[0].rsplit("/", 1)[-1].removesuffix(".html").strip("_") + ":" + key[1]


def test_every_htmx_form_has_a_refusal_case() -> None:
    found = htmx_writes()
    assert len(found) >= 20, found
    assert found - set(CASES) == set(), "an htmx form without a refusal case below: add one"
    assert set(CASES) - found == set(), "a case for an htmx form that no longer exists"


@pytest.mark.parametrize("key", sorted(CASES), ids=_case_id)
def test_a_refused_htmx_form_answers_a_fragment_the_page_shows(client: Any, admin_client: Any, admin_api: dict[str, str], key: tuple[str, str]) -> None:
    world = World(admin_client, admin_api)
    refusal = CASES[key](world)
    before = refusal.state()
    with second_browser(admin_client) as portal_browser:
        sender = portal_browser if refusal.portal else admin_client
        data = {"_csrf_token": csrf_token(sender), **refusal.data}
        response = sender.post(refusal.url, data=data, headers={"HX-Request": "true"}, follow_redirects=False)
    body = response.text
    assert 400 <= response.status_code < 500, (response.status_code, body[:500])
    assert "html" in response.headers.get("content-type", ""), response.headers
    assert "<html" not in body.lower(), "a whole page, not a fragment"
    assert "HX-Redirect" not in response.headers
    if "data-error-message" in body:
        message = text_of(body)  # app.js shows this text above the form
    else:
        assert refusal.target, f"a fragment was swapped in, but this case expects a bare message: {body[:300]}"
        assert re.search(rf'\bid="{re.escape(refusal.target)}"', body), f"the fragment does not replace #{refusal.target}"
        alert = re.search(r'role="alert"[^>]*>(.*?)</div>', body, re.S)
        assert alert, f"no role=alert in the swapped fragment: {body[:500]}"
        message = text_of(alert.group(1))
    assert message and "{" not in message, body[:500]
    assert refusal.state() == before, "the refused request changed something"
