"""The pieces of a mailing: the SMTP address, the calendar text, and one batch over SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from confmgr.invitations.ics import CalendarEvent, build_calendar, escape_text, fold
from confmgr.invitations.mail import InvitationText, SmtpConfig, compose, parse_smtp_url
from tests.integration.invitations.conftest import Mailbox, free_port


def test_smtp_urls() -> None:
    assert parse_smtp_url("smtp://mail.example.vn") == SmtpConfig("mail.example.vn", 25)
    assert parse_smtp_url("smtp://u%40snv:p%3Ass@mail.example.vn:2525?starttls=1") == SmtpConfig(
        "mail.example.vn", 2525, "u@snv", "p:ss", implicit_tls=False, starttls=True
    )
    assert parse_smtp_url("smtp://mail.example.vn?starttls=yes").port == 587
    assert parse_smtp_url("smtps://u:p@mail.example.vn") == SmtpConfig("mail.example.vn", 465, "u", "p", implicit_tls=True)
    for bad in ("http://mail.example.vn", "smtp://", "smtp://mail.example.vn:99999", "smtps://h?starttls=1"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)
    assert "p:ss" not in parse_smtp_url("smtp://u:p%3Ass@h:25").label


def test_text_is_escaped_and_lines_folded_on_character_boundaries() -> None:
    assert escape_text('a,b;c\\d\r\ne') == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "Hội nghị trực tuyến toàn quốc, " * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    assert fold("SHORT:x") == "SHORT:x"


def test_calendar_times_are_utc_and_names_quoted() -> None:
    vn = timezone(timedelta(hours=7))
    event = CalendarEvent(
        uid="meeting-1-site-2@example.vn", sequence=3, stamp=datetime(2026, 1, 1, tzinfo=UTC),
        starts_at=datetime(2026, 1, 5, 8, 0, tzinfo=vn), ends_at=datetime(2026, 1, 5, 11, 30, tzinfo=vn),
        summary="Hội nghị", location="Hội trường", description="Mở: https://x/s/abc", url="https://x/s/abc",
        organizer_email="vp@example.vn", organizer_name='Sở Nội vụ, "tỉnh"', attendee_email="a@example.vn",
        attendee_name="Nguyễn Văn A",
    )
    text = build_calendar(event).decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert "DTSTART:20260105T010000Z\r\n" in text and "DTEND:20260105T043000Z\r\n" in text
    assert "SEQUENCE:3\r\n" in text and "METHOD:REQUEST\r\n" in text
    assert 'ORGANIZER;CN="Sở Nội vụ, tỉnh":mailto:vp@example.vn' in text.replace("\r\n ", "")
    with pytest.raises(ValueError):
        build_calendar(CalendarEvent(**{**event.__dict__, "starts_at": datetime(2026, 1, 5, 8, 0)}))


def _message(recipient: str) -> Any:
    text = InvitationText(
        kind="invitation", agency="Sở Nội vụ", meeting_title="Hội nghị", when="08:00", venue="", mode="Trực tuyến",
        deadline="", site_name="UBND xã", contact_name="", link="https://x/s/abc",
    )
    return compose(text, sender="vp@example.vn", recipient=recipient, calendar=b"BEGIN:VCALENDAR\r\n", domain="example.vn")


class PickyMailbox(Mailbox):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"vanphong", b"mat-khau")
    return AuthResult(success=ok)


@pytest.fixture
def picky() -> Any:
    handler = PickyMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_one_refused_recipient_does_not_stop_the_batch(picky: Any) -> None:
    from confmgr.invitations.delivery import Permanent, Relay

    handler, port = picky
    relay = Relay(SmtpConfig("127.0.0.1", port, "vanphong", "mat-khau"))
    outcomes = []
    try:
        for recipient in ("a@example.vn", "nobody@example.vn", "b@example.vn"):
            try:
                relay.begin("vanphong@snv.example.vn", recipient, _message(recipient).as_bytes(policy=policy.SMTP))
            except Permanent as exc:
                outcomes.append((recipient, str(exc)))
                continue
            assert relay.send_dot()
            outcomes.append((recipient, relay.read_reply()[0]))
    finally:
        relay.close()
    assert [o[1] for o in outcomes[::2]] == [250, 250]
    assert "550" in outcomes[1][1] and "No such user" in outcomes[1][1]
    assert [e.rcpt_tos for e in handler.envelopes] == [["a@example.vn"], ["b@example.vn"]]
    received = message_from_bytes(handler.envelopes[0].content, policy=policy.default)
    assert received["Subject"] == "Giấy mời: Hội nghị"
