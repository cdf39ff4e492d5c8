"""Quiet hours in the outbound sender: campaign-initiated rows wait for the morning of their
campaign's time zone, without counting an attempt; replies are never held, even behind them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from outbound_helpers import FAST, inbound, queue, remember, row, sender_for, settle, twilio_env

from bot import clock
from bot.store.db import transaction
from bot.store.models import utcnow

LONDON = "Europe/London"


@pytest.fixture
def clock_file(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    clock.write_clock_file(path, datetime(2026, 12, 1, 22, 0))  # night in London
    return path


async def one_pass(factory, env, settings=FAST) -> None:
    async with sender_for(factory, env, settings) as sender:
        await sender.kick()


def test_a_campaign_row_waits_for_the_morning_without_an_attempt(factory, fake_twilio,
                                                                 clock_file):
    alice = remember(factory)
    row_id = queue(factory, alice, "Would you tell us about buses?", quiet_tz=LONDON,
                   dedupe_key="invite:1:0")
    before = utcnow()
    asyncio.run(one_pass(factory, twilio_env(fake_twilio)))
    held = row(factory, row_id)
    assert (held.status, held.attempts) == ("queued", 0)
    assert fake_twilio.requests == []
    wait = (held.next_attempt_at - before).total_seconds()
    assert 3599 <= wait <= 3601  # ENGAGE_QUIET_RECHECK (an hour), not the 10 hours to 08:00

    clock.write_clock_file(clock_file, datetime(2026, 12, 2, 7, 59, 30))
    with transaction(factory) as session:  # pretend the minute has passed
        session.query(type(held)).filter_by(id=row_id).update({"next_attempt_at": utcnow()})
    before = utcnow()
    asyncio.run(one_pass(factory, twilio_env(fake_twilio)))
    held = row(factory, row_id)
    assert 29 <= (held.next_attempt_at - before).total_seconds() <= 31  # the rest of the night

    clock.write_clock_file(clock_file, datetime(2026, 12, 2, 8, 0))
    fast = replace(FAST, quiet_recheck=0.05)

    async def morning():
        async with sender_for(factory, twilio_env(fake_twilio), fast) as sender:
            with transaction(factory) as session:
                session.query(type(held)).filter_by(id=row_id).update(
                    {"next_attempt_at": utcnow()})
            return await settle(sender, factory, [row_id])

    sent = asyncio.run(morning())[row_id]
    assert (sent.status, sent.attempts) == ("sent", 1)
    assert len(fake_twilio.accepted) == 1


def test_replies_are_not_held_nor_held_back(factory, fake_twilio, clock_file):
    alice = remember(factory)
    invite = queue(factory, alice, "Invitation", quiet_tz=LONDON, dedupe_key="invite:1:0")
    invite_2 = queue(factory, alice, "Invitation, part 2", quiet_tz=LONDON,
                     dedupe_key="invite:1:1")
    asyncio.run(one_pass(factory, twilio_env(fake_twilio)))  # the invitation is held
    reply = queue(factory, alice, "Reply", inbox_id=inbound(factory, alice))
    reply_in_campaign = queue(factory, alice, "Reply in a campaign", quiet_tz=LONDON,
                              inbox_id=inbound(factory, alice))

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [reply, reply_in_campaign])

    asyncio.run(scenario())
    assert [m.body for m in fake_twilio.accepted] == ["Reply", "Reply in a campaign"]
    assert row(factory, invite).status == row(factory, invite_2).status == "queued"
    assert row(factory, invite_2).attempts == 0


def test_the_campaigns_own_window_is_used(factory, fake_twilio, clock_file):
    alice = remember(factory)
    clock.write_clock_file(clock_file, datetime(2026, 12, 1, 13, 30))  # quiet for this one
    row_id = queue(factory, alice, "Invitation", quiet_tz=LONDON, quiet_hours="13:00-14:00",
                   dedupe_key="invite:1:0")
    asyncio.run(one_pass(factory, twilio_env(fake_twilio)))
    assert row(factory, row_id).status == "queued" and fake_twilio.requests == []

    clock.write_clock_file(clock_file, datetime(2026, 12, 1, 22, 0))  # not quiet for this one
    with transaction(factory) as session:
        session.query(type(row(factory, row_id))).filter_by(id=row_id).update(
            {"next_attempt_at": utcnow() - timedelta(seconds=1)})

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    assert asyncio.run(scenario())[row_id].status == "sent"


def test_a_row_without_quiet_tz_goes_at_night(factory, fake_twilio, clock_file):
    alice = remember(factory)
    row_id = queue(factory, alice, "Your data has been erased.")

    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    assert asyncio.run(scenario())[row_id].status == "sent"


def test_an_unknown_zone_is_held_by_london_time(factory, fake_twilio, clock_file):
    alice = remember(factory)
    row_id = queue(factory, alice, "Invitation", quiet_tz="Mars/Olympus")
    asyncio.run(one_pass(factory, twilio_env(fake_twilio)))
    assert row(factory, row_id).status == "queued" and fake_twilio.requests == []
