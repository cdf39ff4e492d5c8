"""Invitations and reminders: the bot writes first, in the resident's language when known,
says who is asking, and a reminder repeats the question without changing anything."""

from __future__ import annotations

import pytest
from engine_helpers import Chat, chat_at

from bot.engine import Event, ParticipantState, Phase, handle, phrase, remind, start
from bot.engine.outcome import Reply
from bot.text import sms_segments


@pytest.mark.parametrize("language", ["en", "cy", "pl", "ar", "ro"])
def test_a_known_language_skips_the_menu_and_asks_consent_in_it(five, language):
    outcome = start(five, language)
    assert outcome.state.phase is Phase.AWAITING_CONSENT
    assert outcome.state.language == language and outcome.state.language_chosen
    assert len(outcome.messages) == 1
    assert outcome.messages[0] == f"{five.consent_text[language]}\n" \
                                  f"{phrase('consent_prompt', language)}"
    assert outcome.buttons == [phrase("consent_yes", language), phrase("consent_no", language)]


@pytest.mark.parametrize("language", [None, "fr", ""])
def test_an_unknown_language_gets_the_menu_as_before(five, language):
    assert start(five, language) == start(five)
    assert start(five, language).state.phase is Phase.CHOOSING_LANGUAGE


def test_a_single_language_campaign_asks_consent_whatever_the_language(english_only):
    assert start(english_only, "cy").state.language == "en"
    assert start(english_only, "cy").state.phase is Phase.AWAITING_CONSENT


def test_an_invitation_with_the_menu_says_who_is_asking_in_the_same_message(campaign):
    outcome = start(campaign, invited=True)
    assert outcome.state.phase is Phase.CHOOSING_LANGUAGE
    assert outcome.messages == [
        "Test Council would like to hear from local people about: Getting to appointments.\n"
        "Choose your language:\n1 English\n2 Cymraeg\n3 Polski"]
    assert sms_segments(outcome.messages[0]).segments == 1


def test_an_invitation_whose_consent_names_the_organisation_adds_nothing(campaign):
    assert "Test Council" in campaign.consent_text["en"]
    assert start(campaign, "en", invited=True).messages == start(campaign, "en").messages


def test_an_invitation_whose_consent_does_not_name_the_organisation_says_who(five):
    message = start(five, "cy", invited=True).messages[0]
    assert message.startswith("Hoffai Cyngor Prawf glywed gan bobl leol am: Bysiau.\n")
    assert message.endswith(phrase("consent_prompt", "cy"))


def test_the_resident_answers_an_invitation_like_any_first_message(five):
    outcome = start(five, "pl", invited=True)
    after = handle(five, outcome.state, Reply("tak"))
    assert after.state.phase is Phase.IN_STEP and Event.CONSENT_GIVEN in after.events
    assert after.messages[0].startswith("Jak podróżujesz?")


def test_menu_invitation_then_a_choice(five):
    chat = Chat(five)
    chat.last = start(five, invited=True)
    chat.state = chat.last.state
    chat.send("2")
    assert chat.state.language == "cy" and chat.phase is Phase.AWAITING_CONSENT


def test_a_reminder_repeats_the_question_and_changes_nothing(campaign):
    chat = chat_at(campaign, "fare_cost", language="2")
    before = chat.state.to_dict()
    outcome = remind(campaign, chat.state)
    assert chat.state.to_dict() == before
    assert outcome.state.to_dict() == {**before, "misunderstood": 0}
    assert outcome.messages[0].startswith(phrase("reminder", "cy") + "\n")
    assert campaign.step("fare_cost").text["cy"] in outcome.messages[0]
    assert outcome.events == [] and outcome.answers == []


def test_a_reminder_to_someone_asked_why_repeats_the_why(campaign):
    chat = chat_at(campaign, "travel_mode.why")
    outcome = remind(campaign, chat.state)
    assert outcome.messages == [f"{phrase('reminder', 'en')}\n"
                                f"{campaign.step('travel_mode').why['en']}"]


def test_a_reminder_keeps_the_buttons_of_the_question(campaign):
    chat = chat_at(campaign, "travel_mode")
    assert remind(campaign, chat.state).buttons == chat.buttons


@pytest.mark.parametrize("phase", [Phase.CHOOSING_LANGUAGE, Phase.AWAITING_CONSENT,
                                   Phase.COMPLETED, Phase.DECLINED, Phase.OPTED_OUT,
                                   Phase.ERASED])
def test_no_reminder_for_anyone_not_part_way(campaign, phase):
    state = ParticipantState(phase=phase, language="en")
    outcome = remind(campaign, state)
    assert outcome.messages == [] and outcome.buttons is None


@pytest.mark.parametrize("language", ["en", "cy", "pl", "ar", "ro"])
def test_the_reminder_says_how_to_stop(language):
    assert ("توقف" if language == "ar" else "STOP") in phrase("reminder", language)
