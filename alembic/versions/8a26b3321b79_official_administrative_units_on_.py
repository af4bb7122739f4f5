"""Official administrative units on directory entries and meeting sites

Revision ID: 8a26b3321b79
Revises: 94a405f3b8cf
Create Date: 2026-11-30 12:32:04.545903
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '8a26b3321b79'
down_revision = '94a405f3b8cf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('directory_site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('province_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('unit_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_directory_site_province_code'), ['province_code'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_directory_site_unit_code'), ['unit_code'])

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('province_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('unit_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_site_province_code'), ['province_code'], unique=False)
        batch_op.create_unique_constraint('uq_site_meeting_unit_code', ['meeting_id', 'unit_code'])



def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_constraint('uq_site_meeting_unit_code', type_='unique')
        batch_op.drop_index(batch_op.f('ix_site_province_code'))
        batch_op.drop_column('unit_pending')
        batch_op.drop_column('province_code')
        batch_op.drop_column('unit_code')

    with op.batch_alter_table('directory_site', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_directory_site_unit_code'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_directory_site_province_code'))
        batch_op.drop_column('unit_pending')
        batch_op.drop_column('province_code')
        batch_op.drop_column('unit_code')

