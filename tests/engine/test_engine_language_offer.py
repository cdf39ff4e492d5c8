"""A resident who chose a language from the menu and then writes a long answer clearly in
another of the campaign's languages is asked once, in that language, whether to go on in it;
short replies never flip the language, and nothing changes unless they say so."""

from __future__ import annotations

import pytest
from engine_helpers import Chat, chat_at
from long_answers import LONG
from twelve_languages import TWELVE, twelve_language_campaign

from bot.engine import Event, Phase
from bot.engine.phrases import phrase
from bot.language import LANGUAGES, requested_language


@pytest.fixture(scope="module")
def twelve():
    return twelve_language_campaign()


def _at_ideas(campaign, chosen: str) -> Chat:
    chat = Chat(campaign)
    chat.send(LANGUAGES[chosen].endonym)
    chat.send("yes")
    chat.send("1")
    assert chat.step == "ideas" and chat.state.language_chosen, chat.text
    return chat


@pytest.mark.parametrize("written", TWELVE)
def test_a_long_answer_in_another_language_is_asked_about_once_in_it(twelve, written):
    chosen = "pl" if written == "en" else "en"
    chat = _at_ideas(twelve, chosen)
    messages = chat.send(LONG[written])
    assert messages[0] == phrase("continue_in_language", written)
    assert chat.state.language == chosen and chat.state.language_offered
    assert Event.LANGUAGE_CHANGED not in chat.events
    assert chat.last.answers[0].raw == LONG[written]
    assert chat.last.answers[0].language == chosen
    assert messages[1] == twelve.thanks[chosen]


@pytest.mark.parametrize("code", TWELVE)
def test_the_reply_each_offer_asks_for_switches_to_that_language(code):
    asked = phrase("continue_in_language", code).rsplit(":", 1)[1].strip()
    assert requested_language(asked) == code, (code, asked)


def test_replying_with_the_name_goes_on_in_it_and_a_second_long_answer_asks_nothing(campaign):
    chat = chat_at(campaign, "travel_mode.why", language="1")
    messages = chat.send(LONG["cy"])
    assert messages[0] == phrase("continue_in_language", "cy")
    assert chat.step == "fare_cost" and chat.state.language == "en"
    chat.send("4")
    chat.send("312")
    assert chat.step == "ideas"
    messages = chat.send(LONG["cy"] + " hefyd")
    assert phrase("continue_in_language", "cy") not in messages
    assert chat.state.language == "en"


def test_naming_the_offered_language_switches(campaign):
    chat = chat_at(campaign, "travel_mode.why", language="1")
    chat.send(LONG["cy"])
    chat.send("Cymraeg")
    assert chat.state.language == "cy" and chat.events == [Event.LANGUAGE_CHANGED]
    assert chat.phase is Phase.IN_STEP and chat.step == "fare_cost"


@pytest.mark.parametrize("reply", ["Dim diolch", "Bysiau amlach plis", "Więcej autobusów",
                                   "Mai multe autobuze", "حافلات أكثر"])
def test_short_replies_never_ask_or_flip(twelve, reply):
    chat = _at_ideas(twelve, "en")
    messages = chat.send(reply)
    assert not chat.state.language_offered and chat.state.language == "en"
    assert messages == [twelve.thanks["en"]]


def test_a_language_never_chosen_still_follows_their_words_without_asking(twelve):
    chat = Chat(twelve)
    chat.send("yes")  # a yes at the menu is not a choice
    chat.send("yes")
    chat.send("1")
    messages = chat.send(LONG["pl"])
    assert chat.state.language == "pl" and chat.events[0] is Event.LANGUAGE_CHANGED
    assert phrase("continue_in_language", "pl") not in messages
