"""The inbox: every provider message, recorded once, kept until the action has applied it.

Only the channels (recording) and the inbox processor (ordering, retries) use this. The row is
marked `processed` elsewhere, in the action's own transaction (bot/conversation.py), so that
"applied" and "processed" can never disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.models import InboxMessage, utcnow

PENDING, PROCESSED, FAILED = "pending", "processed", "failed"
# A new row is the receiving process's for this long: other processes' retry loops leave it
# alone, so a message is not handed to Rasa twice while it is being processed the first time.
CLAIM = timedelta(seconds=15)


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, provider: str, provider_message_id: str, channel: str, pseudonym: str,
               kind: str, body: str, now: datetime | None = None) -> tuple[InboxMessage, bool]:
        """Store a message once per (provider, provider's id). A redelivery, even one racing
        the first delivery in another process, returns the existing row and False.

        The INSERT comes first (no look-up before it): SQLite then waits for the write lock
        instead of failing a read-then-write transaction, and PostgreSQL's unique index decides.
        """
        now = now or utcnow()
        row = InboxMessage(provider=provider, provider_message_id=provider_message_id,
                           channel=channel, pseudonym=pseudonym, kind=kind, body=body,
                           status=PENDING, attempts=0, received_at=now,
                           next_attempt_at=now + CLAIM)
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            existing = self._by_provider_id(provider, provider_message_id)
            if existing is None:  # not our unique key that failed
                raise
            return existing, False
        return row, True

    def _by_provider_id(self, provider: str, provider_message_id: str) -> InboxMessage | None:
        return (self.session.query(InboxMessage)
                .filter_by(provider=provider, provider_message_id=provider_message_id)
                .one_or_none())

    def get(self, row_id: int) -> InboxMessage | None:
        return self.session.get(InboxMessage, row_id)

    def pending_for(self, pseudonym: str, now: datetime | None = None) -> list[InboxMessage]:
        """This resident's pending messages, oldest first. With `now` (the retry loop), none
        unless the oldest is due: a later message never overtakes one that is backing off."""
        rows = (self.session.query(InboxMessage)
                .filter_by(pseudonym=pseudonym, status=PENDING)
                .order_by(InboxMessage.id).all())
        if now is not None and rows and rows[0].next_attempt_at > now:
            return []
        return rows

    def due_pseudonyms(self, now: datetime, limit: int = 100) -> list[str]:
        """Residents whose oldest pending message is due, longest waiting first."""
        heads = (sa.select(sa.func.min(InboxMessage.id))
                 .where(InboxMessage.status == PENDING)
                 .group_by(InboxMessage.pseudonym).scalar_subquery())
        query = (sa.select(InboxMessage.pseudonym)
                 .where(InboxMessage.id.in_(heads), InboxMessage.next_attempt_at <= now)
                 .order_by(InboxMessage.next_attempt_at, InboxMessage.id).limit(limit))
        return list(self.session.execute(query).scalars())

    def pending_pseudonyms(self) -> list[str]:
        """Every resident with a pending message, due or not (a replay asks for all)."""
        query = (sa.select(InboxMessage.pseudonym).where(InboxMessage.status == PENDING)
                 .group_by(InboxMessage.pseudonym).order_by(sa.func.min(InboxMessage.id)))
        return list(self.session.execute(query).scalars())

    def mark_failed(self, row_id: int, error: str, backoff: timedelta,
                    now: datetime | None = None) -> int | None:
        """One more failed attempt: try again after `backoff`. Returns the attempts so far,
        None when the row is gone (erased) or no longer pending."""
        row = self.get(row_id)
        if row is None or row.status != PENDING:
            return None
        row.attempts += 1
        row.last_error = error[:2000]
        row.next_attempt_at = (now or utcnow()) + backoff
        return row.attempts

    def abandon(self, row_id: int, error: str) -> None:
        """The last attempt failed too: stop retrying (status `failed`). The row stays, for
        `engage inbox replay`."""
        self.session.query(InboxMessage).filter_by(id=row_id, status=PENDING).update(
            {"status": FAILED, "last_error": error[:2000], "attempts": InboxMessage.attempts + 1},
            synchronize_session=False)

    def revive_failed(self, now: datetime | None = None) -> int:
        """Give every abandoned message a fresh start (an operator asked for a replay)."""
        return self.session.query(InboxMessage).filter_by(status=FAILED).update(
            {"status": PENDING, "attempts": 0, "next_attempt_at": now or utcnow()},
            synchronize_session=False)

    def is_processed(self, row_id: int) -> bool:
        """Nothing left to do: applied by the action, or gone because the resident erased."""
        status = self.session.query(InboxMessage.status).filter_by(id=row_id).scalar()
        return status is None or status == PROCESSED

    def count(self, status: str) -> int:
        return self.session.query(sa.func.count(InboxMessage.id)).filter_by(status=status).scalar()
