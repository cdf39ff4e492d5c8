"""A sender taking over a row whose sender died mid-send (its lease ran out): Twilio is asked
whether the message went before it is sent again, so a killed replica repeats nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from outbound_helpers import RESIDENT, queue, remember, row, sender_for, settle, twilio_env

from bot.outbound.providers import Outgoing, build_providers
from bot.store import outbox
from bot.store.db import transaction
from bot.store.models import OutboxMessage, utcnow


def died_mid_send(factory, row_id: int) -> None:
    """What a sender killed between Twilio's 201 and its own record leaves: the row claimed,
    its lease run out."""
    with transaction(factory) as session:
        assert outbox.claim(session, row_id, utcnow(), timedelta(seconds=30))
        session.query(OutboxMessage).filter_by(id=row_id).update(
            {"next_attempt_at": utcnow() - timedelta(seconds=1)})


def sent_by_the_dead_sender(fake_twilio, body: str) -> str:
    provider = build_providers(twilio_env(fake_twilio))["twilio_sms"]
    return asyncio.run(provider.send(Outgoing(RESIDENT, body)))


def test_a_row_that_went_before_its_sender_died_is_recorded_not_sent_again(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Which bus do you take? Reply 1 or 2")
    died_mid_send(factory, row_id)
    sid = sent_by_the_dead_sender(fake_twilio, "Which bus do you take? Reply 1 or 2")

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            await settle(sender, factory, [row_id])

    asyncio.run(scenario())
    assert len(fake_twilio.accepted) == 1
    assert (row(factory, row_id).status, row(factory, row_id).provider_message_id) == ("sent", sid)


def test_a_row_that_never_went_is_sent_by_the_next_sender(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    died_mid_send(factory, row_id)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            await settle(sender, factory, [row_id])

    asyncio.run(scenario())
    [message] = fake_twilio.accepted
    assert row(factory, row_id).provider_message_id == message.sid


def test_the_same_words_sent_earlier_for_another_row_do_not_count(factory, fake_twilio):
    alice = remember(factory)
    first = queue(factory, alice, "Please reply 1 or 2")

    async def send_first():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            await settle(sender, factory, [first])

    asyncio.run(send_first())
    again = queue(factory, alice, "Please reply 1 or 2")  # the re-ask, word for word
    died_mid_send(factory, again)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            await settle(sender, factory, [again])

    asyncio.run(scenario())
    assert len(fake_twilio.accepted) == 2
    assert row(factory, again).provider_message_id == fake_twilio.accepted[1].sid
