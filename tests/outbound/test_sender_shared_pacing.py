"""The channel rate holds across senders (as across Rasa processes): they pace through the
database, not each with a bucket of its own."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from outbound_helpers import FAST, queue, remember, sender_for, settle, twilio_env


def test_two_senders_share_one_rate(factory, fake_twilio):
    rate, count = 20.0, 12
    ids = [queue(factory, remember(factory, address=f"+4477009003{n:02d}"), f"m{n}")
           for n in range(count)]
    settings = replace(FAST, rates={"twilio_sms": rate}, batch=count // 2)

    async def scenario():
        env = twilio_env(fake_twilio)
        async with sender_for(factory, env, settings) as first, \
                sender_for(factory, env, settings) as second:
            await asyncio.gather(first.kick(), second.kick())
            return await settle(first, factory, ids)

    done = asyncio.run(scenario())
    assert all(r.status == "sent" for r in done.values())
    times = sorted(r.received_at for r in fake_twilio.requests)
    # One shared rate: 11 intervals of 50 ms. A bucket each would take half that. (The first
    # request of a client may be late by its connection set-up, so not every gap is exact.)
    assert times[-1] - times[0] >= (count - 1) / rate * 0.8
