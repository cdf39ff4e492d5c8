"""Buttons for the last message: what the resident is asked now, in their language, each
label one the engine reads back as the right answer when it is tapped."""

from __future__ import annotations

import dataclasses

import pytest
from engine_helpers import TALLIES, Chat, chat_at

from bot.campaigns.model import Campaign
from bot.engine import Event, Phase, Reply, handle, resume, start
from bot.engine.buttons import buttons_for, tapped
from bot.text import fold

ANSWERED = ["menu", "consent", "intro", "travel_mode", "fare_cost", "others_mode",
            "travel_mode_again"]
NO_BUTTONS = ["travel_mode.why", "priorities", "ideas", "completed"]
MODES = ["bus", "walk", "car"]


def at(campaign: Campaign, point: str, language: str = "1") -> Chat:
    if point == "declined":
        chat = chat_at(campaign, "consent", language)
        chat.send("no")
        return chat
    if point in ("erased", "opted_out"):
        chat = chat_at(campaign, "travel_mode", language)
        chat.send("DELETE" if point == "erased" else "STOP")
        return chat
    return chat_at(campaign, point, language)


def with_scale(campaign: Campaign, low: int, high: int, labels: dict | None = None) -> Campaign:
    data = campaign.to_dict()
    step = next(s for s in data["steps"] if s["id"] == "fare_cost")
    step["min"], step["max"] = low, high
    step["labels"] = labels or {}
    return Campaign.from_dict(data)


# -- what is shown -----------------------------------------------------------------------

def test_the_buttons_at_every_point_in_english(campaign):
    expected = {
        "menu": ["1 English", "2 Cymraeg", "3 Polski"],
        "consent": ["Yes", "No"],
        "intro": ["OK", "More"],
        "travel_mode": ["1 Bus", "2 Walk", "3 Car"],
        "fare_cost": ["1 Strongly disagree", "2", "3", "4", "5 Strongly agree"],
        "others_mode": ["1 Yes", "2 No"],
        "travel_mode_again": ["1 Bus", "2 Walk", "3 Car"],
    }
    for point, buttons in expected.items():
        assert at(campaign, point).buttons == buttons, point


@pytest.mark.parametrize("point", [*NO_BUTTONS, "declined", "erased", "opted_out"])
def test_nothing_to_tap_for_words_rank_and_the_end(campaign, point):
    assert at(campaign, point).buttons is None


def test_the_buttons_in_welsh_and_polish(campaign):
    welsh = {
        "consent": ["Ie", "Na"],
        "intro": ["Iawn", "Mwy"],
        "travel_mode": ["1 Bws", "2 Cerdded", "3 Car"],
        "fare_cost": ["1 Anghytuno'n gryf", "2", "3", "4", "5 Cytuno'n gryf"],
        "others_mode": ["1 Ydy", "2 Nac ydy"],
    }
    for point, buttons in welsh.items():
        assert at(campaign, point, "2").buttons == buttons, point
    polish = {
        "consent": ["Tak", "Nie"],
        "intro": ["OK", "Więcej"],
        "travel_mode_again": ["1 Autobus", "2 Pieszo", "3 Samochód"],
        "others_mode": ["1 Tak", "2 Nie"],
    }
    for point, buttons in polish.items():
        assert at(campaign, point, "3").buttons == buttons, point


def test_the_menu_shows_each_language_in_its_own_name(five):
    assert start(five).buttons == ["1 English", "2 Cymraeg", "3 Polski", "4 العربية", "5 Română"]


@pytest.mark.parametrize(("number", "yes", "no"), [
    ("1", "Yes", "No"), ("2", "Ie", "Na"), ("3", "Tak", "Nie"), ("4", "نعم", "لا"),
    ("5", "Da", "Nu"),
])
def test_consent_buttons_are_the_yes_and_no_words_of_the_language(five, number, yes, no):
    chat = Chat(five)
    chat.send(number)
    assert chat.buttons == [yes, no]
    words = fold(chat.text).split()
    assert fold(yes) in words and fold(no) in words  # the words the message asks for


def test_after_more_only_ok_is_left(campaign):
    chat = at(campaign, "intro")
    chat.send("More")
    assert chat.state.detail_shown and chat.buttons == ["OK"]
    data = campaign.to_dict()
    del data["steps"][0]["more"]
    assert at(Campaign.from_dict(data), "intro").buttons == ["OK"]


def test_a_single_language_campaign_starts_with_consent_buttons(english_only):
    assert start(english_only).buttons == ["Yes", "No"]


def test_a_scale_of_up_to_ten_points_gets_a_button_for_each(campaign):
    ten = with_scale(campaign, 1, 10, {10: {"en": "Very", "cy": "Iawn", "pl": "Bardzo"}})
    assert at(ten, "fare_cost").buttons == [*map(str, range(1, 10)), "10 Very"]
    assert at(with_scale(campaign, 0, 10), "fare_cost").buttons is None  # eleven points
    zero = with_scale(campaign, 0, 3, {0: {"en": "Never", "cy": "Byth", "pl": "Nigdy"}})
    assert at(zero, "fare_cost").buttons == ["0 Never", "1", "2", "3"]


