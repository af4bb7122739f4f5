"""Mailing invitations and reminders as a background job, one delivery row per site.

States of a delivery (``outgoing_email``): ``queued`` → ``sending`` → ``sent`` or
``failed``; a temporary failure (an SMTP 4xx answer, a connection lost or refused) puts it
back to ``queued`` with ``next_attempt_at`` (``retry_seconds`` doubling each time), until
``max_attempts``; a permanent one (5xx, an address that is not an address, a revoked
link) fails it at once with the server's answer.

**Never twice.** SMTP hands a message over when the client sends the final ``.`` of DATA
and the relay answers 250. Messages go out in groups, one per SMTP connection (at most
``CONFMGR_SMTP_CONNECTIONS``): the worker sends MAIL, RCPT, DATA and each whole message
except that final line, commits the group's ``sent`` in one transaction, then writes the
``.`` on every connection of the group, and only then reads the relay's answers. So:

- a row still ``sending`` after a crash never had its ``.`` sent: the relay dropped that
  message with the connection, and sending it again (the row goes back to ``queued``) is
  the first delivery, not a second one;
- a row ``sent`` is never sent again by the job (nor by a retry, which takes only
  ``failed`` rows).

**What a kill can lose.** A worker killed (SIGKILL, out of memory) after a group's commit
and before the last of its ``.`` writes leaves the rows whose ``.`` was not written yet
``sent`` while the relay dropped their message (visible in the relay's log as a session
cut during DATA): at most one group per worker thread, in a window of a thread wake-up and
a few socket writes (microseconds: no answer from the relay is awaited in it). A ``.``
once written is in the kernel's socket buffer, which still sends it when the process dies;
only the machine itself going down before the bytes leave it loses such a message. A
``.`` that cannot be written (the connection broke) puts its row back to ``queued``. If
the connection is lost after the ``.`` and before the answer, the row stays ``sent``
(the relay has the message, or at worst dropped it: it is logged). If the relay refuses
after the ``.`` (a 4xx/5xx to the message), the row is put back to ``queued`` or
``failed`` with that answer.
"""

from __future__ import annotations

import io
import json
import logging
import re
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.generator import BytesGenerator
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, func, or_, select, update

from confmgr.emailaddr import parse_email
from confmgr.accounts.models import User
from confmgr.agency.models import Agency
from confmgr.errors import DomainError
from confmgr.i18n import gettext
from confmgr.invitations.ics import CalendarEvent, build_calendar
from confmgr.invitations.mail import InvitationText, SmtpConfig, _close, _connect, compose
from confmgr.labels import MODE_LABELS
from confmgr.jobs.models import DONE, BackgroundJob
from confmgr.jobs.queue import Bridge, JobQueue
from confmgr.jobs.runner import renew
from confmgr.live.events import emit
from confmgr.meetings.models import Meeting
from confmgr.meetings.status import change_status
from confmgr.sites.models import OutgoingEmail, Site
from confmgr.timeutil import now, vn_datetime

log = logging.getLogger("confmgr.jobs")

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
CLAIM_SIZE = 50
PROGRESS_EVERY_SECONDS = 0.5
MAX_RETRY_SECONDS = 3600.0


