"""At most one queued or running mailing (invitations or reminders) per meeting, enforced
by the database: two requests racing (a double click, two secretaries, an API client
retrying) could both record a mailing and mail every site twice

Revision ID: d7e1f35a0b42
Revises: c2f4a8d91e03
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


revision = 'd7e1f35a0b42'
down_revision = 'c2f4a8d91e03'
branch_labels = None
depends_on = None

ACTIVE_MAILING = "status IN ('queued', 'running') AND kind IN ('invitation', 'reminder') AND meeting_id IS NOT NULL"


def upgrade() -> None:
    # A meeting that already has two active mailings (the race this index closes) keeps
    # the oldest; the later ones stop, their unsent deliveries recorded as failed (the
    # sites stay not invited, so "send" or "send the failed again" reaches them once).
    later = (
        "SELECT j.id FROM background_job j WHERE j.status IN ('queued', 'running') "
        "AND j.kind IN ('invitation', 'reminder') AND EXISTS (SELECT 1 FROM background_job o "
        "WHERE o.meeting_id = j.meeting_id AND o.status IN ('queued', 'running') "
        "AND o.kind IN ('invitation', 'reminder') AND o.id < j.id)"
    )
    op.execute(
        "UPDATE outgoing_email SET status = 'failed', error = 'stopped: another mailing of the meeting was already running' "
        f"WHERE status IN ('queued', 'sending') AND job_id IN ({later})"
    )
    job = sa.table(
        "background_job", sa.column("id", sa.Integer), sa.column("status", sa.String),
        sa.column("finished_at", advanced_alchemy.types.DateTimeUTC(timezone=True)),
        sa.column("lease_owner", sa.String), sa.column("lease_until", advanced_alchemy.types.DateTimeUTC(timezone=True)),
    )
    ids = [row[0] for row in op.get_bind().execute(sa.text(later))]
    if ids:
        op.execute(
            job.update().where(job.c.id.in_(ids))
            .values(status="done", finished_at=datetime.now(UTC), lease_owner="", lease_until=None)
        )
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.create_index(
            'uq_background_job_one_active_mailing', ['meeting_id'], unique=True,
            postgresql_where=sa.text(ACTIVE_MAILING), sqlite_where=sa.text(ACTIVE_MAILING),
        )


def downgrade() -> None:
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_index('uq_background_job_one_active_mailing')
