"""inbox claims (one process per resident across Rasa replicas) and inbox.tracked_at

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_claims',
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('pseudonym')
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracked_at', sa.DateTime(), nullable=True))
    # Messages applied before this revision are in the tracker already: a replay of one
    # must not write its turn again.
    op.execute("UPDATE inbox SET tracked_at = COALESCE(processed_at, received_at) "
               "WHERE status = 'processed'")


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('tracked_at')
    op.drop_table('inbox_claims')
