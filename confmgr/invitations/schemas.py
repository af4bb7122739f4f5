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


class SendOut(msgspec.Struct):
    sent: int
    failed: int
    without_email: int
    revoked: int
    already_invited: int
    error: str


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
