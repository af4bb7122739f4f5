"""A long piece of work done in the background (a mailing today; exports tomorrow).

The queue (Huey) only carries "run job N"; everything that must survive a restart is
here, in the application's own database: the job, who holds it now (a lease that
expires when its worker dies) and, per feature, one row per item of work (for a
mailing: ``outgoing_email``, one per recipient).
"""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
ACTIVE = (QUEUED, RUNNING)
# Kinds of which a meeting has at most one queued or running job at a time (its mailings:
# two at once would mail the sites they share twice).
ONE_AT_A_TIME = ("invitation", "reminder")
_ONE_ACTIVE_MAILING = text(
    "status IN ('queued', 'running') AND kind IN ('invitation', 'reminder') AND meeting_id IS NOT NULL"
)


class BackgroundJob(Base):
    __tablename__ = "background_job"
    # The database itself refuses a second active mailing of a meeting, whichever code path
    # or process tries (a partial unique index: PostgreSQL and SQLite both have them).
    __table_args__ = (
        Index(
            "uq_background_job_one_active_mailing", "meeting_id", unique=True,
            postgresql_where=_ONE_ACTIVE_MAILING, sqlite_where=_ONE_ACTIVE_MAILING,
        ),
    )

    kind: Mapped[str] = mapped_column(String(32))  # invitation, reminder
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True, default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)  # queued, running, done
    total: Mapped[int] = mapped_column(Integer, default=0)
    # Counted when the job was made and shown beside its progress (sites skipped and why).
    skipped: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Whoever runs the job holds it until lease_until; a worker that died loses it then.
    lease_owner: Mapped[str] = mapped_column(String(64), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    error: Mapped[str] = mapped_column(Text, default="")
