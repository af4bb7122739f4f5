"""Emailing invitations and reminders through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.header import decode_header, make_header
from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers import api_token, form_post, make_user, text_of
from tests.integration.invitations.conftest import BASE_URL, Mailbox, add_site, create_meeting, free_port, site_for


@pytest.fixture
def smtp_url(mailbox: tuple[Mailbox, int]) -> str:
    return f"smtp://127.0.0.1:{mailbox[1]}"


@pytest.fixture
def env_overrides(smtp_url: str) -> dict[str, str]:
    return {
        "CONFMGR_BASE_URL": BASE_URL, "CONFMGR_SMTP_URL": smtp_url, "CONFMGR_MAIL_FROM": "vanphong@snv.example.vn",
        "CONFMGR_SMTP_RETRY_SECONDS": "0.2", "CONFMGR_SMTP_MAX_ATTEMPTS": "2",
    }


TITLE = "Hội nghị tổng kết công tác nội vụ năm 2026; triển khai nhiệm vụ, giải pháp năm 2027"


def _setup(client: Any, headers: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    meeting = create_meeting(client, headers, title=TITLE, venue="Hội trường UBND tỉnh, số 01 Trần Phú")
    sites = [
        add_site(client, headers, meeting["id"], "Hội trường UBND tỉnh", "hoitruong@example.vn", role="host"),
        add_site(client, headers, meeting["id"], "UBND huyện Tuy Phước", "tuyphuoc@example.vn"),
        add_site(client, headers, meeting["id"], "UBND xã Cát Tiến"),  # no email: printed sheet
    ]
    return meeting, sites


def _unfold(ics: str) -> dict[str, str]:
    """Content lines of a calendar, unfolded (RFC 5545 §3.1), as ``{name: value}`` (params dropped)."""
    assert "\n" not in ics.replace("\r\n", "")
    lines = ics.split("\r\n")
    for line in lines:
        assert len(line.encode("utf-8")) <= 75, line
    unfolded = "\r\n".join(lines).replace("\r\n ", "").split("\r\n")
    values: dict[str, str] = {}
    for line in unfolded:
        if not line:
            continue
        name_params, _sep, value = line.partition(":")
        name = name_params.split(";")[0]
        values.setdefault(name, value)
    return values


def _ics_text(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _rows(db: Any, model: Any, **where: Any) -> list[Any]:
    async def run(session: Any) -> list[Any]:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list(await session.scalars(stmt.order_by(model.id)))

    return db(run)  # type: ignore[no-any-return]


def wait_job(client: Any, headers: dict[str, str], started: Any, timeout: float = 60) -> dict[str, Any]:
    """The job a send/remind answered (202), once it is done."""
    assert started.status_code == 202, started.text
    url = started.json()["url"]
    assert started.headers["location"] == url
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url, headers=headers).json()
        if body["status"] == "done":
            return body  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def _send(client: Any, headers: dict[str, str], meeting_id: int, kind: str = "send") -> dict[str, Any]:
    return wait_job(client, headers, client.post(f"/api/v1/meetings/{meeting_id}/invitations/{kind}", headers=headers))


def _meeting_status(client: Any, headers: dict[str, str], meeting_id: int) -> str:
    return str(client.get(f"/api/v1/meetings/{meeting_id}", headers=headers).json()["status"])


def test_invitations_reach_each_site_with_its_own_link_and_a_calendar_entry(
    client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int], settings: Any, db: Any
) -> None:
    from confmgr.sites.models import OutgoingEmail, Site

    meeting, sites = _setup(client, admin_api)
    response = client.post(f"/api/v1/meetings/{meeting['id']}/invitations/send", headers=admin_api)
    assert response.status_code == 202, response.text
    assert (response.json()["total"], response.json()["waiting"], response.json()["without_email"]) == (2, 2, 1)
    body = wait_job(client, admin_api, response)
    assert (body["sent"], body["failed"], body["without_email"], body["percent"]) == (2, 0, 1, 100)

    box = mailbox[0]
    assert sorted(r for e in box.envelopes for r in e.rcpt_tos) == ["hoitruong@example.vn", "tuyphuoc@example.vn"]
    assert {e.mail_from for e in box.envelopes} == {"vanphong@snv.example.vn"}
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in box.messages}
    starts = datetime.fromisoformat(meeting["starts_at"]).astimezone(UTC)
    for site in sites[:2]:
        message = by_recipient[site["contact"]["email"]]
        assert message["Subject"] == f"Giấy mời: {TITLE}"
        head = box.envelopes[[e.rcpt_tos for e in box.envelopes].index([site["contact"]["email"]])].content.split(b"\r\n\r\n")[0]
        assert head.isascii() and all(len(line) <= 78 for line in head.split(b"\r\n"))
        sender = str(make_header(decode_header(head.decode().split("\r\nFrom: ")[1].split("\r\n <")[0])))
        assert sender == "Bộ phận tổ chức hội nghị"
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"Kính gửi: {site['name']}" in plain
        assert site["access_url"] in plain and f'href="{site["access_url"]}"' in html
        others = [s for s in sites if s["id"] != site["id"]]
        assert not any(o["token"] in message.as_string() for o in others)
        # The link in the mail opens this site and no other.
        found = re.search(re.escape(BASE_URL) + r"/s/([A-Za-z0-9_-]+)", plain)
        assert found and site_for(settings, found.group(1)) == site["id"]

        calendars = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert len(calendars) == 1
        assert calendars[0].get_param("method") == "REQUEST"
        ics = calendars[0].get_payload(decode=True).decode("utf-8")
        fields = _unfold(ics)
        assert fields["BEGIN"] == "VCALENDAR" and fields["METHOD"] == "REQUEST" and fields["VERSION"] == "2.0"
        assert fields["DTSTART"] == starts.strftime("%Y%m%dT%H%M%SZ")
        assert fields["DTEND"] == datetime.fromisoformat(meeting["ends_at"]).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTSTAMP"])
        assert fields["UID"] == f"meeting-{meeting['id']}-site-{site['id']}@hoinghi.snv.example.vn"
        assert _ics_text(fields["SUMMARY"]) == TITLE
        assert "\\;" in fields["SUMMARY"] and "\\," in fields["LOCATION"]
        assert site["access_url"] in _ics_text(fields["DESCRIPTION"])
        assert fields["ATTENDEE"] == f"mailto:{site['contact']['email']}"

    emails = _rows(db, OutgoingEmail, meeting_id=meeting["id"])
    assert sorted((e.recipient, e.status, e.kind) for e in emails) == [
        ("hoitruong@example.vn", "sent", "invitation"), ("tuyphuoc@example.vn", "sent", "invitation"),
    ]
    invited = {s.id: s.invited_at for s in _rows(db, Site, meeting_id=meeting["id"])}
    assert invited[sites[0]["id"]] and invited[sites[1]["id"]] and invited[sites[2]["id"]] is None
    assert _meeting_status(client, admin_api, meeting["id"]) == "invited"

    # Sending again mails nobody twice.
    again = _send(client, admin_api, meeting["id"])
    assert (again["total"], again["sent"], again["already_invited"], again["without_email"]) == (0, 0, 2, 1)
    assert len(box.envelopes) == 2


def test_the_first_invitation_out_tells_the_sites_and_the_console(
    client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int], app: Any
) -> None:
    """The job, not a request, makes the draft "invited": its status event still reaches
    the listener once the job's step commits, which sends the sites and the console
    the meeting's state."""
    from litestar.channels import ChannelsPlugin

    from confmgr.live.events import board_channel, decode, live_channel

    meeting, _sites = _setup(client, admin_api)
    published: list[tuple[str, str]] = []
    plugin = app.plugins.get(ChannelsPlugin)
    original = plugin.publish

    def spy(data: bytes, channels: Any) -> None:
        channel = channels if isinstance(channels, str) else list(channels)[0]
        published.append((channel, decode(data)[0]))
        original(data, channels)

    plugin.publish = spy
    _send(client, admin_api, meeting["id"])
    assert _meeting_status(client, admin_api, meeting["id"]) == "invited"
    told = {(live_channel(meeting["id"]), "live"), (board_channel(meeting["id"]), "console")}
    deadline = time.monotonic() + 10
    while not told <= set(published):
        assert time.monotonic() < deadline, published
        time.sleep(0.05)


