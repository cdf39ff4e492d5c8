"""Token buckets, and the real clients built from the environment, pointed at the fakes."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.outbound.clients import RebasedTwilioHttpClient, telegram_bot, twilio_client
from bot.outbound.ratelimit import TokenBucket, rates_from_env


def test_token_bucket_spaces_acquires():
    async def scenario() -> float:
        bucket = TokenBucket(50.0)
        start = time.monotonic()
        await asyncio.gather(*(bucket.acquire() for _ in range(10)))
        return time.monotonic() - start

    assert asyncio.run(scenario()) >= 9 / 50 * 0.8


def test_token_bucket_rejects_a_zero_rate():
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_rates_from_env():
    assert rates_from_env({"ENGAGE_RATE_SMS": "2.5"}) == \
        {"twilio_sms": 2.5, "twilio_whatsapp": 10.0, "telegram": 25.0}


def test_twilio_client_is_pointed_at_the_fake(fake_twilio):
    client = twilio_client()  # from the environment the fixture set
    message = client.messages.create(to="+447700900123", from_="+447700900000", body="hi")
    assert message.sid == fake_twilio.accepted[0].sid
    assert client.http_client.last_response().status_code == 201


def test_twilio_rebase_only_touches_twilio_hosts():
    http = RebasedTwilioHttpClient("http://127.0.0.1:8000/prefix")
    assert http.rebase("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1") == \
        "http://127.0.0.1:8000/prefix/2010-04-01/Accounts/AC1/Messages.json?x=1"
    assert http.rebase("https://example.org/a") == "https://example.org/a"
    assert RebasedTwilioHttpClient().rebase("https://api.twilio.com/a") == "https://api.twilio.com/a"


def test_telegram_bot_is_pointed_at_the_fake(fake_telegram):
    async def scenario():
        async with telegram_bot() as bot:
            return bot.username

    assert asyncio.run(scenario()) == fake_telegram.username
    assert telegram_bot({"TELEGRAM_BOT_TOKEN": "1:x"}).base_url == "https://api.telegram.org/bot1:x"


def test_telegram_bot_needs_a_token():
    with pytest.raises(ValueError):
        telegram_bot({})
