"""one participation per resident per campaign version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Earlier versions could start a second participation in the same campaign version (switching
to another campaign and back, or texting the keyword again after STOP). Before the unique
index can exist, each set of duplicates is merged into one: the participation kept is the one
with answers, and of those the one the resident wrote to last (then the newest row); the
others go with their answers and consent records. Their answers are an abandoned earlier try
at the same questions, which the bot no longer showed the resident, and never combined with
the kept one's: mixing two tries would make one resident's answers inconsistent. The number
of rows removed is printed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _merge_duplicates() -> int:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT p.id, p.pseudonym, p.campaign_id, p.updated_at, "
        "EXISTS (SELECT 1 FROM responses r WHERE r.participant_id = p.id) AS answered "
        "FROM participants p JOIN (SELECT pseudonym, campaign_id FROM participants "
        "GROUP BY pseudonym, campaign_id HAVING COUNT(*) > 1) d "
        "ON d.pseudonym = p.pseudonym AND d.campaign_id = p.campaign_id")).fetchall()
    groups: dict[tuple[str, int], list] = {}
    for row in rows:
        groups.setdefault((row.pseudonym, row.campaign_id), []).append(row)
    losers = []
    for group in groups.values():
        keep = max(group, key=lambda r: (bool(r.answered), str(r.updated_at), r.id))
        losers += [row.id for row in group if row.id != keep.id]
    for start in range(0, len(losers), 500):
        ids = losers[start:start + 500]
        for table, column in (("responses", "participant_id"),
                              ("consent_records", "participant_id"), ("participants", "id")):
            bind.execute(sa.text(f"DELETE FROM {table} WHERE {column} IN :ids")
                         .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})
    if losers:
        print(f"0006: merged duplicate participations, removed {len(losers)} row(s)")
    return len(losers)


def upgrade() -> None:
    _merge_duplicates()
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index('uq_participant_version', ['pseudonym', 'campaign_id'],
                              unique=True)


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('uq_participant_version')