def test_a_renewed_link_is_mailed_again(client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int]) -> None:
    meeting, sites = _setup(client, admin_api)
    _send(client, admin_api, meeting["id"])
    renewed = client.post(f"/api/v1/meetings/{meeting['id']}/sites/{sites[1]['id']}/token/rotate", headers=admin_api).json()
    result = _send(client, admin_api, meeting["id"])
    assert (result["sent"], result["already_invited"]) == (1, 1)
    last = mailbox[0].messages[-1]
    assert renewed["access_url"] in last.get_body(("plain",)).get_content()
    assert sites[1]["token"] not in last.as_string()


def test_sending_from_the_page_redirects_to_the_counts(
    admin_client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int]
) -> None:
    meeting, _sites = _setup(admin_client, admin_api)
    page = admin_client.get(f"/meetings/{meeting['id']}/invitations")
    assert page.status_code == 200
    assert "Gửi giấy mời qua thư điện tử" in text_of(page.text)
    response = form_post(admin_client, f"/meetings/{meeting['id']}/invitations/send")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == f"/meetings/{meeting['id']}/invitations"
    job = admin_client.get(f"/api/v1/meetings/{meeting['id']}/invitations", headers=admin_api).json()
    deadline = time.monotonic() + 60
    while len(mailbox[0].envelopes) < 2 or "Giấy mời: đã xong" not in text_of(admin_client.get(response.headers["location"]).text):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    text = text_of(admin_client.get(response.headers["location"]).text)
    assert "100 % · Đã gửi 2 · Gửi lỗi 0 · Đang chờ 0" in text
    assert "1 điểm cầu không có địa chỉ thư điện tử" in text
    assert "UBND xã Cát Tiến" in text
    assert len(mailbox[0].envelopes) == 2


