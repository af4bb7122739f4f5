"""Invitations (giấy mời): each site's secret link and QR code, the printed sheet, and emails.

A site's link is ``<base>/s/<token>``; the token is kept only as an HMAC and an
encryption (:mod:`confmgr.sites.tokens`), so it never reaches the audit log.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor
from confmgr.audit.services import record
from confmgr.errors import Conflict, NotFound
from confmgr.i18n import gettext
from confmgr.invitations.delivery import JobProgress, job_progress
from confmgr.invitations.mail import SmtpConfig, parse_smtp_url
from confmgr.jobs.models import ACTIVE, DONE, QUEUED, BackgroundJob
from confmgr.live.events import close_site_streams
from confmgr.meetings.models import Meeting
from confmgr.meetings.access import get_meeting
from confmgr.settings import Settings
from confmgr.sites.models import OutgoingEmail, Site
from confmgr.sites.tokens import SiteKeys
from confmgr.timeutil import now, to_vn, vn_date, vn_datetime

log = logging.getLogger("confmgr")

INVITATION = "invitation"
REMINDER = "reminder"
KINDS = (INVITATION, REMINDER)
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
    """Only those who may change the meeting see a site's link: a viewer holding it
    could answer as the site."""
    meeting = await get_meeting(db, require_editor(actor), meeting_id)
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
    """Every site with its link (``page=None``), or one page of ``page_size`` sites
    (editors only: the links open the sites)."""
    meeting = await get_meeting(db, require_editor(actor), meeting_id)
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
    job: JobProgress | None = None  # the latest mailing
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
        elif last is not None and last.status in ("queued", "sending"):
            summary.sending += 1
    job = await latest_job(db, meeting.id)
    if job is not None:
        summary.job = await job_progress(db, job)
    return summary


# ---- sending ----------------------------------------------------------------------------


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


async def active_job(db: AsyncSession, meeting_id: int) -> BackgroundJob | None:
    return await db.scalar(  # type: ignore[no-any-return]
        select(BackgroundJob).where(
            BackgroundJob.meeting_id == meeting_id, BackgroundJob.kind.in_(KINDS), BackgroundJob.status.in_(ACTIVE)
        ).order_by(BackgroundJob.id.desc()).limit(1)
    )


async def latest_job(db: AsyncSession, meeting_id: int) -> BackgroundJob | None:
    return await db.scalar(  # type: ignore[no-any-return]
        select(BackgroundJob).where(BackgroundJob.meeting_id == meeting_id, BackgroundJob.kind.in_(KINDS))
        .order_by(BackgroundJob.id.desc()).limit(1)
    )


BUSY = "Emails for this meeting are being sent right now. Wait until that finishes."


async def _lock_mailings(db: AsyncSession, meeting_id: int) -> Meeting:
    """The meeting, read again and locked until the transaction ends: two requests that
    start a mailing of one meeting take turns (on PostgreSQL; on SQLite writers already
    queue, see db.WriterQueue), so the second sees the first's job and is refused.
    ``FOR NO KEY UPDATE``: rows that only refer to the meeting are still written meanwhile."""
    meeting = await db.get(Meeting, meeting_id, with_for_update={"key_share": True}, populate_existing=True)
    if meeting is None:
        raise NotFound("The page you asked for does not exist.")
    return meeting


def _busy(running: BackgroundJob | None) -> Conflict:
    return Conflict(BUSY, extra={"job_id": running.id} if running is not None else {})


async def _flush_job(db: AsyncSession, job: BackgroundJob) -> None:
    """Write the job; the database refuses a second active mailing of the meeting (a
    partial unique index), whatever got past the checks: a 409, the session still usable."""
    try:
        async with db.begin_nested():
            db.add(job)
            await db.flush()
    except IntegrityError as exc:
        raise _busy(await active_job(db, job.meeting_id or 0)) from exc


async def start_mailing(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str = INVITATION
) -> BackgroundJob:
    """Record a mailing as a job with one queued delivery per site to mail; the caller
    commits, then enqueues the job (confmgr.jobs). Invitations go to sites not yet
    invited, reminders to sites that have not answered; sites without an email or with
    a revoked link are counted, not mailed.
    """
    user = require_editor(actor)
    if kind not in KINDS:
        raise NotFound("The page you asked for does not exist.")
    meeting = await get_meeting(db, user, meeting_id)
    smtp_config(settings)
    meeting = await _lock_mailings(db, meeting.id)
    _check_status(meeting, kind)
    if (running := await active_job(db, meeting.id)) is not None:
        raise _busy(running)
    stmt = (
        select(Site.id, Site.contact_email, Site.token_revoked, Site.invited_at)
        .where(Site.meeting_id == meeting.id).order_by(Site.role, Site.sort_order, Site.id)
    )
    if kind == REMINDER:
        stmt = stmt.where(Site.response == "pending")
    counts = {"without_email": 0, "revoked": 0, "already_invited": 0}
    recipients: list[tuple[int, str]] = []
    for site_id, email, revoked, invited_at in (await db.execute(stmt)).all():
        if not email:
            counts["without_email"] += 1
        elif revoked:
            counts["revoked"] += 1
        elif kind == INVITATION and invited_at is not None:
            counts["already_invited"] += 1
        else:
            recipients.append((site_id, email))
    moment = now()
    job = BackgroundJob(
        kind=kind, meeting_id=meeting.id, created_by_id=getattr(user, "id", None), total=len(recipients), skipped=counts,
        status=QUEUED if recipients else DONE, finished_at=None if recipients else moment,
    )
    await _flush_job(db, job)
    if recipients:
        await db.execute(insert(OutgoingEmail), [
            {"meeting_id": meeting.id, "site_id": site_id, "kind": kind, "recipient": email, "status": "queued",
             "error": "", "job_id": job.id, "attempts": 0}
            for site_id, email in recipients
        ])
    record(
        db, user, "send_" + kind + "s", "meeting", meeting.id, meeting_id=meeting.id,
        changes={"job": job.id, "recipients": len(recipients), **counts},
    )
    return job


async def _job_of(db: AsyncSession, meeting: Meeting, job_id: int) -> BackgroundJob:
    job = await db.get(BackgroundJob, job_id)
    if job is None or job.meeting_id != meeting.id or job.kind not in KINDS:
        raise NotFound("No such mailing in this meeting.")
    return job


async def mailing_progress(db: AsyncSession, actor: Any, meeting_id: int, job_id: int) -> JobProgress:
    meeting = await get_meeting(db, actor, meeting_id)
    return await job_progress(db, await _job_of(db, meeting, job_id))


async def retry_failed(db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, job_id: int) -> BackgroundJob:
    """Queue the failed deliveries of a mailing again (they never reached the relay, so
    this mails nobody twice); the caller commits, then enqueues the job."""
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    smtp_config(settings)
    meeting = await _lock_mailings(db, meeting.id)
    job = await _job_of(db, meeting, job_id)
    _check_status(meeting, job.kind)
    running = await active_job(db, meeting.id)
    if running is not None and running.id != job.id:
        # Its sites may be in the running mailing too: they would be mailed twice.
        raise _busy(running)
    newer = await db.scalar(
        select(BackgroundJob.id).where(
            BackgroundJob.meeting_id == meeting.id, BackgroundJob.kind == job.kind, BackgroundJob.id > job.id
        ).limit(1)
    )
    if newer is not None:
        # A later mailing of the same kind already went to the sites this one failed to reach.
        raise Conflict("A newer mailing has been made since this one: send the failed emails of the newest one again.")
    result = await db.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.job_id == job.id, OutgoingEmail.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=None)
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    if not count:
        raise Conflict("No email of this mailing failed: there is nothing to send again.")
    if job.status == DONE:
        job.status, job.finished_at = QUEUED, None
        await _flush_job(db, job)
    record(db, user, "retry_" + job.kind + "s", "meeting", meeting.id, meeting_id=meeting.id, changes={"job": job.id, "recipients": count})
    return job
