"""An issued document's title as long as the meeting's and the chair's: the notice's title
joins both ("Thông báo kết luận của <chair> tại <meeting>"), which a 500-character column
cut off on PostgreSQL

Revision ID: c2f4a8d91e03
Revises: b13c0c2e9a71
Create Date: 2026-11-30 16:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'c2f4a8d91e03'
down_revision = 'b13c0c2e9a71'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(length=500), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.alter_column('title', existing_type=sa.Text(), type_=sa.String(length=500), existing_nullable=False)
