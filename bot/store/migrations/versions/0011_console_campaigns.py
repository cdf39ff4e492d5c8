"""console: campaign drafts, and participations marked as test data

Campaign files uploaded or edited in the console are kept as drafts until they are
published (only a draft without errors is stored). A participation of a console test sender
("Try it") is marked `is_test`: it never counts in results, reach, status or exports, and is
deleted when the officer leaves or after a short expiry.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('saved_by', sa.String(length=128), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('published_version', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    # A plain ADD COLUMN, never a batch "move and copy": on SQLite that rebuilds the table,
    # and dropping the old participants table cascades to every answer and consent record.
    op.add_column('participants', sa.Column('is_test', sa.Boolean(), nullable=False,
                                            server_default=sa.false()))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':  # SQLite 3.35+ drops a column in place
        op.execute('ALTER TABLE participants DROP COLUMN is_test')
    else:
        op.drop_column('participants', 'is_test')
    op.drop_table('campaign_drafts')
