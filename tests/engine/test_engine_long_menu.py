"""A campaign with more than nine languages starts with a short menu: the first languages in
the campaign's order, in one SMS, and "or reply with your language"; every language can
still be chosen by its name in the resident's own words or script."""

from __future__ import annotations

import pytest
from engine_helpers import Chat
from twelve_languages import TWELVE, twelve_language_campaign

from bot.engine import Event, Phase, start
from bot.language import LANGUAGES
from bot.text import sms_segments


@pytest.fixture(scope="module")
def twelve():
    return twelve_language_campaign()


def test_the_first_message_is_one_sms_with_the_first_languages_and_own_words(twelve):
    outcome = start(twelve)
    [message] = outcome.messages
    assert sms_segments(message).segments == 1
    assert message.startswith("Choose your language:\n1 English\n2 Cymraeg\n3 Polski\n")
    assert message.endswith("\nOr reply with your language.")
    assert "Soomaali" not in message and "Українська" not in message
    assert outcome.buttons == [line for line in message.splitlines()[1:-1]]


def test_up_to_nine_languages_every_one_is_listed():
    nine = twelve_language_campaign(TWELVE[:9])
    message = start(nine).messages[0]
    assert message.splitlines()[-1] == f"9 {LANGUAGES['pt'].endonym}"
    assert "Or reply" not in message


def test_the_short_menu_keeps_the_campaign_order():
    order = ("so", "ur", "en", "pl", "cy", "ro", "ar", "pa", "bn", "pt", "es", "uk")
    message = start(twelve_language_campaign(order)).messages[0]
    # Urdu's script makes it a 70-character SMS: two languages fit, not three.
    assert message.splitlines()[1:-1] == ["1 Soomaali", f"2 {LANGUAGES['ur'].endonym}"]
    assert message.splitlines()[0] == LANGUAGES["so"].phrases["choose_language"]
    assert message.splitlines()[-1] == LANGUAGES["so"].phrases["menu_own_words"]
    assert sms_segments(message).segments == 1


@pytest.mark.parametrize("code", TWELVE)
@pytest.mark.parametrize("how", ["endonym", "english", "own_script"])
def test_every_language_can_be_named_even_when_not_listed(twelve, code, how):
    language = LANGUAGES[code]
    reply = {"endonym": language.endonym, "english": language.english_name,
             "own_script": language.names_by_language[code][0]}[how]
    chat = Chat(twelve)
    chat.send(reply)
    assert chat.phase is Phase.AWAITING_CONSENT, reply
    assert chat.state.language == code and chat.state.language_chosen
    assert chat.events == [Event.LANGUAGE_CHANGED]


@pytest.mark.parametrize(("reply", "code"), [
    ("I speak Somali", "so"), ("I can read Somali best", "so"), ("Ukrainian please", "uk"), ("af soomaali fadlan", "so"),
    ("اردو میں", "ur"), ("em português", "pt"), ("en español por favor", "es"),
])
def test_a_language_named_in_a_sentence(twelve, reply, code):
    chat = Chat(twelve)
    chat.send(reply)
    assert chat.state.language == code and chat.phase is Phase.AWAITING_CONSENT, reply


def test_only_the_numbers_the_menu_shows_choose(twelve):
    shown = len(start(twelve).buttons or [])
    assert shown < len(TWELVE)
    chat = Chat(twelve)
    chat.send(str(shown + 1))
    assert chat.phase is Phase.CHOOSING_LANGUAGE
    assert chat.text.endswith("Or reply with your language.")
    chat.send(str(shown))
    assert chat.state.language == TWELVE[shown - 1]
