"""Invitation emails: the SMTP address, the message itself, and the connection.

Sending is :mod:`confmgr.invitations.delivery`, a background job over plain blocking
``smtplib`` in a worker thread.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from markupsafe import Markup

from confmgr.i18n import gettext
from confmgr.timeutil import now

SMTP_TIMEOUT_SECONDS = 30
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    implicit_tls: bool = False
    starttls: bool = False

    @property
    def label(self) -> str:
        """Where mail goes, for messages: never the password."""
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:port`` (``?starttls=1``) or ``smtps://`` for TLS from the start."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("expected smtp://user:password@host:port or smtps://...")
    try:
        explicit_port = parts.port
    except ValueError as exc:
        raise ValueError("the port is not a number between 1 and 65535") from exc
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[-1].lower() in _TRUE
    implicit = parts.scheme == "smtps"
    if implicit and starttls:
        raise ValueError("smtps:// already uses TLS; starttls applies to smtp:// only")
    default_port = 465 if implicit else (587 if starttls else 25)
    return SmtpConfig(
        host=parts.hostname,
        port=explicit_port or default_port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        implicit_tls=implicit,
        starttls=starttls,
    )


# ---- the message ---------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationText:
    """What an invitation says; every value is already plain, cleaned text."""

    kind: str  # invitation, reminder
    agency: str
    meeting_title: str
    when: str
    venue: str
    mode: str
    deadline: str
    site_name: str
    contact_name: str
    link: str


# Invitations go to the sites, whose language is Vietnamese whatever the sender's UI
# language: every text below is taken from the Vietnamese catalog.


def subject(text: InvitationText) -> str:
    if text.kind == "reminder":
        return gettext("Reminder to confirm attendance: {title}", locale="vi", title=text.meeting_title)
    return gettext("Invitation: {title}", locale="vi", title=text.meeting_title)


def paragraphs(text: InvitationText) -> list[str]:
    greeting = gettext("Dear {site}", locale="vi", site=text.site_name)
    if text.contact_name:
        greeting += f" ({text.contact_name})"
    out = [greeting + ","]
    if text.kind == "reminder":
        out.append(gettext(
            "Your site has not yet confirmed its attendance at {title}.", locale="vi", title=text.meeting_title
        ))
    else:
        out.append(gettext(
            "{agency} invites the delegates of {site} to attend {title}.",
            locale="vi", agency=text.agency, site=text.site_name, title=text.meeting_title,
        ))
    out.append(gettext("Time: {when}", locale="vi", when=text.when))
    if text.venue:
        out.append(gettext("Venue: {venue}", locale="vi", venue=text.venue))
    out.append(gettext("Form: {mode}", locale="vi", mode=text.mode))
    if text.deadline:
        out.append(gettext(
            "Please open the link below to confirm attendance and list your delegates by {deadline}:",
            locale="vi", deadline=text.deadline,
        ))
    else:
        out.append(gettext("Please open the link below to confirm attendance and list your delegates:", locale="vi"))
    out.append(text.link)
    out.append(gettext(
        "This link belongs to your site only: please do not pass it on. The same page shows the agenda and the documents of the meeting.",
        locale="vi",
    ))
    out.append(gettext("The calendar entry attached can be added to your calendar.", locale="vi"))
    out.append(text.agency)
    return out


def plain_body(text: InvitationText) -> str:
    return "\n\n".join(paragraphs(text)) + "\n"


def html_body(text: InvitationText) -> str:
    parts = []
    for para in paragraphs(text):
        if para == text.link:
            parts.append(Markup('<p><a href="{0}">{0}</a></p>').format(text.link))
        else:
            parts.append(Markup("<p>{}</p>").format(para))
    head = Markup('<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{}</title></head><body>').format(subject(text))
    return str(head + Markup("").join(parts) + Markup("</body></html>"))


def _encoded(name: str, value: str) -> str:
    return str(Header(value, "utf-8", header_name=name).encode(linesep="\r\n"))


def compose(
    text: InvitationText, *, sender: str, recipient: str, calendar: bytes, domain: str
) -> EmailMessage:
    message = EmailMessage()
    # Vietnamese headers are encoded here rather than by the email policy: on Python 3.11
    # its folding of long encoded headers can drop the space between two words (a subject
    # as long as a meeting title is folded). The legacy encoder keeps spaces inside the
    # encoded words, and set_raw keeps its lines, each within 78 characters, untouched.
    message.set_raw("Subject", _encoded("Subject", subject(text)))
    message.set_raw("From", _encoded("From", text.agency) + f"\r\n <{Address(addr_spec=sender).addr_spec}>")
    # The greeting names the site and its contact; the address alone avoids the same
    # folding problem for long site names in an address header.
    message["To"] = Address(addr_spec=recipient)
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain_body(text))
    message.add_alternative(html_body(text), subtype="html")
    message.add_attachment(
        calendar, maintype="text", subtype="calendar", filename="giay-moi.ics",
        params={"method": "REQUEST", "charset": "utf-8"},
    )
    return message


# ---- sending -----------------------------------------------------------------------


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.implicit_tls:
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        client.ehlo()
        if config.starttls:
            client.starttls(context=context)
            client.ehlo()
        if config.username:
            client.login(config.username, config.password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