def jobs_channel(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:jobs"


# ---- progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    email_id: int
    site_id: int | None
    site_name: str
    recipient: str
    error: str
    attempts: int
    at: datetime | None


@dataclass
class JobProgress:
    id: int
    meeting_id: int
    kind: str
    status: str
    total: int
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # queued or being sent
    retrying: int = 0  # waiting after a temporary failure
    skipped: dict[str, int] = field(default_factory=dict)
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    eta_seconds: int | None = None
    last_error: str = ""
    failures: list[Failure] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.sent + self.failed

    @property
    def percent(self) -> int:
        if self.total == 0:
            return 100
        return int(self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status == DONE

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "meeting_id": self.meeting_id, "kind": self.kind, "status": self.status,
            "total": self.total, "sent": self.sent, "failed": self.failed, "waiting": self.waiting,
            "retrying": self.retrying, "percent": self.percent, "eta_seconds": self.eta_seconds,
        }


async def job_progress(db: Any, job: BackgroundJob, *, failures: bool = True) -> JobProgress:
    counts: dict[str, int] = {}
    retrying = 0
    for status, count, retried in (await db.execute(
        select(OutgoingEmail.status, func.count(), func.sum(case((OutgoingEmail.attempts > 0, 1), else_=0)))
        .where(OutgoingEmail.job_id == job.id)
        .group_by(OutgoingEmail.status)
    )).all():
        counts[status] = count
        if status == QUEUED:
            retrying = int(retried or 0)
    progress = JobProgress(
        id=job.id, meeting_id=job.meeting_id or 0, kind=job.kind, status=job.status, total=job.total,
        sent=counts.get(SENT, 0), failed=counts.get(FAILED, 0),
        waiting=counts.get(QUEUED, 0) + counts.get(SENDING, 0), retrying=retrying,
        skipped=dict(job.skipped or {}), created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at, last_error=job.error,
    )
    if job.status != DONE and job.started_at is not None and progress.done:
        elapsed = (now() - job.started_at).total_seconds()
        progress.eta_seconds = int(round(elapsed / progress.done * progress.waiting))
    if failures and progress.failed:
        rows = (await db.execute(
            select(OutgoingEmail, Site.name)
            .outerjoin(Site, Site.id == OutgoingEmail.site_id)
            .where(OutgoingEmail.job_id == job.id, OutgoingEmail.status == FAILED)
            .order_by(OutgoingEmail.id)
        )).all()
        progress.failures = [
            Failure(e.id, e.site_id, name or "", e.recipient, e.error, e.attempts, e.updated_at) for e, name in rows
        ]
    return progress


async def _announce(db: Any, job: BackgroundJob) -> None:
    progress = await job_progress(db, job, failures=False)
    emit(db, jobs_channel(progress.meeting_id), "job", json.dumps(progress.as_json()))


# ---- the job's database steps (run on the bridge's event loop) --------------------------------


@dataclass(frozen=True)
class Item:
    email_id: int
    site_id: int
    recipient: str
    attempts: int
    text: InvitationText
    calendar: CalendarEvent


@dataclass(frozen=True)
class Claimed:
    items: list[Item]
    sender: str
    domain: str
    finished: bool = False
    wait_seconds: float | None = None


async def takeover(db: Any, job_id: int) -> None:
    """Rows left ``sending`` never had their final ``.`` sent: they go back to the queue."""
    await db.execute(
        update(OutgoingEmail).where(OutgoingEmail.job_id == job_id, OutgoingEmail.status == SENDING).values(status=QUEUED)
    )


def _domain(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


async def claim(bridge: Bridge, job_id: int, owner: str, limit: int) -> Claimed:
    from confmgr.invitations.services import access_url, meeting_when, token_of  # invitations.services imports this module

    settings = bridge.settings
    sender, domain = settings.mail.sender, _domain(settings.server.base_url)
    async with bridge.transaction() as db:
        job = await renew(bridge, db, job_id, owner)
        moment = now()
        rows = list(await db.scalars(
            select(OutgoingEmail)
            .where(
                OutgoingEmail.job_id == job_id, OutgoingEmail.status == QUEUED,
                or_(OutgoingEmail.next_attempt_at.is_(None), OutgoingEmail.next_attempt_at <= moment),
            )
            .order_by(OutgoingEmail.id).limit(limit)
        ))
        if not rows:
            later = await db.scalar(
                select(func.min(OutgoingEmail.next_attempt_at)).where(
                    OutgoingEmail.job_id == job_id, OutgoingEmail.status.in_((QUEUED, SENDING))
                )
            )
            if later is not None:
                return Claimed([], sender, domain, wait_seconds=max(0.0, (later - moment).total_seconds()))
            job.status, job.finished_at = DONE, moment
            await _announce(db, job)
            return Claimed([], sender, domain, finished=True)
        meeting = await db.get(Meeting, job.meeting_id)
        agency = await db.scalar(select(Agency).limit(1))
        agency_name = agency.name if agency else gettext("The meeting secretariat", locale="vi")
        when = meeting_when(meeting)
        deadline = vn_datetime(meeting.response_deadline) if meeting.response_deadline else ""
        mode = gettext(MODE_LABELS.get(meeting.mode, meeting.mode), locale="vi")
        sites = {s.id: s for s in await db.scalars(select(Site).where(Site.id.in_([r.site_id for r in rows if r.site_id])))}
        keys = bridge.site_keys
        items: list[Item] = []
        for row in rows:
            site = sites.get(row.site_id or 0)
            token = token_of(keys, site) if site is not None else None
            if site is None or token is None:
                row.status, row.error = FAILED, "the site's link was revoked or the site removed before sending"
                continue
            row.status, row.attempts = SENDING, row.attempts + 1
            link = access_url(settings.server.base_url, token)
            text = InvitationText(
                kind=job.kind, agency=agency_name, meeting_title=meeting.title, when=when, venue=meeting.venue,
                mode=mode, deadline=deadline, site_name=site.name, contact_name=site.contact_name, link=link,
            )
            calendar = CalendarEvent(
                uid=f"meeting-{meeting.id}-site-{site.id}@{domain}", sequence=meeting.revision, stamp=moment,
                starts_at=meeting.starts_at, ends_at=meeting.ends_at, summary=meeting.title,
                location=meeting.venue or site.name,
                description=gettext("Confirm attendance, see the agenda and download the documents: {link}", locale="vi", link=link),
                url=link, organizer_email=sender, organizer_name=agency_name,
                attendee_email=row.recipient, attendee_name=site.contact_name or site.name,
            )
            items.append(Item(row.id, site.id, row.recipient, row.attempts, text, calendar))
        return Claimed(items, sender, domain)


async def record(
    bridge: Bridge, job_id: int, owner: str, sent: list[Item], failed: list[tuple[Item, str, bool]], announce: bool,
) -> None:
    """One transaction for a group of messages: ``sent`` are committed before their final
    ``.`` (see the module's documentation); ``failed`` are ``(item, the server's answer,
    temporary)``: back to the queue with backoff, or failed."""
    settings = bridge.settings.mail
    async with bridge.transaction() as db:
        job = await renew(bridge, db, job_id, owner)
        moment = now()
        if sent:
            ids = [item.email_id for item in sent]
            await db.execute(update(OutgoingEmail).where(OutgoingEmail.id.in_(ids)).values(status=SENT, sent_at=moment, error=""))
            if job.kind == "invitation":
                await db.execute(update(Site).where(Site.id.in_([i.site_id for i in sent])).values(invited_at=moment))
                meeting = await db.get(Meeting, job.meeting_id)
                if meeting is not None and meeting.status == "draft":
                    await _mark_invited(db, job)
        for item, error, temporary in failed:
            values: dict[str, Any] = {"error": error[:2000]}
            if temporary and item.attempts < settings.max_attempts:
                wait = min(settings.retry_seconds * 2 ** (item.attempts - 1), MAX_RETRY_SECONDS)
                values.update(status=QUEUED, next_attempt_at=moment + timedelta(seconds=wait))
            else:
                values.update(status=FAILED)
            await db.execute(update(OutgoingEmail).where(OutgoingEmail.id == item.email_id).values(**values))
            if job.kind == "invitation":
                # Refused after the "." (the row said sent): the site is not invited after all.
                await db.execute(update(Site).where(Site.id == item.site_id).values(invited_at=None))
        if failed:
            job.error = failed[-1][1][:2000]
        if announce:
            await _announce(db, job)


async def _mark_invited(db: Any, job: BackgroundJob) -> None:
    """A draft becomes "invited" once an invitation actually went out, in the name of who sent it."""
    user = await db.get(User, job.created_by_id) if job.created_by_id else None
    try:
        async with db.begin_nested():
            await change_status(db, user, job.meeting_id, "invite")
    except DomainError as exc:
        log.warning("meeting %s stays a draft after its first invitation: %s", job.meeting_id, exc.message)


async def fail_all(bridge: Bridge, job_id: int, owner: str, error: str) -> None:
    async with bridge.transaction() as db:
        job = await renew(bridge, db, job_id, owner)
        await db.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.job_id == job_id, OutgoingEmail.status.in_((QUEUED, SENDING)))
            .values(status=FAILED, error=error)
        )
        job.error = error


