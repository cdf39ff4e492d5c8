"""launches, shared pacing, reminders, quiet hours, contact language and Telegram handle

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('launches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=256), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('rate_per_second', sa.Float(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('rate_pacing',
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('next_free', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('handle_digest', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_handle_digest'), ['handle_digest'], unique=False)
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiet_tz', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('quiet_hours', sa.String(length=11), nullable=True))
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('launch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_invitations_launch_id', 'launches', ['launch_id'], ['id'])
        batch_op.create_index('ix_invitations_status_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_status_due')
        batch_op.drop_constraint('fk_invitations_launch_id', type_='foreignkey')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('attempts')
        batch_op.drop_column('launch_id')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('quiet_hours')
        batch_op.drop_column('quiet_tz')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_handle_digest'))
        batch_op.drop_column('handle_digest')
        batch_op.drop_column('language')
    op.drop_table('rate_pacing')
    op.drop_table('launches')