def test_buttons_follow_the_prompt_that_is_shown_again(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("HELP")
    assert chat.buttons == ["1 Bus", "2 Walk", "3 Car"]
    chat.send("something else entirely")
    assert chat.state.misunderstood == 1 and chat.buttons == ["1 Bus", "2 Walk", "3 Car"]
    chat.send("Cymraeg")
    assert chat.buttons == ["1 Bws", "2 Cerdded", "3 Car"]
    chat = at(campaign, "menu")
    chat.send("what?")
    assert chat.buttons == ["1 English", "2 Cymraeg", "3 Polski"]
    chat = at(campaign, "consent")
    chat.send("SKIP")
    assert chat.buttons == ["Yes", "No"]


def test_resume_has_the_buttons_of_where_they_were(campaign):
    chat = at(campaign, "fare_cost")
    assert resume(campaign, chat.state).buttons == chat.buttons


def test_no_buttons_when_the_last_message_asks_which_language(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("another language", intent="change_language", confidence=0.95)
    assert chat.text.startswith("Which language?") and chat.buttons is None


def test_no_buttons_when_nothing_is_sent(campaign):
    chat = at(campaign, "opted_out")
    assert chat.send("hello") == [] and chat.buttons is None


# -- tapping them ------------------------------------------------------------------------

def expect(chat: Chat, point: str, index: int, campaign: Campaign) -> None:
    """What tapping button `index` at `point` must have done."""
    state = chat.state
    if point == "menu":
        assert state.language == campaign.languages[index] and state.language_chosen
        assert state.phase is Phase.AWAITING_CONSENT
    elif point == "consent":
        assert chat.events == [Event.CONSENT_GIVEN if index == 0 else Event.CONSENT_DECLINED]
    elif point == "intro":
        assert (state.step_id, state.detail_shown) == (
            ("travel_mode", False) if index == 0 else ("intro", True))
    elif point in ("travel_mode", "travel_mode_again"):
        assert state.answers[point] == MODES[index]
    elif point == "fare_cost":
        assert state.answers[point] == index + 1
    elif point == "others_mode":
        assert state.answers[point] == ("yes", "no")[index]
    else:
        raise AssertionError(point)


@pytest.mark.parametrize("language", ["1", "2", "3"])
@pytest.mark.parametrize("point", ANSWERED)
def test_every_button_tapped_is_read_as_its_answer(campaign, point, language):
    labels = at(campaign, point, language).buttons
    assert labels
    for index, label in enumerate(labels):
        chat = at(campaign, point, language)
        chat.send(label)
        assert chat.state.misunderstood == 0, (point, label, chat.text)
        expect(chat, point, index, campaign)
        for answer in chat.last.answers:
            assert answer.raw == label  # what they sent is stored, not what it stands for


@pytest.mark.parametrize("number", ["1", "2", "3", "4", "5"])
def test_every_button_in_five_languages(five, number):
    chat = Chat(five)
    label = start(five).buttons[int(number) - 1]
    chat.send(label)
    assert chat.state.language == five.languages[int(number) - 1]
    yes = chat.buttons[0]
    declining = Chat(five)
    declining.send(label)
    declining.send(declining.buttons[1])
    assert declining.events == [Event.CONSENT_DECLINED]
    chat.send(yes)
    assert chat.events == [Event.CONSENT_GIVEN] and chat.step == "travel"
    second = chat.buttons[1]
    chat.send(second)
    assert chat.state.answers["travel"] == "walk" and chat.answers[-1].raw == second
    assert chat.buttons is None  # a text question


def test_a_tapped_scale_button_of_a_long_scale(campaign):
    ten = with_scale(campaign, 1, 10, {10: {"en": "Very", "cy": "Iawn", "pl": "Bardzo"}})
    for label, value in (("10 Very", 10), ("1", 1), ("7", 7)):
        chat = at(ten, "fare_cost")
        chat.send(label)
        assert chat.state.answers["fare_cost"] == value
    zero = with_scale(campaign, 0, 3, {0: {"en": "Never", "cy": "Byth", "pl": "Nigdy"}})
    chat = at(zero, "fare_cost")
    chat.send("0 Never")
    assert chat.state.answers["fare_cost"] == 0


def test_a_button_beats_a_confident_wrong_guess_from_the_model(campaign):
    chat = at(campaign, "travel_mode")
    chat.send("2 Walk", intent="deny", confidence=0.99)
    assert chat.state.answers["travel_mode"] == "walk"
    chat = at(campaign, "others_mode")
    chat.send("2 No", intent="affirm", confidence=0.99)
    assert chat.state.answers["others_mode"] == "no"


def test_a_label_cut_short_by_the_channel_still_counts(campaign):
    chat = at(campaign, "fare_cost")
    chat.send("5 Strongly agr…")
    assert chat.state.answers["fare_cost"] == 5
    chat = at(campaign, "fare_cost")
    chat.send("1 strongly DISAGREE")
    assert chat.state.answers["fare_cost"] == 1


def test_an_option_whose_words_are_a_command_is_still_an_option(campaign):
    data = campaign.to_dict()
    data["steps"][1]["options"][1]["text"] = {"en": "Stop", "cy": "Stopio", "pl": "Koniec"}
    odd = Campaign.from_dict(data)
    chat = at(odd, "travel_mode")
    assert chat.buttons == ["1 Bus", "2 Stop", "3 Car"]
    chat.send("2 Stop")
    assert chat.phase is Phase.AWAITING_WHY and chat.state.answers["travel_mode"] == "walk"


def test_tapped_reads_only_the_buttons_given(campaign):
    buttons = buttons_for(campaign, at(campaign, "travel_mode").state, TALLIES)
    assert [b.label for b in buttons] == ["1 Bus", "2 Walk", "3 Car"]
    assert tapped(buttons, "3 Car") == "3"
    assert tapped(buttons, " 3  car! ") == "3"
    assert tapped(buttons, "3 Bus") is None
    assert tapped(buttons, "") is None and tapped(buttons, "Car") is None
    assert tapped([], "1 Bus") is None


def test_the_outcome_state_is_unchanged_by_buttons(campaign):
    outcome = handle(campaign, at(campaign, "travel_mode").state, Reply("1 Bus"))
    assert "buttons" not in outcome.state.to_dict()
    assert dataclasses.fields(outcome)[-1].name == "buttons"