# ---- SMTP, one message at a time, the final "." held back ---------------------------------


class Temporary(Exception):
    pass


class Permanent(Exception):
    pass


_DOT_LINE = re.compile(rb"(?m)^\.")


def valid_address(address: str) -> bool:
    """The one parser that also checks addresses where they are entered (confmgr.emailaddr)."""
    return parse_email(address) is not None


def message_bytes(item: Item, sender: str, domain: str) -> bytes:
    if not valid_address(item.recipient):
        raise Permanent(f"not a valid email address: {item.recipient}")
    message = compose(item.text, sender=sender, recipient=item.recipient, calendar=build_calendar(item.calendar), domain=domain)
    out = io.BytesIO()
    BytesGenerator(out, policy=message.policy.clone(utf8=not item.recipient.isascii())).flatten(message, linesep="\r\n")
    return out.getvalue()


def _answer(code: int, msg: bytes | str) -> str:
    text = msg.decode(errors="replace") if isinstance(msg, bytes) else msg
    return f"{code} {text}".strip()


class Relay:
    """One SMTP connection, opened when needed and again after it is lost."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.client: smtplib.SMTP | None = None
        self.in_data = False  # the message is sent but for its final "."
        self._lost = ""  # why the final "." could not be written

    def close(self) -> None:
        """QUIT, or, in the middle of a message, only the socket: the relay drops that message."""
        if self.in_data:
            self._drop()
        _close(self.client)
        self.client = None

    def _drop(self) -> None:
        self.in_data = False
        client, self.client = self.client, None
        if client is not None:
            try:
                client.close()
            except OSError:
                pass

    def _refused(self, code: int, msg: bytes, what: str) -> Exception:
        answer = f"mail server {self.config.label} {what}: {_answer(code, msg)}"
        try:
            assert self.client is not None
            self.client.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()
        if code == 421:
            self._drop()
        return Temporary(answer) if 400 <= code < 500 else Permanent(answer)

    def begin(self, sender: str, recipient: str, data: bytes) -> None:
        """MAIL, RCPT, DATA and the message without its final ``.``."""
        try:
            if self.client is None:
                self.client = _connect(self.config)
            client = self.client
            options = ["SMTPUTF8", "BODY=8BITMIME"] if not recipient.isascii() else []
            if options and not client.has_extn("smtputf8"):
                raise Permanent(f"mail server {self.config.label} does not accept addresses with accents: {recipient}")
            code, msg = client.mail(sender, options)
            if code != 250:
                raise self._refused(code, msg, "refused the sender")
            code, msg = client.rcpt(recipient)
            if code not in (250, 251):
                raise self._refused(code, msg, "refused the recipient")
            code, msg = client.docmd("data")
            if code != 354:
                raise self._refused(code, msg, "refused the message")
            body = _DOT_LINE.sub(b"..", data)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            self.in_data = True
            client.send(body)
        except (Temporary, Permanent):
            raise
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise (Temporary if 400 <= exc.smtp_code < 500 else Permanent)(
                f"mail server {self.config.label} answered {_answer(exc.smtp_code, exc.smtp_error)}"
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            raise Temporary(f"could not reach the mail server {self.config.label}: {reason}") from exc

    def send_dot(self) -> bool:
        """Write the final ``.``: from here the relay has the message (False when the
        connection was lost before it could be written)."""
        assert self.client is not None
        self.in_data = False
        try:
            self.client.send(b".\r\n")
        except (OSError, smtplib.SMTPException) as exc:
            self._lost = f"connection lost before the message was handed over: {exc}"
            self._drop()
            return False
        return True

    def read_reply(self) -> tuple[int, str]:
        """The relay's answer to the ``.`` (code 0 when the connection was lost)."""
        if self.client is None:
            return 0, self._lost or "connection lost"
        try:
            code, msg = self.client.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return 0, f"connection lost after the message was handed over: {exc}"
        return code, _answer(code, msg)


