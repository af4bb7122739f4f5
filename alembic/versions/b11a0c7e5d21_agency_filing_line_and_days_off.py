"""Agency: the filing line (drafting unit, copies kept) and the agency's own days off

Revision ID: b11a0c7e5d21
Revises: 24c500741a71
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b11a0c7e5d21"
down_revision = "24c500741a71"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.add_column(sa.Column("drafting_unit", sa.String(length=50), nullable=False, server_default=""))
        batch.add_column(sa.Column("archive_copies", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("days_off", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.drop_column("days_off")
        batch.drop_column("archive_copies")
        batch.drop_column("drafting_unit")
