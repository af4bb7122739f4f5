"""Invitations (giấy mời): each site's secret link and QR code, the printed sheet, and emails.

A site's link is ``<base>/s/<token>``; the token is kept only as an HMAC and an
encryption (:mod:`confmgr.sites.tokens`), so it never reaches the audit log.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from confmgr.accounts.permissions import require_editor
from confmgr.agency.services import get_agency
from confmgr.audit.services import record
from confmgr.errors import Conflict, NotFound
from confmgr.i18n import gettext
from confmgr.invitations.ics import CalendarEvent, build_calendar
from confmgr.live.events import close_site_streams
from confmgr.invitations.mail import DeliveryResult, InvitationText, Outgoing, SmtpConfig, compose, deliver, parse_smtp_url
from confmgr.meetings.models import Meeting
from confmgr.meetings.services import change_status, get_meeting
from confmgr.settings import Settings
from confmgr.sites.models import OutgoingEmail, Site
from confmgr.sites.tokens import SiteKeys
from confmgr.timeutil import now, to_vn, vn_date, vn_datetime
from confmgr.web.render import MODE_LABELS

log = logging.getLogger("confmgr")

INVITATION = "invitation"
REMINDER = "reminder"
KINDS = (INVITATION, REMINDER)
# A batch still "pending" after this long was cut off (a restart); it no longer blocks a new one.
SENDING_GRACE = timedelta(minutes=30)
SHEET_PAGE_SIZE = 500
_UPDATE_CHUNK = 500


def access_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def token_of(keys: SiteKeys, site: Site) -> str | None:
    """The site's current token, or None when its link is revoked (or the key changed)."""
    return None if site.token_revoked else keys.decrypt(site.token_encrypted)


# ---- one site's link ------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLink:
    meeting: Meeting
    site: Site
    token: str | None
    url: str | None


async def _site_of(db: AsyncSession, meeting: Meeting, site_id: int) -> Site:
    site = await db.get(Site, site_id)
    if site is None or site.meeting_id != meeting.id:
        raise NotFound("No such site in this meeting.")
    return site


def _link(meeting: Meeting, site: Site, keys: SiteKeys, base_url: str) -> SiteLink:
    token = token_of(keys, site)
    return SiteLink(meeting, site, token, access_url(base_url, token) if token else None)


async def get_site_link(
    db: AsyncSession, actor: Any, keys: SiteKeys, base_url: str, meeting_id: int, site_id: int
) -> SiteLink:
    """Any secretariat user may see a link: the sites API already lists them."""
    meeting = await get_meeting(db, actor, meeting_id)
    return _link(meeting, await _site_of(db, meeting, site_id), keys, base_url)


async def rotate_link(
    db: AsyncSession, actor: Any, keys: SiteKeys, base_url: str, meeting_id: int, site_id: int
) -> SiteLink:
    """A new token; the old link stops working at once. Also re-opens a revoked link.

    Allowed in every status: after the meeting, sites still download its documents, and
    a contact who lost the link needs a new one. The site counts as not yet invited
    again, so the next mailing sends it the new link.
    """
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    site = await _site_of(db, meeting, site_id)
    token, digest, encrypted = keys.issue()
    changes: dict[str, Any] = {"link": "replaced"}
    if site.token_revoked:
        changes["token_revoked"] = [True, False]
    if site.invited_at is not None:
        changes["invited_at"] = [site.invited_at.isoformat(), None]
    site.token_hash, site.token_encrypted, site.token_revoked, site.invited_at = digest, encrypted, False, None
    await db.flush()
    close_site_streams(db, site.id)  # the old link's open live views end once this commits
    record(db, user, "rotate_link", "site", site.id, meeting_id=meeting.id, changes=changes)
    return SiteLink(meeting, site, token, access_url(base_url, token))


async def revoke_link(db: AsyncSession, actor: Any, keys: SiteKeys, base_url: str, meeting_id: int, site_id: int) -> SiteLink:
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    site = await _site_of(db, meeting, site_id)
    if site.token_revoked:
        raise Conflict("This link is already revoked. Issue a new link to open the site again.")
    site.token_revoked = True
    await db.flush()
    close_site_streams(db, site.id)  # its open live views end once this commits
    record(db, user, "revoke_link", "site", site.id, meeting_id=meeting.id, changes={"token_revoked": [False, True]})
    return _link(meeting, site, keys, base_url)


