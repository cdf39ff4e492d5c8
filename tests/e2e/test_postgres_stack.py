"""The whole stack on PostgreSQL: data, vault and the Rasa tracker store in one database."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bot.store.db import transaction
from bot.store.models import Participant, Response


def test_conversation_export_and_erasure_on_postgres(bot_on_postgres):
    bot, sender = bot_on_postgres, "+447700900301"
    bot.say(sender, "TESTALL")
    bot.say(sender, "3")  # Polski
    bot.say(sender, "tak")
    bot.say(sender, "ok")
    assert any("Dlaczego" in m for m in bot.say(sender, "autobus"))
    name = bot.pseudonym(sender)
    with transaction(bot.factory()) as session:
        assert [(r.step_id, r.value, r.language) for r in session.query(Response)] == [
            ("travel_mode", "bus", "pl")]
        assert session.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                               {"s": name}).scalar() > 0
    exported = [json.loads(line) for line in bot.engage("export", "test-all-steps").stdout.splitlines()]
    assert [(r["participant"], r["language"], r["answers"]) for r in exported] == [
        (name, "pl", {"travel_mode": "bus"})]

    result = bot.engage("erase", "--address", sender, "--channel", "rest")
    assert result.returncode == 0 and "Erased" in result.stdout
    with transaction(bot.factory()) as session:
        assert session.query(Participant).count() == 0
        assert session.query(Response).count() == 0
        assert session.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                               {"s": name}).scalar() == 0
