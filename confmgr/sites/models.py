"""Sites (điểm cầu): the agency's directory, the sites of a meeting and their delegates."""

from __future__ import annotations

import enum
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confmgr.db import Base


class SiteRole(str, enum.Enum):
    HOST = "host"
    REMOTE = "remote"


class Response(str, enum.Enum):
    PENDING = "pending"
    ATTENDING = "attending"
    DECLINED = "declined"


class TechnicalCheck(str, enum.Enum):
    NOT_DONE = "not_done"
    OK = "ok"
    PROBLEM = "problem"


class DirectorySite(Base):
    """A site the agency connects again and again (host hall, districts, communes)."""

    __tablename__ = "directory_site"

    name: Mapped[str] = mapped_column(String(300), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=SiteRole.REMOTE.value)
    address: Mapped[str] = mapped_column(String(500), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    expected_delegates: Mapped[int | None] = mapped_column(Integer, default=None)
    # The official administrative unit the site is (sites/units.py), when it is one.
    unit_code: Mapped[str | None] = mapped_column(String(5), default=None, unique=True)
    province_code: Mapped[str | None] = mapped_column(String(2), default=None, index=True)
    # Imported under a name that matched several units or none: the secretariat confirms.
    unit_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Site(Base):
    """A site connected to one meeting, with its secret link and its answers."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("meeting_id", "name"), UniqueConstraint("meeting_id", "unit_code", name="uq_site_meeting_unit_code"))

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    directory_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_site.id", ondelete="SET NULL"), default=None
    )
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default=SiteRole.REMOTE.value)
    address: Mapped[str] = mapped_column(String(500), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    expected_delegates: Mapped[int | None] = mapped_column(Integer, default=None)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    unit_code: Mapped[str | None] = mapped_column(String(5), default=None)
    province_code: Mapped[str | None] = mapped_column(String(2), default=None, index=True)
    unit_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The link's token is never stored in clear: a keyed hash finds the site, and the
    # token itself is kept encrypted with the secret key so the link can be shown again.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_encrypted: Mapped[str] = mapped_column(String(255))
    token_revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    response: Mapped[str] = mapped_column(String(16), default=Response.PENDING.value, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    technical_check: Mapped[str] = mapped_column(String(16), default=TechnicalCheck.NOT_DONE.value)
    technical_note: Mapped[str] = mapped_column(Text, default="")
    technical_checked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    connected: Mapped[bool | None] = mapped_column(Boolean, default=None)
    roll_called_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    invited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="site",
        cascade="all, delete-orphan",
        order_by="Delegate.sort_order",
        lazy="selectin",
    )

    # Not a column: the logged-in secretariat user who opened this site's link in this
    # request (set by the portal's site dependency), so the audit names that person
    # rather than the site. Per request: each request loads its own Site object.
    acting_user = None


class Delegate(Base):
    """A person a site sends (đại biểu), and whether they were present at roll call."""

    __tablename__ = "delegate"

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    present: Mapped[bool | None] = mapped_column(Boolean, default=None)
    absence_reason: Mapped[str] = mapped_column(String(500), default="")
    arrived_late: Mapped[bool] = mapped_column(Boolean, default=False)

    site: Mapped[Site] = relationship(back_populates="delegates")


class AttendanceEvent(Base):
    """A site's answer as it was given; the board draws answers over time from these."""

    __tablename__ = "attendance_event"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(String(16))
    delegates: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingEmail(Base):
    """An invitation or reminder mailed to a site contact, and whether it went out."""

    __tablename__ = "outgoing_email"
    # One delivery per site and mailing: the same send never mails a site twice.
    __table_args__ = (UniqueConstraint("job_id", "site_id"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(16))  # invitation, reminder
    recipient: Mapped[str] = mapped_column(String(254))
    # queued -> sending (taken by a worker, final "." not yet sent) -> sent | failed;
    # a temporary failure puts it back to queued until next_attempt_at (confmgr.invitations.delivery).
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("background_job.id", ondelete="CASCADE"), index=True, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