# ---- the job ------------------------------------------------------------------------------


def run(queue: JobQueue, job_id: int, owner: str) -> float | None:
    from confmgr.invitations.services import smtp_config  # invitations.services imports this module

    bridge = queue.bridge
    assert bridge is not None
    try:
        config = smtp_config(bridge.settings)
    except DomainError as exc:
        bridge.call(fail_all, job_id, owner, gettext(exc.message, locale="en", **exc.params))
        bridge.call(claim, job_id, owner, 0)  # finishes the job
        return None
    relays = [Relay(config) for _ in range(max(1, bridge.settings.mail.connections))]
    limiter = queue.limiter(config.label)
    announced = 0.0

    def due() -> bool:
        nonlocal announced
        moment = time.monotonic()
        if moment - announced >= PROGRESS_EVERY_SECONDS:
            announced = moment
            return True
        return False

    try:
        while not queue.stopping.is_set():
            claimed = bridge.call(claim, job_id, owner, CLAIM_SIZE)
            if claimed.finished:
                return None
            if not claimed.items:
                if claimed.wait_seconds is None:
                    continue  # rows failed while claiming (revoked links): look again
                return claimed.wait_seconds
            _send_batch(queue, bridge, relays, limiter, job_id, owner, claimed, due)
        return None
    finally:
        for relay in relays:
            relay.close()


