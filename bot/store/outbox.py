"""The outbox: every outbound message, from queued to its provider's final word.

Statuses: queued -> sending (claimed by a sender, for a lease) -> sent -> delivered /
undelivered / failed. A row is due when it is queued (or its lease ran out) and its time has
come, and no earlier unsent row of the same resident is still waiting: a resident's later
message never overtakes an earlier one, even while that one waits for a retry.

Campaign-initiated rows (invitations, reminders: `quiet_tz` set) are held during quiet hours.
A held campaign row holds back the resident's later campaign rows, never their replies.

The functions take the session first; OutboxRepository binds one, like the other repositories.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.store.models import OutboxMessage, utcnow

QUEUED, SENDING, SENT = "queued", "sending", "sent"
DELIVERED, UNDELIVERED, FAILED = "delivered", "undelivered", "failed"
PENDING = (QUEUED, SENDING)  # not yet handed to the provider


def campaign_initiated(table: Any = OutboxMessage) -> sa.sql.ColumnElement:
    """Rows the bot starts (invitations, reminders): a quiet_tz and no inbox message replied to."""
    return sa.and_(table.quiet_tz.isnot(None), table.inbox_id.is_(None))


def enqueue(session: Session, channel: str, pseudonym: str, body: str,
            buttons: Sequence[Any] | None = None, template: str | None = None,
            dedupe_key: str | None = None, inbox_id: int | None = None,
            forget_contact_after: bool = False, quiet_tz: str | None = None,
            quiet_hours: str | None = None) -> OutboxMessage:
    """Queue a message. With a dedupe_key seen before, the existing row is returned instead.

    `quiet_tz` (a campaign's time zone) marks a campaign-initiated message, held during that
    zone's quiet hours (`quiet_hours`, "21:00-08:00", the default when None); leave it None
    for replies."""
    if dedupe_key is not None:
        existing = session.query(OutboxMessage).filter_by(dedupe_key=dedupe_key).one_or_none()
        if existing is not None:
            return existing
    row = OutboxMessage(channel=channel, pseudonym=pseudonym, body=body,
                        buttons=list(buttons) if buttons else None, template=template,
                        dedupe_key=dedupe_key, inbox_id=inbox_id,
                        forget_contact_after=forget_contact_after, quiet_tz=quiet_tz,
                        quiet_hours=quiet_hours, status=QUEUED,
                        attempts=0, next_attempt_at=utcnow())
    try:
        with session.begin_nested():  # a concurrent enqueue of the same key may win the race
            session.add(row)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return session.query(OutboxMessage).filter_by(dedupe_key=dedupe_key).one()
    return row


def due(session: Session, now: datetime, limit: int = 100,
        channels: Sequence[str] | None = None) -> list[OutboxMessage]:
    """Rows to send now, oldest first. Any prefix of the result keeps each resident's order.

    An earlier row still waiting blocks a later one, except that a waiting campaign row
    (perhaps held for the night) does not block a row that is not one (a reply)."""
    earlier = aliased(OutboxMessage)
    blocked = (
        sa.select(earlier.id)
        .where(earlier.pseudonym == OutboxMessage.pseudonym, earlier.id < OutboxMessage.id,
               earlier.status.in_(PENDING), earlier.next_attempt_at > now,
               sa.or_(~campaign_initiated(earlier), campaign_initiated(OutboxMessage)))
        .exists()
    )
    query = (
        session.query(OutboxMessage)
        .filter(OutboxMessage.status.in_(PENDING), OutboxMessage.next_attempt_at <= now, ~blocked)
        .order_by(OutboxMessage.id)
    )
    if channels is not None:
        query = query.filter(OutboxMessage.channel.in_(list(channels)))
    return query.limit(limit).all()


def claim(session: Session, row_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a due row for sending; False when another sender took it first. A sender that
    dies mid-send leaves the row to be taken again once the lease runs out."""
    taken = (
        session.query(OutboxMessage)
        .filter(OutboxMessage.id == row_id, OutboxMessage.status.in_(PENDING),
                OutboxMessage.next_attempt_at <= now)
        .update({"status": SENDING, "next_attempt_at": now + lease}, synchronize_session=False)
    )
    return taken == 1


def renew(session: Session, row_ids: Sequence[int], now: datetime, lease: timedelta) -> int:
    """Push back the lease of claimed rows still being sent (a long pass renews its rows, so
    the lease can be short and a dead sender's rows go again soon)."""
    if not row_ids:
        return 0
    return session.query(OutboxMessage).filter(
        OutboxMessage.id.in_(list(row_ids)), OutboxMessage.status == SENDING
    ).update({"next_attempt_at": now + lease}, synchronize_session=False)


def release(session: Session, row_ids: Sequence[int], now: datetime) -> None:
    """Hand claimed rows back unsent (an earlier row of the resident did not go)."""
    if row_ids:
        session.query(OutboxMessage).filter(
            OutboxMessage.id.in_(list(row_ids)), OutboxMessage.status == SENDING
        ).update({"status": QUEUED, "next_attempt_at": now}, synchronize_session=False)


def defer(session: Session, row_id: int, until: datetime) -> None:
    """Hold a queued row until `until` (quiet hours) without counting a send attempt."""
    session.query(OutboxMessage).filter(
        OutboxMessage.id == row_id, OutboxMessage.status.in_(PENDING)
    ).update({"status": QUEUED, "next_attempt_at": until}, synchronize_session=False)


def mark_sent(session: Session, row_id: int, provider_message_id: str, now: datetime) -> None:
    _update(session, row_id, status=SENT, provider_message_id=provider_message_id, sent_at=now,
            last_error=None, attempts=OutboxMessage.attempts + 1)


def mark_retry(session: Session, row_id: int, error: str, next_attempt_at: datetime) -> None:
    _update(session, row_id, status=QUEUED, last_error=error, next_attempt_at=next_attempt_at,
            attempts=OutboxMessage.attempts + 1)


def mark_failed(session: Session, row_id: int, error: str) -> None:
    _update(session, row_id, status=FAILED, last_error=error,
            attempts=OutboxMessage.attempts + 1)


def _update(session: Session, row_id: int, **values: Any) -> None:
    values["updated_at"] = utcnow()
    session.query(OutboxMessage).filter_by(id=row_id).update(values, synchronize_session=False)


def by_provider_id(session: Session, provider_message_id: str) -> OutboxMessage | None:
    return (session.query(OutboxMessage)
            .filter_by(provider_message_id=provider_message_id).one_or_none())


class OutboxRepository:
    """The functions above, bound to one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, channel: str, pseudonym: str, body: str,
                buttons: Sequence[Any] | None = None, template: str | None = None,
                dedupe_key: str | None = None, inbox_id: int | None = None,
                forget_contact_after: bool = False,
                quiet_tz: str | None = None, quiet_hours: str | None = None) -> OutboxMessage:
        return enqueue(self.session, channel, pseudonym, body, buttons, template, dedupe_key,
                       inbox_id, forget_contact_after, quiet_tz, quiet_hours)

    def due(self, now: datetime, limit: int = 100,
            channels: Sequence[str] | None = None) -> list[OutboxMessage]:
        return due(self.session, now, limit, channels)

    def claim(self, row_id: int, now: datetime, lease: timedelta) -> bool:
        return claim(self.session, row_id, now, lease)

    def release(self, row_ids: Sequence[int], now: datetime) -> None:
        release(self.session, row_ids, now)

    def defer(self, row_id: int, until: datetime) -> None:
        defer(self.session, row_id, until)

    def mark_sent(self, row_id: int, provider_message_id: str, now: datetime) -> None:
        mark_sent(self.session, row_id, provider_message_id, now)

    def mark_retry(self, row_id: int, error: str, next_attempt_at: datetime) -> None:
        mark_retry(self.session, row_id, error, next_attempt_at)

    def mark_failed(self, row_id: int, error: str) -> None:
        mark_failed(self.session, row_id, error)

    def by_provider_id(self, provider_message_id: str) -> OutboxMessage | None:
        return by_provider_id(self.session, provider_message_id)
