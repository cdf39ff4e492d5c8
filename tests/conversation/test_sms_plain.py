"""A campaign that sends Polish plainly over SMS: the SMS outbox gets the plain spelling,
Telegram the full one, and the stored answers keep what the resident wrote."""

from __future__ import annotations

from conversation_helpers import BUSES, publish, resident, say, service

from bot.store.db import transaction
from bot.store.models import OutboxMessage
from bot.text import is_gsm7


def test_sms_gets_the_plain_spelling_and_telegram_the_full_one(factory, tmp_path):
    plain = tmp_path / "buses.yml"
    plain.write_text(BUSES.read_text(encoding="utf-8") + "\nsms_plain: [pl]\n", encoding="utf-8")
    publish(factory, plain)
    convo = service(factory)
    bodies = {}
    for channel, address in (("twilio_sms", "+447700900123"), ("telegram", "4242")):
        name = resident(factory, channel, address)
        say(convo, factory, name, "BUSES", channel)
        result = say(convo, factory, name, "polski", channel)
        assert result.queued
        with transaction(factory) as session:
            bodies[channel] = [row.body for row in session.query(OutboxMessage)
                               .filter_by(pseudonym=name).order_by(OutboxMessage.id)][-1]
    assert not is_gsm7(bodies["telegram"]) and "USUŃ" in bodies["telegram"]
    assert is_gsm7(bodies["twilio_sms"]) and "USUN" in bodies["twilio_sms"]
