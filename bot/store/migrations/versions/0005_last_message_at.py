"""participants.last_message_at: when the resident last wrote (not the bot, not a reminder)

"Started" means the resident wrote back, and retention counts from their last message. An
invitation enrols a resident before they ever write, and a reminder bumps `updated_at`, so
neither column can say this. Existing rows are backfilled from what the database shows the
resident did: their answers, consent decisions, inbox messages and, where no reminder has
been sent since, `updated_at` (which only their own messages moved then). An invited
resident who never replied keeps NULL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPENING_PHASES = ('choosing_language', 'awaiting_consent')

participants = sa.table(
    'participants', sa.column('id', sa.Integer), sa.column('pseudonym', sa.String),
    sa.column('campaign_id', sa.Integer), sa.column('phase', sa.String),
    sa.column('consent', sa.String), sa.column('state', sa.JSON),
    sa.column('started_at', sa.DateTime), sa.column('updated_at', sa.DateTime),
    sa.column('completed_at', sa.DateTime), sa.column('reminded_at', sa.DateTime),
    sa.column('last_message_at', sa.DateTime))
responses = sa.table('responses', sa.column('participant_id', sa.Integer),
                     sa.column('answered_at', sa.DateTime))
consents = sa.table('consent_records', sa.column('participant_id', sa.Integer),
                    sa.column('decided_at', sa.DateTime), sa.column('withdrawn_at', sa.DateTime))
inbox = sa.table('inbox', sa.column('pseudonym', sa.String),
                 sa.column('received_at', sa.DateTime))
invitations = sa.table('invitations', sa.column('campaign_id', sa.Integer),
                       sa.column('pseudonym', sa.String))


def _latest(rows) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    for key, *moments in rows:
        for moment in moments:
            if moment is not None and (key not in found or moment > found[key]):
                found[key] = moment
    return found


def _backfill(bind) -> None:
    rows = bind.execute(sa.select(participants).order_by(participants.c.id)).fetchall()
    if not rows:
        return
    answered = _latest(bind.execute(sa.select(responses.c.participant_id,
                                              responses.c.answered_at)))
    decided = _latest(bind.execute(sa.select(consents.c.participant_id, consents.c.decided_at,
                                             consents.c.withdrawn_at)))
    invited = {tuple(row) for row in bind.execute(
        sa.select(invitations.c.campaign_id, invitations.c.pseudonym))}
    messages: dict[str, list[datetime]] = defaultdict(list)
    for name, moment in bind.execute(sa.select(inbox.c.pseudonym, inbox.c.received_at)):
        messages[name].append(moment)
    later_start: dict[int, datetime | None] = {}  # the same resident's next participation
    by_name: dict[str, list] = defaultdict(list)
    for row in rows:
        by_name[row.pseudonym].append(row)
    for mine in by_name.values():
        for row, following in zip(mine, mine[1:] + [None]):
            later_start[row.id] = None if following is None else following.started_at
    for row in rows:
        state = row.state or {}
        wrote = ((row.campaign_id, row.pseudonym) not in invited  # joined by texting a keyword
                 or row.phase not in OPENING_PHASES or row.consent != 'none'
                 or bool(state.get('misunderstood')) or bool(state.get('language_chosen')))
        evidence = [moment for moment in (answered.get(row.id), decided.get(row.id),
                                          row.completed_at) if moment is not None]
        until = later_start[row.id]
        evidence += [moment for moment in messages.get(row.pseudonym, ())
                     if moment >= row.started_at and (until is None or moment < until)]
        if wrote and row.reminded_at is None:
            evidence.append(row.updated_at)  # only the resident's own messages moved it
        if wrote:
            evidence.append(row.started_at)
        if evidence:
            bind.execute(participants.update().where(participants.c.id == row.id)
                         .values(last_message_at=max(evidence), updated_at=row.updated_at))


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_message_at', sa.DateTime(), nullable=True))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('last_message_at')
