"""Someone in no campaign: a short, language-neutral answer to "hi"; their own language when
their word (or their import) says which; after STOP only HELP, DELETE and START answered."""

from __future__ import annotations

from conversation_helpers import BUSES, PARKS, publish, resident, say, service

from bot.engine import phrase
from bot.store.db import transaction
from bot.store.models import Contact
from bot.text import sms_segments

NEUTRAL = "BUSES / PARKS\nHELP / CYMORTH / POMOC / مساعدة / AJUTOR"


def live(factory):
    publish(factory, BUSES, PARKS)
    return service(factory)


def test_hi_gets_a_short_language_neutral_answer(factory):
    convo = live(factory)
    name = resident(factory)
    for text in ("hi", "Hello", "cześć", "😀", "bonjour"):
        [reply] = say(convo, factory, name, text).messages
        assert reply == NEUTRAL
        assert sms_segments(reply).segments == 1
    assert "To take part" not in reply


def test_help_from_a_stranger_is_in_the_language_of_the_word(factory):
    convo = live(factory)
    name = resident(factory)
    assert say(convo, factory, name, "POMOC").messages == [
        "Aby wziąć udział, wyślij jedno z tych słów: BUSES, PARKS"]
    assert say(convo, factory, name, "cymorth").messages == [
        "I gymryd rhan, tecstiwch un o'r geiriau hyn: PARCIAU, TEITHIO"]
    assert say(convo, factory, name, "HELP").messages == [
        "To take part, text one of these words: BUSES, PARKS"]
    assert say(convo, factory, name, "what?").messages == [
        "To take part, text one of these words: BUSES, PARKS"]


def test_a_stranger_whose_language_is_known_is_answered_in_it(factory):
    convo = live(factory)
    name = resident(factory)
    with transaction(factory) as session:
        session.query(Contact).filter_by(pseudonym=name).update({"language": "cy"})
    assert say(convo, factory, name, "hi").messages == [
        "I gymryd rhan, tecstiwch un o'r geiriau hyn: PARCIAU, TEITHIO"]


def test_stop_and_delete_from_a_stranger_in_their_language(factory):
    convo = live(factory)
    name = resident(factory)
    assert say(convo, factory, name, "ZAKOŃCZ").messages == [phrase("opted_out", "pl")]
    name = resident(factory, address="+447700900999")
    result = say(convo, factory, name, "DILEU")
    assert result.erased and result.messages == [phrase("erased", "cy")]


def test_after_stop_a_stranger_hears_only_help_delete_and_start(factory):
    convo = live(factory)
    name = resident(factory)
    say(convo, factory, name, "STOP")
    for text in ("hi", "1", "yes", "REPEAT"):
        assert say(convo, factory, name, text).messages == []
    assert say(convo, factory, name, "x", kind="photo").messages == []
    assert say(convo, factory, name, "HELP").messages == [phrase("help_stopped", "en")]
    assert say(convo, factory, name, "pomoc").messages == [phrase("help_stopped", "pl")]
    assert say(convo, factory, name, "START").messages == [
        "To take part, text one of these words: BUSES, PARKS"]
    with transaction(factory) as session:
        assert session.query(Contact).filter_by(pseudonym=name).one().opted_out_at is None
    assert say(convo, factory, name, "hi").messages == [NEUTRAL]


def test_after_stop_a_stranger_s_delete_is_done_and_confirmed(factory):
    convo = live(factory)
    name = resident(factory)
    say(convo, factory, name, "STOP")
    result = say(convo, factory, name, "DELETE")
    assert result.erased and result.messages == [phrase("erased", "en")]


def test_a_participant_s_help_after_stop_over_sms(factory):
    convo = live(factory)
    name = resident(factory)
    for text in ("BUSES", "2", "ie", "STOP"):
        say(convo, factory, name, text)
    assert say(convo, factory, name, "HELP").messages == [phrase("help_stopped", "cy")]
    assert say(convo, factory, name, "helo").messages == []
    result = say(convo, factory, name, "DILEU")
    assert result.erased and result.messages == [phrase("erased", "cy")]


def test_no_campaigns(factory):
    convo = service(factory)
    name = resident(factory)
    assert say(convo, factory, name, "hi").messages == [phrase("no_campaigns", "en")]
    assert say(convo, factory, name, "pomoc").messages == [phrase("no_campaigns", "pl")]


def test_an_unsure_guess_of_erase_or_stop_from_a_stranger_changes_nothing(factory):
    """Only the words themselves, or a confident model, may erase a contact or opt them out:
    an imported contact who texts something the model half-takes for DELETE keeps their
    place (their consent to be contacted came from a sign-up sheet)."""
    convo = live(factory)
    name = resident(factory)
    for intent in ("erase", "stop"):
        result = say(convo, factory, name, "please tell me more", intent=intent, confidence=0.4)
        assert not result.erased and result.messages == [NEUTRAL]
    with transaction(factory) as session:
        contact = session.query(Contact).filter_by(pseudonym=name).one()
        assert contact.opted_out_at is None
    assert say(convo, factory, name, "take me off your list", intent="stop",
               confidence=0.95).messages[0] == phrase("opted_out", "en")