def _send_batch(
    queue: JobQueue, bridge: Bridge, relays: list[Relay], limiter: Any, job_id: int, owner: str, claimed: Claimed,
    due: Any,
) -> None:
    """Messages go out in groups, one per connection: each brought up to its final ``.``,
    then the group's ``sent`` committed at once, then the ``.`` written on every
    connection, and only then the relay's answers read."""
    items = claimed.items
    for start in range(0, len(items), len(relays)):
        if queue.stopping.is_set():
            return  # the rest stay "sending": released, they go back to the queue
        group = items[start:start + len(relays)]
        begun: list[tuple[Item, Relay]] = []
        failed: list[tuple[Item, str, bool]] = []
        unreachable = ""
        for item, relay in zip(group, relays):
            if unreachable:
                failed.append((item, unreachable, True))
                continue
            try:
                data = message_bytes(item, claimed.sender, claimed.domain)
                limiter.wait(queue.stopping)
                relay.begin(claimed.sender, item.recipient, data)
            except Permanent as exc:
                failed.append((item, str(exc), False))
            except Temporary as exc:
                failed.append((item, str(exc), True))
                if relay.client is None and "could not reach" in str(exc):
                    unreachable = str(exc)
            except Exception as exc:  # a message that cannot be built must not stop the others
                log.exception("could not build the message of delivery %s", item.email_id)
                failed.append((item, f"could not build the message: {exc}", False))
            else:
                begun.append((item, relay))
        if unreachable:
            # The relay is away: the rest of the batch waits too, without each its own timeout.
            failed += [(rest, unreachable, True) for rest in items[start + len(group):]]
            for item, relay in begun:
                relay.close()  # never finished: the relay drops them, and they are queued again
            failed += [(item, unreachable, True) for item, _relay in begun]
            bridge.call(record, job_id, owner, [], failed, True)
            return
        bridge.call(record, job_id, owner, [item for item, _relay in begun], failed, due() or bool(failed))
        # Every "." is written before any answer is read: the group is handed over within
        # a few writes of its commit, not one round trip to the relay after another.
        written = [relay.send_dot() for _item, relay in begun]
        refused: list[tuple[Item, str, bool]] = []
        for (item, relay), sent in zip(begun, written):
            code, answer = relay.read_reply()
            if not sent:
                # The "." never left: the relay dropped the message; it goes back to the queue.
                refused.append((item, f"mail server {relay.config.label}: {answer}", True))
            elif code == 0:
                log.warning("delivery %s: %s", item.email_id, answer)
            elif code != 250:
                refused.append((item, f"mail server {relay.config.label} refused the message: {answer}", 400 <= code < 500))
        if refused:
            bridge.call(record, job_id, owner, [], refused, True)
