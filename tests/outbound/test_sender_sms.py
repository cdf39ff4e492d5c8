"""OutboxSender over SMS: the real twilio client against the fake Twilio API."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from outbound_helpers import (
    FAST,
    PUBLIC_URL,
    RESIDENT,
    SECRET,
    SMS_FROM,
    contact,
    inbound,
    queue,
    remember,
    row,
    sender_for,
    settle,
    twilio_env,
)

import bot.outbound.sender as sender_module
from bot.outbound.providers import build_providers
from bot.outbound.sender import OutboxSender
from bot.store.db import transaction
from bot.store.models import OutboxMessage, utcnow
from bot.store.vault import ContactVault


def test_sends_a_queued_message(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello \u201cthere\u201d \u2013 reply 1")

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    sent = asyncio.run(scenario())[row_id]
    [message] = fake_twilio.accepted
    assert (sent.status, sent.provider_message_id, sent.attempts) == ("sent", message.sid, 1)
    assert sent.sent_at is not None and sent.last_error is None
    assert message.request.params == {
        "To": RESIDENT, "From": SMS_FROM, "Body": 'Hello "there" - reply 1',
        "StatusCallback": PUBLIC_URL + "/webhooks/twilio_sms/status"}


def test_messaging_service_instead_of_a_number(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    env = twilio_env(fake_twilio, TWILIO_SMS_FROM="", TWILIO_MESSAGING_SERVICE_SID="MG" + "3" * 32)

    async def scenario():
        async with sender_for(factory, env) as sender:
            await settle(sender, factory, [row_id])

    asyncio.run(scenario())
    params = fake_twilio.accepted[0].request.params
    assert params["MessagingServiceSid"] == "MG" + "3" * 32 and "From" not in params


def test_429_honours_retry_after_then_sends_once(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    fake_twilio.fail_next(429, retry_after=1)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    sent = asyncio.run(scenario())[row_id]
    first, second = fake_twilio.requests
    assert (first.status, second.status) == (429, 201)
    assert second.received_at - first.received_at >= 0.9  # Retry-After: 1, not the 0.05 s backoff
    assert len(fake_twilio.accepted) == 1
    assert (sent.status, sent.attempts) == ("sent", 2)


@pytest.mark.parametrize("failure", [500, 503, "timeout"])
def test_provider_trouble_is_retried(factory, fake_twilio, failure):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    fake_twilio.fail_next(failure, hold=2)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    sent = asyncio.run(scenario())[row_id]
    assert len(fake_twilio.requests) == 2 and len(fake_twilio.accepted) == 1
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_connection_refused_is_retried_until_max_attempts(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    env = twilio_env(fake_twilio, ENGAGE_TWILIO_API_BASE="http://127.0.0.1:9")

    async def scenario():
        async with sender_for(factory, env) as sender:
            return await settle(sender, factory, [row_id])

    failed = asyncio.run(scenario())[row_id]
    assert failed.status == "failed" and failed.attempts == FAST.max_attempts
    assert failed.last_error.startswith("gave up after 4 attempts: could not reach Twilio")


def test_max_attempts_then_failed_with_the_reason(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    fake_twilio.fail_next(500, times=10)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    failed = asyncio.run(scenario())[row_id]
    assert len(fake_twilio.requests) == FAST.max_attempts and fake_twilio.accepted == []
    assert failed.status == "failed"
    assert failed.last_error == ("gave up after 4 attempts: Twilio 500 (code 20500): "
                                 "Unable to create record: Internal Server Error")


def test_unsubscribed_recipient_fails_and_opts_the_contact_out(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    fake_twilio.fail_next(400)  # 21610

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    failed = asyncio.run(scenario())[row_id]
    assert len(fake_twilio.requests) == 1
    assert failed.status == "failed" and "21610" in failed.last_error
    assert contact(factory, alice).opted_out_at is not None


def test_other_4xx_fails_at_once_without_the_address(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Hello")
    fake_twilio.fail_next(400, code=21211,
                          message=f"The 'To' number {RESIDENT} is not a valid phone number.")

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    failed = asyncio.run(scenario())[row_id]
    assert failed.status == "failed" and failed.attempts == 1
    assert "21211" in failed.last_error and "<address>" in failed.last_error
    assert RESIDENT not in failed.last_error and RESIDENT.lstrip("+") not in failed.last_error
    assert contact(factory, alice).opted_out_at is None


def test_a_resident_not_in_the_vault_is_refused(factory, fake_twilio):
    row_id = queue(factory, "p_unknown", "Hello")

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    failed = asyncio.run(scenario())[row_id]
    assert failed.status == "failed" and "contact vault" in failed.last_error
    assert fake_twilio.requests == []


def test_an_opted_out_resident_gets_replies_only(factory, fake_twilio):
    alice = remember(factory)
    inbox_id = inbound(factory, alice)
    with transaction(factory) as session:
        ContactVault(session, SECRET).mark_opted_out(alice)
    invitation = queue(factory, alice, "Join our new campaign")
    confirmation = queue(factory, alice, "You will get no more messages", inbox_id=inbox_id)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [invitation, confirmation])

    done = asyncio.run(scenario())
    assert done[invitation].status == "failed" and "opted out" in done[invitation].last_error
    assert done[confirmation].status == "sent"
    assert [m.body for m in fake_twilio.accepted] == ["You will get no more messages"]


def test_a_residents_messages_keep_their_order_through_retries(factory, fake_twilio):
    alice = remember(factory)
    ids = [queue(factory, alice, body) for body in ("one", "two", "three")]
    fake_twilio.fail_next(503)  # "one" fails first; "two" and "three" must wait for it

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, ids)

    done = asyncio.run(scenario())
    assert [m.body for m in fake_twilio.accepted] == ["one", "two", "three"]
    assert [r.params["Body"] for r in fake_twilio.requests] == ["one", "one", "two", "three"]
    assert all(done[i].status == "sent" for i in ids)


def test_residents_are_not_held_up_by_each_other(factory, fake_twilio):
    alice = remember(factory, address="+447700900111")
    bob = remember(factory, address="+447700900222")
    a1, a2 = queue(factory, alice, "a1"), queue(factory, alice, "a2")
    b1 = queue(factory, bob, "b1")
    fake_twilio.fail_next(500, times=10)
    slow = replace(FAST, backoff_base=5.0, backoff_cap=5.0)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio), slow) as sender:
            await sender.kick()  # a1 and b1 both fail once and wait 5 s
            fake_twilio.failures.clear()
            with transaction(factory) as session:  # bob's retry time comes at once
                session.query(OutboxMessage).filter_by(id=b1).update(
                    {"next_attempt_at": utcnow() - timedelta(seconds=1)})
            await sender.kick()

    asyncio.run(scenario())
    assert row(factory, b1).status == "sent"
    assert (row(factory, a1).status, row(factory, a2).status) == ("queued", "queued")
    assert [m.body for m in fake_twilio.accepted] == ["b1"]


def test_rate_limit_spaces_sends(factory, fake_twilio):
    rate, count = 5.0, 10
    ids = [queue(factory, remember(factory, address=f"+4477009001{n:02d}"), f"m{n}")
           for n in range(count)]
    settings = replace(FAST, rates={"twilio_sms": rate})

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio), settings) as sender:
            return await settle(sender, factory, ids)

    done = asyncio.run(scenario())
    assert all(r.status == "sent" for r in done.values())
    times = sorted(r.received_at for r in fake_twilio.requests)
    # 10 sends at 5/s take at least 9 intervals of 200 ms (1.8 s). A loaded machine can delay
    # one request on its way to the fake more than the next, so allow a quarter of a second.
    assert times[-1] - times[0] >= (count - 1) / rate - 0.25


def test_two_senders_never_send_a_row_twice(factory, fake_twilio):
    ids = [queue(factory, remember(factory, address=f"+4477009002{n:02d}"), f"m{n}")
           for n in range(8)]

    async def scenario():
        env = twilio_env(fake_twilio)
        async with sender_for(factory, env) as first, sender_for(factory, env) as second:
            await asyncio.gather(first.kick(), second.kick(), first.kick())
            return await settle(first, factory, ids)

    done = asyncio.run(scenario())
    assert all(r.status == "sent" for r in done.values())
    assert sorted(m.body for m in fake_twilio.accepted) == sorted(f"m{n}" for n in range(8))


def test_run_loop_and_module_kick(factory, fake_twilio):
    alice = remember(factory)
    slow_poll = replace(FAST, poll_seconds=30.0)

    async def scenario():
        sender = OutboxSender(factory, SECRET, build_providers(twilio_env(fake_twilio)), slow_poll)
        task = asyncio.create_task(sender.run())
        await asyncio.sleep(0.1)  # the first pass finds nothing; the loop now sleeps 30 s
        row_id = queue(factory, alice, "Hello")
        sender_module.kick()  # what bot.channels.outbox_output calls after queueing
        for _ in range(200):
            if row(factory, row_id).status == "sent":
                break
            await asyncio.sleep(0.02)
        await sender.close()
        await asyncio.wait_for(task, 5)
        return row(factory, row_id)

    assert asyncio.run(scenario()).status == "sent"
    assert sender_module._running is None


def test_the_erasure_confirmation_forgets_the_contact_once_sent(factory, fake_twilio):
    alice = remember(factory)
    row_id = queue(factory, alice, "Your data has been erased.", forget_contact_after=True)

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    assert asyncio.run(scenario())[row_id] is None  # the row named the pseudonym: gone too
    assert [m.body for m in fake_twilio.accepted] == ["Your data has been erased."]
    assert contact(factory, alice) is None
