"""START (the SMS carrier keyword) and its equivalents: after STOP, a fresh start that asks for
consent again; anywhere else, the same as texting the campaign's keyword again."""

from __future__ import annotations

import pytest
from engine_helpers import Chat, chat_at

from bot.engine import Event, Phase, is_resubscribe, keyword_command, resubscribe, resume, start

WORDS = ["START", "start", "Start!", " start ", "UNSTOP", "unstop", "RESUBSCRIBE", "DECHRAU",
         "Dechrau", "ailddechrau", "WZNÓW", "wznow", "ابدأ", "ابدا", "إبدأ", "PORNIRE",
         "pornește", "abonare"]


def stopped(campaign, point: str = "travel_mode") -> Chat:
    chat = chat_at(campaign, point)
    chat.send("STOP")
    assert chat.phase is Phase.OPTED_OUT
    return chat


@pytest.mark.parametrize("word", WORDS)
def test_resubscribe_words_in_every_language(word):
    assert is_resubscribe(word) and keyword_command(word) is None


@pytest.mark.parametrize("text", ["start the buses earlier", "STARTS", "restart?", "STOP", "yes",
                                  "", "1"])
def test_resubscribe_must_be_the_whole_message(text):
    assert not is_resubscribe(text)


@pytest.mark.parametrize("word", ["START", "UNSTOP", "DECHRAU", "ابدأ", "pornire"])
@pytest.mark.parametrize("point", ["menu", "consent", "intro", "fare_cost", "ideas",
                                   "completed"])
def test_start_after_stop_starts_afresh(campaign, point, word):
    chat = stopped(campaign, point)
    fresh = start(campaign)
    assert chat.send(word) == fresh.messages
    assert chat.events == [Event.RESUBSCRIBED]
    assert chat.state.to_dict() == fresh.state.to_dict()  # nothing carried over
    assert chat.state.answers == {} and chat.state.consent == "none"
    assert chat.buttons == ["1 English", "2 Cymraeg", "3 Polski"]
    assert chat.last.answers == []


def test_after_start_consent_is_asked_again(campaign):
    chat = stopped(campaign, "fare_cost")
    chat.send("START")
    chat.send("2")
    assert chat.phase is Phase.AWAITING_CONSENT and chat.state.language == "cy"
    assert chat.buttons == ["Ie", "Na"]
    chat.send("Ie")
    assert chat.events == [Event.CONSENT_GIVEN] and chat.step == "intro"
    chat.send("OK")
    chat.send("3 Car")
    assert chat.state.answers == {"travel_mode": "car"}


def test_a_single_language_campaign_goes_straight_to_consent(english_only):
    chat = stopped(english_only)
    assert chat.send("START") == start(english_only).messages
    assert chat.phase is Phase.AWAITING_CONSENT and chat.buttons == ["Yes", "No"]


def test_start_after_stop_and_delete(campaign):
    chat = stopped(campaign)
    chat.send("DELETE")
    assert chat.events == [Event.ERASE_REQUESTED]
    chat.send("START")
    assert chat.events == [Event.RESUBSCRIBED] and chat.phase is Phase.CHOOSING_LANGUAGE


def test_only_the_word_restarts_after_stop_never_the_model(campaign):
    chat = stopped(campaign)
    assert chat.send("let's go again", intent="start", confidence=0.99) == []
    assert chat.send("yes please") == [] and chat.phase is Phase.OPTED_OUT


@pytest.mark.parametrize("point", ["menu", "consent", "intro", "travel_mode", "travel_mode.why",
                                   "fare_cost", "priorities", "ideas", "others_mode",
                                   "travel_mode_again", "completed"])
def test_start_while_taking_part_is_like_the_keyword_again(campaign, point):
    chat = chat_at(campaign, point)
    before = chat.state
    expected = resume(campaign, before, chat.context)
    chat.send("START")
    assert chat.last.messages == expected.messages and chat.buttons == expected.buttons
    assert chat.state.to_dict() == expected.state.to_dict()
    assert chat.events == [] and chat.last.answers == []
    if point != "completed":
        assert chat.text.startswith("You are already taking part.\n")


def test_start_after_declining_starts_again_like_the_keyword(campaign):
    chat = chat_at(campaign, "consent")
    chat.send("no")
    chat.send("START")
    assert chat.events == [] and chat.phase is Phase.CHOOSING_LANGUAGE


def test_resubscribe_is_pure(campaign):
    chat = stopped(campaign)
    before = chat.state.to_dict()
    outcome = resubscribe(campaign, chat.state)
    assert chat.state.to_dict() == before
    assert outcome.events == [Event.RESUBSCRIBED] and outcome.state.phase is Phase.CHOOSING_LANGUAGE
