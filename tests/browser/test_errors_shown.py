"""One way to show errors: an htmx form answered 4xx shows the answer where the person
looks. A form fragment with its messages (409, 422) replaces the form; a bare refusal
appears as an alert above the form that sent it. Nothing typed is lost.

Each form is tried the way it fails in real life: someone else (another console, the
API, the secretariat) changed the state after the page was opened, then the person
clicks. The message must be visible, next to the form, in the viewport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from confmgr.timeutil import VN_TZ
from tests.browser.conftest import LiveServer, confirm_in_dialog, free_port
from tests.integration.documents.conftest import AGENCY

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def live_server_env() -> dict[str, str]:
    # Mail "configured" (nothing listens there: no mail is sent in this module), so the
    # invitations page offers its send and remind forms.
    return {"CONFMGR_SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "CONFMGR_MAIL_FROM": "vanphong@snv.example.vn"}


def _meeting(server: LiveServer, *, started: bool = False, items: tuple[str, ...] = ("Khai mạc", "Báo cáo")) -> tuple[int, list[int]]:
    starts = (datetime.now(VN_TZ) - timedelta(minutes=20)).replace(second=0, microsecond=0)
    m = server.api("POST", "/meetings", json={
        "title": "Hội nghị triển khai nhiệm vụ năm 2027", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "mode": "hybrid",
        "chair": {"full_name": "Trần Minh Hoàng"}, "secretary": {"full_name": "Lê Thị Thu Hà"},
    })["id"]
    ids = [server.api("POST", f"/meetings/{m}/agenda", json={"title": t, "kind": "other"})["id"] for t in items]
    if started:
        server.api("POST", f"/meetings/{m}/start")
    return m, ids


def _site(server: LiveServer, m: int, **extra: Any) -> dict[str, Any]:
    return dict(server.api("POST", f"/meetings/{m}/sites", json={"name": "UBND huyện Hoài Ân", "role": "remote", **extra}))


def _archive(server: LiveServer, m: int) -> None:
    for step in ("start", "end", "archive"):
        server.api("POST", f"/meetings/{m}/{step}")


@dataclass
class Form:
    """A page with a form, what someone else does meanwhile, and where the message goes."""

    url: str
    button: str  # what the person clicks
    near: str  # the element the message must appear in
    meanwhile: Callable[[], None]
    confirm: bool = False  # the click asks in the confirmation dialog first
    fill: dict[str, str] = field(default_factory=dict)  # typed before the click
    check: tuple[str, ...] = ()  # ticked before the click
    opens: str = ""  # a <details> summary to open first
    keeps_typed: bool = True  # what was typed is still there (not when the form is closed for good)


# ---- the secretariat's forms ----------------------------------------------------


def console_finish(s: LiveServer) -> Form:
    m, (a, _b) = _meeting(s, started=True)
    s.api("POST", f"/meetings/{m}/agenda/{a}/start")
    return Form(f"/meetings/{m}/console/", f"form[action$='/items/{a}/finish'] button", f"form[action$='/items/{a}/finish']",
                lambda: s.api("POST", f"/meetings/{m}/end"))


def console_reopen_item(s: LiveServer) -> Form:
    m, (a, b) = _meeting(s, started=True)
    s.api("POST", f"/meetings/{m}/agenda/{a}/start")
    s.api("POST", f"/meetings/{m}/agenda/{b}/start")
    return Form(f"/meetings/{m}/console/", f"button[data-reopen-item='{a}']", f"form:has(button[data-reopen-item='{a}'])",
                lambda: s.api("POST", f"/meetings/{m}/end"), confirm=True)


def give_floor(s: LiveServer) -> Form:
    m, _ = _meeting(s, started=True)
    token = _site(s, m)["token"]
    r = s.api("POST", "/portal/speak-requests", token=token, json={"speaker": {"full_name": "Phạm Thị Yến"}})["id"]
    return Form(f"/meetings/{m}/console/", f"form[action$='/speak-requests/{r}/floor'] button",
                f"form[action$='/speak-requests/{r}/floor']", lambda: s.api("POST", f"/meetings/{m}/end"))


def agenda_move(s: LiveServer) -> Form:
    m, items = _meeting(s, items=("Khai mạc", "Báo cáo", "Thảo luận"))
    sel = f"form[action$='/agenda/{items[1]}/move/down']"
    return Form(f"/meetings/{m}/agenda", f"{sel} button", sel, lambda: _archive(s, m))


def _contribution(status: str) -> Callable[[LiveServer], Form]:
    def case(s: LiveServer) -> Form:
        m, _ = _meeting(s)
        token = _site(s, m)["token"]  # sent by a site: waiting for the secretariat's decision
        c = s.api("POST", "/portal/contributions", token=token,
                  json={"title": "Tham luận về chuyển đổi số", "speaker": {"full_name": "Nguyễn Văn Bình"}})["id"]
        sel = f"form[action$='/contributions/{c}/status/{status}']"
        return Form(f"/meetings/{m}/agenda", f"{sel} button", sel, lambda: _archive(s, m))
    return case


def material_publish(s: LiveServer) -> Form:
    m, _ = _meeting(s)
    d = s.api("POST", f"/meetings/{m}/materials", files={"file": ("bao-cao.pdf", PDF_BYTES, "application/pdf")},
              data={"title": "Báo cáo tổng kết", "published": "false"})["id"]
    sel = f"form[action$='/materials/{d}/publish']"
    return Form(f"/meetings/{m}/agenda", f"{sel} button", sel, lambda: _archive(s, m))


def _mailing(kind: str) -> Callable[[LiveServer], Form]:
    def case(s: LiveServer) -> Form:
        m, _ = _meeting(s, started=True)
        _site(s, m, contact={"email": "vanphong@hoaian.example.vn"})
        return Form(f"/meetings/{m}/invitations", f"form[action$='/invitations/{kind}'] button", "#invitations",
                    lambda: s.api("POST", f"/meetings/{m}/end"), confirm=True)
    return case


def link_rotate(s: LiveServer) -> Form:
    m, _ = _meeting(s)
    site = _site(s, m)["id"]
    return Form(f"/meetings/{m}/sites/{site}/link", "form[action$='/link/rotate'] button", "form[action$='/link/rotate']",
                lambda: s.api("DELETE", f"/meetings/{m}/sites/{site}"), confirm=True)


def link_revoke(s: LiveServer) -> Form:
    m, _ = _meeting(s)
    site = _site(s, m)["id"]
    return Form(f"/meetings/{m}/sites/{site}/link", "form[action$='/link/revoke'] button", "#link-card",
                lambda: s.api("POST", f"/meetings/{m}/sites/{site}/token/revoke"), confirm=True)


def _ended(s: LiveServer) -> int:
    s.api("PUT", "/agency", json=AGENCY)
    m, _ = _meeting(s, started=True)
    s.api("POST", f"/meetings/{m}/end")
    return m


def minutes_save(s: LiveServer) -> Form:
    m = _ended(s)

    def saved_elsewhere() -> None:
        sections = s.api("GET", f"/meetings/{m}/documents/minutes/sections")
        key = sections["sections"][0]["key"]
        s.api("PUT", f"/meetings/{m}/documents/minutes/sections",
              json={"version": sections["version"], "sections": {key: "Sửa từ máy khác."}})
    return Form(f"/meetings/{m}/documents/minutes", "form[data-minutes] .actions button.primary", "#minutes-form", saved_elsewhere)


def conclusions_save(s: LiveServer) -> Form:
    m = _ended(s)
    return Form(f"/meetings/{m}/documents/conclusions", "button[name=action][value=save]", "#conclusions-form",
                lambda: s.api("PUT", f"/meetings/{m}/conclusions",
                              json={"title_of_chair": "Giám đốc Sở Nội vụ", "conclusions": ["Kết luận từ máy khác."]}))


# ---- the sites' forms (the portal, on a phone) ------------------------------------


def portal_answer(s: LiveServer) -> Form:
    m, _ = _meeting(s)
    token = _site(s, m)["token"]
    deadline = (datetime.now(VN_TZ) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    return Form(f"/s/{token}", ".answer-form .form-end button", "#portal-answer",
                lambda: s.api("PATCH", f"/meetings/{m}", json={"response_deadline": deadline}),
                check=("#attending-yes",), fill={"#f-delegates\\.0\\.full_name": "Phạm Thị Yến"},
                keeps_typed=False)  # past the deadline the answer form is gone; the message says why


def technical_check(s: LiveServer) -> Form:
    m, _ = _meeting(s)
    token = _site(s, m)["token"]
    # A problem reported without saying what it is: refused (422), said next to the form.
    return Form(f"/s/{token}", "form.check-form button", "#portal-answer", lambda: None,
                opens="details:has(form.check-form) > summary", check=("#check-problem",))


def ask_to_speak(s: LiveServer) -> Form:
    m, _ = _meeting(s, started=True)
    token = _site(s, m)["token"]
    return Form(f"/s/{token}", "#speak form button", "#my-requests", lambda: s.api("POST", f"/meetings/{m}/end"),
                fill={"#speak input[name='speaker.full_name']": "Phạm Thị Yến"})


def withdraw(s: LiveServer) -> Form:
    m, _ = _meeting(s, started=True)
    token = _site(s, m)["token"]
    r = s.api("POST", "/portal/speak-requests", token=token, json={"speaker": {"full_name": "Phạm Thị Yến"}})["id"]
    return Form(f"/s/{token}", f"form[action$='/speak-requests/{r}/withdraw'] button", "#my-requests",
                lambda: s.api("POST", f"/meetings/{m}/speak-requests/{r}/floor"))


SECRETARIAT = {f.__name__: f for f in (console_finish, console_reopen_item, give_floor, agenda_move, material_publish,
                                        link_rotate, link_revoke, minutes_save, conclusions_save)}
SECRETARIAT |= {"contribution_accept": _contribution("accepted"), "contribution_decline": _contribution("declined"),
                "invitations_send": _mailing("send"), "invitations_remind": _mailing("remind")}
SITES = {f.__name__: f for f in (portal_answer, technical_check, ask_to_speak, withdraw)}


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def _refused_and_shown(server: LiveServer, page: Any, form: Form) -> None:
    # Live updates are cut, as on a flaky network: the page keeps what it showed when opened.
    page.route("**/events", lambda route: route.abort())
    page.route("**/live", lambda route: route.abort())
    page.goto(f"{server}{form.url}")
    button = page.locator(form.button).first
    if form.opens:
        page.locator(form.opens).first.click()
    expect(button).to_be_visible(timeout=15000)
    for selector in form.check:
        page.locator(selector).check()
    for selector, text in form.fill.items():
        page.locator(selector).fill(text)
    before = page.locator(f"{form.near} [role=alert]").all_inner_texts()
    form.meanwhile()
    button.click()
    if form.confirm:
        confirm_in_dialog(page)
    alert = page.locator(f"{form.near} [role=alert]").filter(has_not_text=before[0]) if before else page.locator(f"{form.near} [role=alert]")
    alert = alert.first
    expect(alert).to_be_visible(timeout=15000)
    expect(alert).to_be_in_viewport()
    text = alert.inner_text().strip()
    assert text and "<" not in text and "{" not in text, text
    for selector, typed in form.fill.items() if form.keeps_typed else ():  # nothing typed is lost
        expect(page.locator(selector)).to_have_value(typed)


@pytest.mark.parametrize("name", sorted(SECRETARIAT))
def test_a_refused_form_of_the_secretariat_says_why_next_to_it(live_server: LiveServer, admin_page: Any, name: str) -> None:
    _refused_and_shown(live_server, admin_page, SECRETARIAT[name](live_server))


@pytest.mark.parametrize("name", sorted(SITES))
def test_a_refused_form_of_a_site_says_why_next_to_it(live_server: LiveServer, phone_page: Any, name: str) -> None:
    _refused_and_shown(live_server, phone_page, SITES[name](live_server))


def test_roll_call_422_and_console_409_are_shown_where_the_person_looks(live_server: LiveServer, admin_page: Any) -> None:
    m, items = _meeting(live_server)
    site = _site(live_server, m)
    live_server.api("PUT", "/portal/response", token=site["token"],
                    json={"attending": True, "delegates": [{"full_name": "Phạm Thị Yến", "position": "Phó Chủ tịch"}]})
    page = admin_page

    # Roll call: a card saved without saying whether the site is connected, with a reason that
    # is too long, comes back as the card with its messages (422), what was typed still there.
    page.goto(f"{live_server}/meetings/{m}/roll-call/")
    card = page.locator(f"#site-{site['id']}")
    card.wait_for()
    reason = card.locator("input[name^='reason.']").first
    reason.evaluate("el => el.removeAttribute('maxlength')")
    card.locator("input[value=absent]").first.check()
    reason.fill("Đi công tác " * 60)
    card.locator("button").last.click()
    page.locator(f"#site-{site['id']} [role=alert]").wait_for(timeout=10000)
    assert "Vui lòng" in page.inner_text(f"#site-{site['id']} [role=alert]")
    assert page.locator(f"#site-{site['id']} input[name^='reason.']").first.input_value().startswith("Đi công tác")

    # Console: the meeting was ended elsewhere; starting an item is refused (409) and said so.
    live_server.api("POST", f"/meetings/{m}/start")
    page.goto(f"{live_server}/meetings/{m}/console/")
    page.wait_for_selector(f"button[data-start-item='{items[1]}']")
    live_server.api("POST", f"/meetings/{m}/end")
    page.click(f"button[data-start-item='{items[1]}']")
    alert = page.locator(".js-error[role=alert]")
    alert.wait_for(timeout=10000)
    assert alert.inner_text().strip()
    assert "<" not in alert.inner_text()
