"""A credential version per user: sessions and API tokens made before a password,
role or activation change stop working

Revision ID: b13c0c2e9a71
Revises: b11a0c7e5d21
Create Date: 2026-11-30 13:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'b13c0c2e9a71'
down_revision = 'b11a0c7e5d21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('credential_version')
