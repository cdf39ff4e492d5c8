"""invitations once per campaign (slug) and contact, whatever the version; re-invitations

An existing database may hold invitations of one contact to several versions of a campaign:
each keeps its row, numbered in the order they were made (the first 0, the next 1, ...).
Downgrading keeps only the first invitation per (version, contact), as 0004 requires.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reinvitation', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute("UPDATE invitations SET slug = (SELECT campaign_versions.slug "
               "FROM campaign_versions WHERE campaign_versions.id = invitations.campaign_id)")
    op.execute("UPDATE invitations SET reinvitation = (SELECT count(*) FROM invitations AS earlier "
               "WHERE earlier.slug = invitations.slug AND earlier.pseudonym = invitations.pseudonym "
               "AND earlier.id < invitations.id)")
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_invitation', type_='unique')
        batch_op.create_unique_constraint('uq_invitation_once',
                                          ['slug', 'pseudonym', 'reinvitation'])


def downgrade() -> None:
    op.execute("DELETE FROM invitations WHERE EXISTS (SELECT 1 FROM invitations AS earlier "
               "WHERE earlier.campaign_id = invitations.campaign_id "
               "AND earlier.pseudonym = invitations.pseudonym AND earlier.id < invitations.id)")
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_invitation_once', type_='unique')
        batch_op.create_unique_constraint('uq_invitation', ['campaign_id', 'pseudonym'])
        batch_op.drop_column('reinvitation')
        batch_op.drop_column('slug')
