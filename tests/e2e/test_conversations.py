"""Whole conversations through the real Rasa server, action server and database."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bot.store.db import transaction
from bot.store.models import ConsentRecord, Contact, Erasure, Participant, Response

WELCOME = "TESTALL"


def join(bot, sender: str, language: str = "1") -> list[str]:
    """Keyword, language menu, consent: the resident is at the first step."""
    assert any("Cymraeg" in m for m in bot.say(sender, WELCOME))
    organisation = {"1": "Test Council", "2": "Cyngor Prawf", "3": "Urząd Testowy"}[language]
    assert any(organisation in m for m in bot.say(sender, language))
    return bot.say(sender, "YES")


def participant(bot, pseudonym: str) -> Participant | None:
    with transaction(bot.factory()) as session:
        return session.query(Participant).filter_by(pseudonym=pseudonym).one_or_none()


def pseudonym_of(bot, sender: str) -> str:
    return bot.pseudonym(sender)


def answers_of(bot, sender: str) -> dict[str, object]:
    with transaction(bot.factory()) as session:
        rows = (session.query(Response).join(Participant)
                .filter(Participant.pseudonym == pseudonym_of(bot, sender)).all())
        return {r.step_id: (None if r.skipped else r.value) for r in rows}


def test_a_whole_conversation_is_stored_and_exported(bot):
    sender = "+447700900101"
    assert any("every hour" in m for m in join(bot, sender))
    assert any("£2" in m for m in bot.say(sender, "MORE"))
    assert any("1 Bus" in m for m in bot.say(sender, "ok"))
    assert any("Why" in m for m in bot.say(sender, "bus"))
    assert any("Bus fares" in m for m in bot.say(sender, "It is cheap"))
    assert any("order" in m for m in bot.say(sender, "4️⃣"))
    assert any("change" in m for m in bot.say(sender, "3 1 2"))
    # The first resident: nobody else has answered, so the reflect step has nothing to show
    # and is passed over (no "Does this change your view?" about nothing).
    after_ideas = bot.say(sender, "More buses on Sunday")
    assert any("once more" in m for m in after_ideas)
    assert not any("change your view" in m for m in after_ideas)
    assert any("Thank you" in m for m in bot.say(sender, "walk"))

    assert answers_of(bot, sender) == {
        "travel_mode": "bus", "travel_mode.why": "It is cheap", "fare_cost": 4,
        "priorities": ["safety", "cost", "time"], "ideas": "More buses on Sunday",
        "travel_mode_again": "walk",
    }
    name = pseudonym_of(bot, sender)
    row = participant(bot, name)
    assert (row.status, row.consent, row.language) == ("completed", "given", "en")
    with transaction(bot.factory()) as session:
        consent = session.query(ConsentRecord).filter_by(participant_id=row.id).one()
        assert (consent.decision, consent.consent_version, consent.channel) == ("given", "test-1", "rest")

    export = bot.engage("export", "test-all-steps", "--format", "jsonl")
    assert export.returncode == 0, export.stderr
    mine = [r for r in map(json.loads, export.stdout.splitlines()) if r["participant"] == name]
    assert len(mine) == 1
    assert mine[0]["status"] == "Finished"  # exports hold Agreed residents only
    assert mine[0]["answers"]["fare_cost"] == 4
    csv = bot.engage("export", "test-all-steps", "--format", "csv").stdout.splitlines()
    header = csv[0].split(",")
    line = next(r for r in csv if r.startswith(name)).split(",")
    assert line[header.index("priorities")] == "safety>cost>time"
    assert line[header.index("travel_mode_again")] == "walk"


def test_refusing_stores_nothing_but_the_refusal(bot):
    sender = "+447700900102"
    bot.say(sender, WELCOME)
    bot.say(sender, "1")
    goodbye = bot.say(sender, "no thanks")
    assert goodbye and "TESTALL" in " ".join(goodbye)
    name = pseudonym_of(bot, sender)
    row = participant(bot, name)
    assert (row.consent, row.status) == ("declined", "declined")
    assert answers_of(bot, sender) == {}
    with transaction(bot.factory()) as session:
        assert [c.decision for c in session.query(ConsentRecord).filter_by(participant_id=row.id)] == ["declined"]


def test_answers_before_consent_are_never_stored(bot):
    sender = "+447700900103"
    bot.say(sender, WELCOME)
    bot.say(sender, "1")
    assert bot.say(sender, "Bus")  # not consent: a re-ask, not an answer
    assert answers_of(bot, sender) == {}
    assert participant(bot, pseudonym_of(bot, sender)).consent == "none"


def test_stop_midway_ends_everything_at_once(bot):
    sender = "+447700900104"
    join(bot, sender)
    bot.say(sender, "ok")
    bot.say(sender, "2")
    assert bot.say(sender, "STOP")  # one confirmation
    assert bot.say(sender, "I walk because it is close") == []  # and then silence
    name = pseudonym_of(bot, sender)
    row = participant(bot, name)
    assert (row.status, row.consent) == ("opted_out", "withdrawn")
    with transaction(bot.factory()) as session:
        assert session.query(ConsentRecord).filter_by(participant_id=row.id).one().withdrawn_at
        assert session.query(Contact).filter_by(pseudonym=name).one().opted_out_at
    assert answers_of(bot, sender) == {"travel_mode": "walk"}


def test_stop_in_welsh_works_too(bot):
    sender = "+447700900105"
    join(bot, sender, language="2")
    assert bot.say(sender, "stopio")
    assert participant(bot, pseudonym_of(bot, sender)).status == "opted_out"


def test_help_repeat_and_skip(bot):
    sender = "+447700900106"
    join(bot, sender)
    question = bot.say(sender, "ok")
    assert any("1 Bus" in m for m in question)
    assert "Test Council" in " ".join(bot.say(sender, "HELP"))
    assert bot.say(sender, "repeat") == question
    assert any("order" in m for m in bot.say(sender, "skip"))  # travel_mode skipped, fare_cost not asked
    assert answers_of(bot, sender) == {"travel_mode": None}


def test_language_switch_midway(bot):
    sender = "+447700900107"
    join(bot, sender)
    bot.say(sender, "ok")
    welsh = bot.say(sender, "Cymraeg")
    assert any("meddyg teulu" in m for m in welsh)
    assert any("Pam" in m for m in bot.say(sender, "1"))
    assert participant(bot, pseudonym_of(bot, sender)).language == "cy"


def test_bad_answers_get_a_friendly_reask_with_the_choices(bot):
    sender = "+447700900108"
    join(bot, sender)
    bot.say(sender, "ok")
    for bad in ("purple", "7", "", "\x00\x01", "🦄", "x" * 5000):
        reply = " ".join(bot.say(sender, bad))
        assert "1" in reply and "Bus" in reply, bad
    assert answers_of(bot, sender) == {}


def test_erasure_removes_everything_including_the_tracker(bot):
    sender = "+447700900109"
    join(bot, sender)
    bot.say(sender, "ok")
    bot.say(sender, "car")
    name = pseudonym_of(bot, sender)
    with transaction(bot.factory()) as session:
        assert session.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                               {"s": name}).scalar() > 0
        erasures_before = session.query(Erasure).count()
    confirmation = bot.say(sender, "DELETE")
    assert confirmation
    with transaction(bot.factory()) as session:
        assert session.query(Participant).filter_by(pseudonym=name).count() == 0
        assert session.query(Contact).filter_by(pseudonym=name).count() == 0
        assert session.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                               {"s": name}).scalar() == 0
        assert session.query(Erasure).count() == erasures_before + 1
    export = bot.engage("export", "test-all-steps").stdout
    assert name not in export


def test_someone_without_a_keyword_is_told_how_to_start(bot):
    reply = " ".join(bot.say("+447700900110", "hello?"))
    assert "TESTALL" in reply and "BUSES" in reply


def test_malformed_requests_get_400_and_store_nothing(bot):
    with transaction(bot.factory()) as session:
        before = session.query(Contact).count()
    for body in (b"not json", b"[1, 2]", b'{"message": "hi"}', b'{"sender": "", "message": "hi"}',
                 b'{"sender": "x", "message": 5}', b"\xff\xfe\x00"):
        status, reply = bot.post(body)
        assert status == 400, body
        assert "error" in reply
    with transaction(bot.factory()) as session:
        assert session.query(Contact).count() == before


def test_raw_addresses_appear_nowhere_outside_the_vault(bot):
    sender = "+447700900199"
    join(bot, sender)
    bot.say(sender, "ok")
    bot.say(sender, "walk")
    digits = "7700900199"
    engine = sa.create_engine(bot.database_url)
    with engine.connect() as connection:
        for table in sa.inspect(engine).get_table_names():
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")):
                assert digits not in repr(tuple(row)), table
    engine.dispose()
    for log in bot.log_dir.glob("*.log"):
        assert digits not in log.read_text(errors="replace"), log.name