def test_sending_with_htmx_answers_the_summary_fragment(
    admin_client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int]
) -> None:
    meeting, _sites = _setup(admin_client, admin_api)
    fragment = admin_client.get(f"/meetings/{meeting['id']}/invitations", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="invitations"' in fragment.text
    response = form_post(admin_client, f"/meetings/{meeting['id']}/invitations/send", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="invitations"' in response.text
    assert 'id="mail-job"' in response.text and "/invitations/events" in response.text
    assert "trên tổng số 2 thư" in text_of(response.text)
    deadline = time.monotonic() + 60
    while "Giấy mời: đã xong" not in text_of(fragment := admin_client.get(f"/meetings/{meeting['id']}/invitations", headers={"HX-Request": "true"}).text):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # Now invited: the reminder button appears.
    assert "/invitations/remind" in fragment


def test_reminders_go_only_to_sites_without_an_answer(
    client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int], db: Any
) -> None:
    from confmgr.sites.models import OutgoingEmail, Site

    meeting, sites = _setup(client, admin_api)
    early = client.post(f"/api/v1/meetings/{meeting['id']}/invitations/remind", headers=admin_api)
    assert early.status_code == 409
    assert "gửi giấy mời trước" in early.json()["detail"]
    assert _send(client, admin_api, meeting["id"])["sent"] == 2

    async def answer(session: Any) -> None:
        site = await session.get(Site, sites[0]["id"])
        site.response = "attending"

    db(answer)
    response = _send(client, admin_api, meeting["id"], "remind")
    assert (response["sent"], response["without_email"], response["kind"]) == (1, 1, "reminder")
    reminder = mailbox[0].messages[-1]
    assert reminder["To"].addresses[0].addr_spec == "tuyphuoc@example.vn"
    assert reminder["Subject"] == f"Nhắc xác nhận tham dự: {TITLE}"
    assert sites[1]["access_url"] in reminder.get_body(("plain",)).get_content()
    assert len(mailbox[0].envelopes) == 3
    kinds = [(e.recipient, e.kind) for e in _rows(db, OutgoingEmail, meeting_id=meeting["id"])]
    assert kinds.count(("tuyphuoc@example.vn", "reminder")) == 1
    assert ("hoitruong@example.vn", "reminder") not in kinds


def test_reminding_from_the_page_mails_the_sites_without_an_answer_once(
    admin_client: Any, admin_api: dict[str, str], mailbox: tuple[Mailbox, int], db: Any
) -> None:
    from confmgr.sites.models import Site

    meeting, sites = _setup(admin_client, admin_api)
    assert _send(admin_client, admin_api, meeting["id"])["sent"] == 2

    async def answer(session: Any) -> None:
        (await session.get(Site, sites[0]["id"])).response = "attending"

    db(answer)
    response = form_post(admin_client, f"/meetings/{meeting['id']}/invitations/remind")
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == f"/meetings/{meeting['id']}/invitations"
    deadline = time.monotonic() + 60
    while "Thư nhắc: đã xong" not in (text := text_of(admin_client.get(response.headers["location"]).text)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "100 % · Đã gửi 1 · Gửi lỗi 0 · Đang chờ 0" in text
    reminders = [m for m in mailbox[0].messages if m["Subject"].startswith("Nhắc xác nhận tham dự")]
    assert [m["To"].addresses[0].addr_spec for m in reminders] == ["tuyphuoc@example.vn"]


def test_only_editors_send(client: Any, admin_api: dict[str, str], db: Any, mailbox: tuple[Mailbox, int]) -> None:
    meeting, _sites = _setup(client, admin_api)
    make_user(db, "xem", "viewer")
    response = client.post(f"/api/v1/meetings/{meeting['id']}/invitations/send", headers=api_token(client, "xem"))
    assert response.status_code == 403
    assert mailbox[0].envelopes == []
    assert _meeting_status(client, admin_api, meeting["id"]) == "draft"


@pytest.mark.parametrize("smtp_url", [f"smtp://127.0.0.1:{free_port()}"], ids=["unreachable"])
def test_an_unreachable_server_is_recorded_and_changes_nothing_else(
    admin_client: Any, admin_api: dict[str, str], db: Any, smtp_url: str
) -> None:
    from confmgr.sites.models import OutgoingEmail, Site

    meeting, _sites = _setup(admin_client, admin_api)
    body = _send(admin_client, admin_api, meeting["id"])
    assert (body["sent"], body["failed"], body["without_email"]) == (0, 2, 1)
    port = smtp_url.rsplit(":", 1)[1]
    errors = {f["error"] for f in body["failures"]}
    assert len(errors) == 1 and f"could not reach the mail server 127.0.0.1:{port}" in errors.pop()
    # A connection refused is temporary: each was tried twice (CONFMGR_SMTP_MAX_ATTEMPTS) before failing.
    assert [f["attempts"] for f in body["failures"]] == [2, 2]

    emails = _rows(db, OutgoingEmail, meeting_id=meeting["id"])
    assert [(e.status, bool(e.error), e.sent_at) for e in emails] == [("failed", True, None)] * 2
    assert all(s.invited_at is None for s in _rows(db, Site, meeting_id=meeting["id"]))
    assert _meeting_status(admin_client, admin_api, meeting["id"]) == "draft"

    page = text_of(admin_client.get(f"/meetings/{meeting['id']}/invitations").text)
    assert "Thư gửi lỗi (2)" in page
    assert "could not reach the mail server" in page
    assert "Gửi lại các thư bị lỗi" in page
    summary = admin_client.get(f"/api/v1/meetings/{meeting['id']}/invitations", headers=admin_api).json()
    assert (summary["failed"], summary["invited"], summary["with_email"]) == (2, 0, 2)