# ---- the printed sheet and its CSV ------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    site_id: int
    name: str
    role: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str
    url: str | None


@dataclass(frozen=True)
class Sheet:
    meeting: Meeting
    rows: list[SheetRow]
    total: int
    page: int
    pages: int
    first: int  # 1-based number of the first row on this page


async def invitation_sheet(
    db: AsyncSession, actor: Any, keys: SiteKeys, base_url: str, meeting_id: int,
    *, page: int | None = None, page_size: int = SHEET_PAGE_SIZE,
) -> Sheet:
    """Every site with its link (``page=None``), or one page of ``page_size`` sites."""
    meeting = await get_meeting(db, actor, meeting_id)
    # Columns only: loading Site objects would also load every site's delegates.
    result = await db.execute(
        select(
            Site.id, Site.name, Site.role, Site.address, Site.contact_name, Site.contact_email,
            Site.contact_phone, Site.token_revoked, Site.token_encrypted,
        )
        .where(Site.meeting_id == meeting.id)
        .order_by(Site.role, Site.sort_order, Site.id)
    )
    everything = result.all()
    total = len(everything)
    pages = max(1, -(-total // page_size))
    if page is None:
        chosen, number, first = everything, 1, 1
    else:
        number = min(max(1, page), pages)
        first = (number - 1) * page_size + 1
        chosen = everything[first - 1: first - 1 + page_size]
    rows = []
    for r in chosen:
        token = None if r.token_revoked else keys.decrypt(r.token_encrypted)
        rows.append(SheetRow(
            site_id=r.id, name=r.name, role=r.role, address=r.address, contact_name=r.contact_name,
            contact_email=r.contact_email, contact_phone=r.contact_phone,
            url=access_url(base_url, token) if token else None,
        ))
    return Sheet(meeting, rows, total, number, 1 if page is None else pages, first)


def _cell(value: str) -> str:
    # A spreadsheet would run a cell starting like a formula; a leading apostrophe keeps it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def sheet_csv(rows: list[SheetRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["site", "contact", "email", "phone", "link"])
    for row in rows:
        writer.writerow([_cell(v) for v in (row.name, row.contact_name, row.contact_email, row.contact_phone, row.url or "")])
    # The byte order mark makes Excel read the file as UTF-8, so Vietnamese shows right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def meeting_when(meeting: Meeting) -> str:
    """``08:00 – 11:30, ngày 05 tháng 01 năm 2026`` (or both ends in full over several days)."""
    start, end = to_vn(meeting.starts_at), to_vn(meeting.ends_at)
    assert start is not None and end is not None
    if start.date() == end.date():
        return f"{start:%H:%M} – {end:%H:%M}, {vn_date(start)}"
    return f"{vn_datetime(start)} – {vn_datetime(end)}"


# ---- the invitations page -----------------------------------------------------------------


@dataclass(frozen=True)
class FailedEmail:
    site_id: int
    site_name: str
    recipient: str
    error: str
    at: datetime | None


@dataclass
class InvitationSummary:
    meeting: Meeting
    mail_configured: bool
    total: int = 0
    with_email: int = 0
    without_email: int = 0
    invited: int = 0  # sites whose current link was mailed
    failed: int = 0  # sites whose last email failed
    sending: int = 0
    revoked: int = 0
    pending_answers: int = 0
    failures: list[FailedEmail] = field(default_factory=list)
    without_email_sites: list[tuple[int, str]] = field(default_factory=list)


async def invitation_summary(db: AsyncSession, actor: Any, settings: Settings, meeting_id: int) -> InvitationSummary:
    meeting = await get_meeting(db, actor, meeting_id)
    summary = InvitationSummary(meeting=meeting, mail_configured=bool(settings.mail.smtp_url))
    sites = (await db.execute(
        select(Site.id, Site.name, Site.contact_email, Site.invited_at, Site.response, Site.token_revoked)
        .where(Site.meeting_id == meeting.id)
        .order_by(Site.role, Site.sort_order, Site.id)
    )).all()
    latest: dict[int, OutgoingEmail] = {}
    for email in await db.scalars(
        select(OutgoingEmail).where(OutgoingEmail.meeting_id == meeting.id).order_by(OutgoingEmail.id)
    ):
        if email.site_id is not None:
            latest[email.site_id] = email
    for s in sites:
        summary.total += 1
        summary.revoked += s.token_revoked
        summary.pending_answers += s.response == "pending"
        if not s.contact_email:
            summary.without_email += 1
            summary.without_email_sites.append((s.id, s.name))
            continue
        summary.with_email += 1
        summary.invited += s.invited_at is not None
        last = latest.get(s.id)
        if last is not None and last.status == "failed":
            summary.failed += 1
            summary.failures.append(FailedEmail(s.id, s.name, last.recipient, last.error, last.updated_at))
        elif last is not None and last.status == "pending":
            summary.sending += 1
    return summary


# ---- sending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    kind: str
    sent: int = 0
    failed: int = 0
    without_email: int = 0
    revoked: int = 0
    already_invited: int = 0
    error: str = ""  # the first failure, to show beside the counts


def smtp_config(settings: Settings) -> SmtpConfig:
    if not settings.mail.smtp_url:
        raise Conflict(
            "Email is not configured (CONFMGR_SMTP_URL is not set). Send the links through the e-office system or the printed sheet."
        )
    try:
        return parse_smtp_url(settings.mail.smtp_url)
    except ValueError as exc:
        raise Conflict("The mail server address in CONFMGR_SMTP_URL is not valid: {reason}.", params={"reason": str(exc)}) from exc


def _check_status(meeting: Meeting, kind: str) -> None:
    if meeting.status not in ("draft", "invited", "in_progress"):
        raise Conflict("The meeting has ended: invitations and reminders can no longer be sent.")
    if kind == REMINDER and meeting.status == "draft":
        raise Conflict("Send the invitations before sending reminders.")


async def _check_not_sending(db: AsyncSession, meeting: Meeting) -> None:
    busy = await db.scalar(
        select(OutgoingEmail.id).where(
            OutgoingEmail.meeting_id == meeting.id,
            OutgoingEmail.status == "pending",
            OutgoingEmail.created_at > now() - SENDING_GRACE,
        ).limit(1)
    )
    if busy is not None:
        raise Conflict("Emails for this meeting are being sent right now. Wait until that finishes.")


def _mail_domain(settings: Settings) -> str:
    return urlsplit(settings.server.base_url).hostname or "localhost"


@dataclass(frozen=True)
class _Prepared:
    batch: list[Outgoing]
    site_of_email: dict[int, int]
    result: SendResult


async def _prepare(
    db: AsyncSession, user: Any, keys: SiteKeys, settings: Settings, meeting: Meeting, kind: str
) -> _Prepared:
    agency = await get_agency(db)
    agency_name = agency.name if agency else gettext("The meeting secretariat", locale="vi")
    domain = _mail_domain(settings)
    when = meeting_when(meeting)
    deadline = vn_datetime(meeting.response_deadline) if meeting.response_deadline else ""
    mode = gettext(MODE_LABELS.get(meeting.mode, meeting.mode), locale="vi")
    stamp = now()
    stmt = select(Site).where(Site.meeting_id == meeting.id).order_by(Site.role, Site.sort_order, Site.id)
    if kind == REMINDER:
        stmt = stmt.where(Site.response == "pending")
    counts = {"without_email": 0, "revoked": 0, "already_invited": 0}
    planned: list[tuple[Site, OutgoingEmail, Any]] = []
    for site in await db.scalars(stmt):
        token = token_of(keys, site)
        if not site.contact_email:
            counts["without_email"] += 1
            continue
        if token is None:
            counts["revoked"] += 1
            continue
        if kind == INVITATION and site.invited_at is not None:
            counts["already_invited"] += 1
            continue
        link = access_url(settings.server.base_url, token)
        text = InvitationText(
            kind=kind, agency=agency_name, meeting_title=meeting.title, when=when, venue=meeting.venue,
            mode=mode, deadline=deadline, site_name=site.name, contact_name=site.contact_name, link=link,
        )
        calendar = build_calendar(CalendarEvent(
            uid=f"meeting-{meeting.id}-site-{site.id}@{domain}",
            sequence=meeting.revision,
            stamp=stamp,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            summary=meeting.title,
            location=meeting.venue or site.name,
            description=gettext("Confirm attendance, see the agenda and download the documents: {link}", locale="vi", link=link),
            url=link,
            organizer_email=settings.mail.sender,
            organizer_name=agency_name,
            attendee_email=site.contact_email,
            attendee_name=site.contact_name or site.name,
        ))
        message = compose(text, sender=settings.mail.sender, recipient=site.contact_email, calendar=calendar, domain=domain)
        email = OutgoingEmail(meeting_id=meeting.id, site_id=site.id, kind=kind, recipient=site.contact_email, status="pending")
        db.add(email)
        planned.append((site, email, message))
    await db.flush()
    if planned:
        record(
            db, user, "send_" + kind + "s", "meeting", meeting.id, meeting_id=meeting.id,
            changes={"recipients": len(planned), **counts},
        )
    return _Prepared(
        batch=[Outgoing(email.id, message) for _site, email, message in planned],
        site_of_email={email.id: site.id for site, email, _message in planned},
        result=SendResult(kind=kind, **counts),
    )


async def _record_results(
    session_maker: async_sessionmaker[AsyncSession], user: Any, meeting_id: int, kind: str,
    prepared: _Prepared, results: list[DeliveryResult],
) -> None:
    moment = now()
    sent_sites = [prepared.site_of_email[r.email_id] for r in results if r.ok]
    async with session_maker() as db, db.begin():
        if results:
            await db.execute(
                update(OutgoingEmail),
                [
                    {"id": r.email_id, "status": "sent" if r.ok else "failed", "error": r.error[:2000],
                     "sent_at": moment if r.ok else None}
                    for r in results
                ],
            )
        if kind == INVITATION:
            for start in range(0, len(sent_sites), _UPDATE_CHUNK):
                chunk = sent_sites[start:start + _UPDATE_CHUNK]
                await db.execute(update(Site).where(Site.id.in_(chunk)).values(invited_at=moment))
            meeting = await db.get(Meeting, meeting_id)
            # A draft becomes "invited" only once an invitation actually went out.
            if sent_sites and meeting is not None and meeting.status == "draft":
                await change_status(db, user, meeting_id, "invite")
        record(
            db, user, kind + "_results", "meeting", meeting_id, meeting_id=meeting_id,
            changes={"sent": len(sent_sites), "failed": len(results) - len(sent_sites)},
        )


async def send_emails(
    db: AsyncSession, session_maker: async_sessionmaker[AsyncSession], actor: Any, keys: SiteKeys,
    settings: Settings, meeting_id: int, kind: str = INVITATION,
) -> SendResult:
    """Email each site contact its link: invitations to sites not yet invited, or reminders
    to sites that have not answered. Sites without an email are counted, not mailed.
    """
    user = require_editor(actor)
    if kind not in KINDS:
        raise NotFound("The page you asked for does not exist.")
    meeting = await get_meeting(db, user, meeting_id)
    config = smtp_config(settings)
    _check_status(meeting, kind)
    await _check_not_sending(db, meeting)
    prepared = await _prepare(db, user, keys, settings, meeting, kind)
    if not prepared.batch:
        return prepared.result
    # Commit before talking to the mail server: the emails are recorded as pending and
    # the transaction ends, so no database lock is held while thousands of messages go
    # out (SQLite takes its single write lock at BEGIN; a long PostgreSQL transaction
    # would block the sites' answers on the same rows). Results are written afterwards
    # in a second, short transaction of their own.
    await db.commit()
    results = await anyio.to_thread.run_sync(deliver, config, prepared.batch)
    try:
        await _record_results(session_maker, user, meeting.id, kind, prepared, results)
    except Exception:
        log.exception("could not record the results of %d emails for meeting %s", len(results), meeting.id)
        raise
    failures = [r for r in results if not r.ok]
    return SendResult(
        kind=kind,
        sent=len(results) - len(failures),
        failed=len(failures),
        without_email=prepared.result.without_email,
        revoked=prepared.result.revoked,
        already_invited=prepared.result.already_invited,
        error=failures[0].error if failures else "",
    )
