"""Telegram: python-telegram-bot's real Bot against the fake Bot API."""

from __future__ import annotations

import asyncio

from outbound_helpers import contact, queue, remember, sender_for, settle, telegram_env

CHAT = "4242"


def send(factory, fake_telegram, ids):
    async def scenario():
        async with sender_for(factory, telegram_env(fake_telegram)) as sender:
            return await settle(sender, factory, ids)

    return asyncio.run(scenario())


def test_options_become_a_reply_keyboard_and_go_away_after(factory, fake_telegram):
    alice = remember(factory, "telegram", CHAT)
    question = queue(factory, alice, "How do you travel?\n1 Bus\n2 Tram", channel="telegram",
                     buttons=["Bus", "Tram"])
    thanks = queue(factory, alice, "Thank you \u2014 that\u2019s all.", channel="telegram")
    done = send(factory, fake_telegram, [question, thanks])
    first, second = fake_telegram.sent
    assert (first["chat"]["id"], first["text"]) == (4242, "How do you travel?\n1 Bus\n2 Tram")
    assert first["reply_markup"] == {"keyboard": [[{"text": "Bus"}], [{"text": "Tram"}]],
                                     "resize_keyboard": True, "one_time_keyboard": True}
    assert second["text"] == "Thank you \u2014 that\u2019s all."  # Telegram is not GSM-7
    assert second["reply_markup"] == {"remove_keyboard": True}
    assert done[question].provider_message_id == str(first["message_id"])
    assert all(r.status == "sent" for r in done.values())


def test_only_people_who_started_the_bot(factory, fake_telegram):
    row_id = queue(factory, "p_never_started", "Hello", channel="telegram")
    failed = send(factory, fake_telegram, [row_id])[row_id]
    assert failed.status == "failed" and "started" in failed.last_error
    assert fake_telegram.calls("sendMessage") == []


def test_429_waits_retry_after_then_sends(factory, fake_telegram):
    alice = remember(factory, "telegram", CHAT)
    row_id = queue(factory, alice, "Hello", channel="telegram")
    fake_telegram.fail_next(429, retry_after=1)
    sent = send(factory, fake_telegram, [row_id])[row_id]
    first, second = fake_telegram.calls("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.received_at - first.received_at >= 0.9
    assert (sent.status, sent.attempts, len(fake_telegram.sent)) == ("sent", 2, 1)


def test_server_errors_and_timeouts_are_retried(factory, fake_telegram):
    alice = remember(factory, "telegram", CHAT)
    row_id = queue(factory, alice, "Hello", channel="telegram")
    fake_telegram.fail_next(500)
    fake_telegram.fail_next("timeout", hold=2)
    sent = send(factory, fake_telegram, [row_id])[row_id]
    statuses = [r.status for r in fake_telegram.calls("sendMessage")]
    assert len(statuses) == 3 and (statuses[0], statuses[-1]) == (500, 200)  # [1] was held
    assert (sent.status, sent.attempts, len(fake_telegram.sent)) == ("sent", 3, 1)


def test_blocked_bot_fails_and_opts_the_resident_out(factory, fake_telegram):
    alice = remember(factory, "telegram", CHAT)
    row_id = queue(factory, alice, "Hello", channel="telegram")
    fake_telegram.block(CHAT)
    failed = send(factory, fake_telegram, [row_id])[row_id]
    assert failed.status == "failed" and "blocked by the user" in failed.last_error
    assert contact(factory, alice).opted_out_at is not None
    assert len(fake_telegram.calls("sendMessage")) == 1
