"""The outbox's rule for held campaign rows, on SQLite and PostgreSQL: a held invitation or
reminder holds back the resident's later campaign rows, never their replies."""

from __future__ import annotations

from datetime import timedelta

from bot.store import outbox
from bot.store.db import session_factory, transaction
from bot.store.models import InboxMessage, OutboxMessage, utcnow


def test_a_held_campaign_row_blocks_campaign_rows_not_replies(db_url):
    factory = session_factory(db_url)
    now = utcnow()
    with transaction(factory) as session:
        inbox = InboxMessage(provider="twilio", provider_message_id="SM1", channel="twilio_sms",
                             pseudonym="p_a", body="hi", status="processed")
        session.add(inbox)
        session.flush()
        invite = outbox.enqueue(session, "twilio_sms", "p_a", "Invitation",
                                quiet_tz="Europe/London", dedupe_key="invite:1:0")
        invite_2 = outbox.enqueue(session, "twilio_sms", "p_a", "Part 2",
                                  quiet_tz="Europe/London", dedupe_key="invite:1:1")
        reply = outbox.enqueue(session, "twilio_sms", "p_a", "Reply", inbox_id=inbox.id)
        answer = outbox.enqueue(session, "twilio_sms", "p_a", "Reply in campaign",
                                inbox_id=inbox.id, quiet_tz="Europe/London")
        other = outbox.enqueue(session, "twilio_sms", "p_b", "Not held")
        session.flush()
        ids = (invite.id, invite_2.id, reply.id, answer.id, other.id)
    later = now + timedelta(seconds=1)

    with transaction(factory) as session:
        outbox.defer(session, ids[0], now + timedelta(minutes=1))
    with transaction(factory) as session:
        due = [row.id for row in outbox.due(session, later)]
        held = session.get(OutboxMessage, ids[0])
        assert (held.status, held.attempts) == ("queued", 0)
    assert due == [ids[2], ids[3], ids[4]]  # part 2 waits behind its held first part

    with transaction(factory) as session:  # a reply waiting for a retry blocks what follows
        outbox.defer(session, ids[0], now)
        outbox.mark_retry(session, ids[2], "busy", now + timedelta(minutes=1))
    with transaction(factory) as session:
        due = [row.id for row in outbox.due(session, later)]
    assert due == [ids[0], ids[1], ids[4]]
