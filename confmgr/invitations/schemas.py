"""Outputs of the invitation API: a site's link, mailing results and the mailing summary."""

from __future__ import annotations

from datetime import datetime

import msgspec


class SiteLinkOut(msgspec.Struct):
    site_id: int
    site_name: str
    revoked: bool
    token: str | None
    access_url: str | None
    qr_url: str | None


class DeliveryFailureOut(msgspec.Struct):
    site_id: int | None
    site_name: str
    recipient: str
    error: str  # the mail server's answer
    attempts: int
    at: datetime | None


class JobOut(msgspec.Struct):
    """A mailing run in the background: counts of its deliveries and its failures."""

    id: int
    meeting_id: int
    kind: str  # invitation, reminder
    status: str  # queued, running, done
    total: int
    sent: int
    failed: int
    waiting: int
    retrying: int
    percent: int
    eta_seconds: int | None
    without_email: int
    revoked: int
    already_invited: int
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    url: str
    failures: list[DeliveryFailureOut]


class FailedEmailOut(msgspec.Struct):
    site_id: int
    site_name: str
    recipient: str
    error: str
    at: datetime | None


class InvitationSummaryOut(msgspec.Struct):
    mail_configured: bool
    sites: int
    with_email: int
    without_email: int
    invited: int
    failed: int
    sending: int
    revoked: int
    pending_answers: int
    failures: list[FailedEmailOut]
