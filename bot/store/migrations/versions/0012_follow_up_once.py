"""public results and follow-ups: each resident is sent a campaign's follow-up once (a
unique index on campaign and resident), at the pace staff chose

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rate_per_second', sa.Float(), nullable=True))
    with op.batch_alter_table('follow_up_sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index('uq_follow_up_resident', ['slug', 'pseudonym'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('follow_up_sends', schema=None) as batch_op:
        batch_op.drop_index('uq_follow_up_resident')
        batch_op.drop_column('slug')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('rate_per_second')
