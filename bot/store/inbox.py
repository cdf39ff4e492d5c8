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

from bot.store.models import InboxClaim, InboxMessage, utcnow

PENDING, PROCESSED, FAILED = "pending", "processed", "failed"
# A new row waits this long before other processes' retry loops look at it: the receiving
# process is handing it to Rasa meanwhile (the per-resident claim below is what guarantees
# that nobody else does).
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

    def pending_for(self, pseudonym: str, now: datetime | None = None,
                    untracked_too: bool = False) -> list[InboxMessage]:
        """This resident's pending messages, oldest first. With `now` (the retry loop), none
        unless the oldest is due: a later message never overtakes one that is backing off.

        With `untracked_too`, in the same query, also the messages that were applied but whose
        turn never reached Rasa's tracker store (the Rasa process died between the action's
        commit and its own save). Only a caller holding the resident's claim may trust those
        (nobody else is mid-turn)."""
        waiting = InboxMessage.status == PENDING
        if untracked_too:
            waiting = sa.or_(waiting, sa.and_(InboxMessage.status == PROCESSED,
                                              InboxMessage.tracked_at.is_(None)))
        rows = (self.session.query(InboxMessage)
                .filter(InboxMessage.pseudonym == pseudonym, waiting)
                .order_by(InboxMessage.id).all())
        pending = [row for row in rows if row.status == PENDING]
        if now is not None and pending and pending[0].next_attempt_at > now:
            return [row for row in rows if row.status != PENDING]
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

    # --- claims: one process at a time hands a resident's messages to Rasa -----------------

    def claim(self, pseudonym: str, owner: str, lease: timedelta,
              now: datetime | None = None) -> bool:
        """Take (or keep) this resident for `owner` until now + lease, in one statement:
        an upsert that only overwrites a claim of the same owner or one that has expired.
        Two processes racing for it: PostgreSQL's unique index makes one of them wait, then
        see the winner's row and take nothing."""
        now = now or utcnow()
        table = InboxClaim.__table__
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table).values(pseudonym=pseudonym, owner=owner,
                                         expires_at=now + lease)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.pseudonym],
            set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
            where=sa.or_(table.c.owner == owner, table.c.expires_at <= now))
        return self.session.execute(statement).rowcount == 1

    def renew(self, pseudonyms: list[str], owner: str, lease: timedelta,
              now: datetime | None = None) -> int:
        """Push back the expiry of claims this owner still holds."""
        if not pseudonyms:
            return 0
        return self.session.query(InboxClaim).filter(
            InboxClaim.owner == owner, InboxClaim.pseudonym.in_(pseudonyms)).update(
            {"expires_at": (now or utcnow()) + lease}, synchronize_session=False)

    def release(self, pseudonym: str, owner: str) -> None:
        self.session.query(InboxClaim).filter_by(pseudonym=pseudonym, owner=owner).delete(
            synchronize_session=False)

    def has_ready(self, pseudonym: str, now: datetime | None = None) -> bool:
        """A pending message for this resident that may go to Rasa now: the oldest is new or
        due (one backing off after a failure waits for the retry loop)."""
        head = (self.session.query(InboxMessage.attempts, InboxMessage.next_attempt_at)
                .filter_by(pseudonym=pseudonym, status=PENDING)
                .order_by(InboxMessage.id).first())
        return head is not None and (not head.attempts or head.next_attempt_at <= (now or utcnow()))

    def drop_expired_claims(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Claims left by processes that died (a live one renews or deletes its own)."""
        return self.session.query(InboxClaim).filter(
            InboxClaim.expires_at < (now or utcnow()) - older_than).delete(
            synchronize_session=False)

    def mark_tracked(self, row_id: int, now: datetime | None = None) -> bool:
        """Note that Rasa's tracker store is writing this message's turn, in the same
        transaction as the events: True only the first time, and only once it was applied.
        A second turn for the same message (a replica that handed it to Rasa again) writes
        nothing."""
        return self.session.query(InboxMessage).filter(
            InboxMessage.id == row_id, InboxMessage.status == PROCESSED,
            InboxMessage.tracked_at.is_(None)).update(
            {"tracked_at": now or utcnow()}, synchronize_session=False) == 1
