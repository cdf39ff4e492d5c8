"""Another live campaign's keyword part-way through: an answer to the question the resident is
on always wins; anything else is asked about once, in their language, before switching (the
offer waits in the state); before consent and after the end it switches at once."""

from __future__ import annotations

import dataclasses

import pytest
from engine_helpers import Chat, chat_at
from twelve_languages import TWELVE, twelve_language_campaign

from bot.engine import Event, Phase, Reply, handle, keyword_elsewhere, phrase
from bot.engine.parsing import parse_yes_no
from bot.language import LANGUAGES
from bot.text import normalise_for_sms, sms_segments

ASKED = "PARKS is a different survey.\n1 Start PARKS\n2 Carry on with this one"
TRAVEL_MODE = "How do you usually get to your GP?\n1 Bus\n2 Walk\n3 Car"


def keyword(chat: Chat, text: str, keyword: str | None = None) -> list[str]:
    """The resident texts another campaign's keyword (the caller found it is one)."""
    before = chat.state.to_dict()
    chat.last = keyword_elsewhere(chat.campaign, chat.state, Reply(text),
                                  keyword or text.upper(), chat.context)
    assert chat.state.to_dict() == before, "the engine changed its input state"
    chat.state = chat.last.state
    chat.answers += chat.last.answers
    return chat.last.messages


def asked(campaign, where: str = "travel_mode", language: str = "1") -> Chat:
    chat = chat_at(campaign, where, language=language)
    keyword(chat, "PARKS")
    return chat


def test_part_way_the_keyword_is_asked_about_once_and_changes_nothing_else(campaign):
    chat = chat_at(campaign, "travel_mode")
    before = chat.state
    assert keyword(chat, "PARKS") == [ASKED]
    assert chat.events == [Event.SWITCH_OFFERED] and chat.last.answers == []
    assert chat.buttons == ["1 Start PARKS", "2 Carry on with this one"]
    assert chat.state.switch_offered == "PARKS"
    assert dataclasses.replace(chat.state, switch_offered=None) == before


def test_a_keyword_that_answers_the_question_is_the_answer(campaign):
    chat = chat_at(campaign, "travel_mode")
    messages = keyword(chat, "BUS")  # BUS is also another campaign's keyword
    assert chat.last.answers[0].value == "bus" and chat.phase is Phase.AWAITING_WHY
    assert Event.SWITCH_OFFERED not in chat.events and Event.SWITCHED not in chat.events
    assert chat.state.switch_offered is None and messages[0].startswith("Why is that?")


def test_an_answer_wins_over_an_offer_already_made(campaign):
    chat = asked(campaign)
    keyword(chat, "walk")
    assert chat.last.answers[0].value == "walk" and chat.state.switch_offered is None
    assert Event.SWITCHED not in chat.events


@pytest.mark.parametrize(("reply", "intent"), [
    ("1", None), ("yes", None), ("PARKS", None), ("parks", None), ("1 Start PARKS", None),
    ("Start PARKS", None), ("START", None), ("1️⃣", None), ("go on then", "affirm"),
])
def test_replies_that_start_the_other_campaign(campaign, reply, intent):
    chat = asked(campaign)
    before = dataclasses.replace(chat.state, switch_offered=None)
    assert chat.send(reply, intent, 0.95 if intent else 0.0) == []
    assert chat.events == [Event.SWITCHED] and chat.last.answers == []
    assert chat.state == before  # kept as it was, for when they come back


def test_the_keyword_again_starts_it(campaign):
    chat = asked(campaign)
    assert keyword(chat, "parks", "PARKS") == []
    assert chat.events == [Event.SWITCHED] and chat.state.switch_offered is None


@pytest.mark.parametrize(("reply", "intent"), [
    ("2", None), ("no", None), ("SKIP", None), ("2 Carry on with this one", None),
    ("carry on with this one", None), ("nah", "deny"),
])
def test_replies_that_carry_on_ask_this_campaign_s_question_again(campaign, reply, intent):
    chat = asked(campaign)
    assert chat.send(reply, intent, 0.95 if intent else 0.0) == [TRAVEL_MODE]
    assert chat.events == [] and chat.last.answers == []
    assert chat.state.switch_offered is None and chat.step == "travel_mode"
    assert chat.buttons == ["1 Bus", "2 Walk", "3 Car"]
    chat.send("2")  # and now 2 is Walk again
    assert chat.answers[-1].value == "walk"


def test_an_answer_to_this_campaign_s_question_carries_on_with_it(campaign):
    chat = asked(campaign)
    messages = chat.send("Car")
    assert chat.answers[-1].value == "car" and chat.state.switch_offered is None
    assert messages[0].startswith("Why is that?") and Event.SWITCHED not in chat.events


def test_anything_else_drops_the_offer_and_is_read_as_usual(campaign):
    chat = asked(campaign)
    messages = chat.send("banana")
    assert chat.state.switch_offered is None and chat.state.misunderstood == 1
    assert ASKED not in messages and "1 Bus" in "\n".join(messages)


def test_stop_and_delete_still_work_while_asked(campaign):
    chat = asked(campaign)
    chat.send("STOP")
    assert chat.phase is Phase.OPTED_OUT and chat.events == [Event.OPTED_OUT]
    assert chat.state.switch_offered is None
    chat = asked(campaign)
    chat.send("DELETE")
    assert chat.events == [Event.ERASE_REQUESTED] and chat.state.switch_offered is None
    chat = asked(campaign)
    chat.send("please stop texting me", "stop", 0.95)
    assert chat.phase is Phase.OPTED_OUT


def test_help_and_repeat_show_the_question_again_and_keep_the_offer(campaign):
    chat = asked(campaign)
    messages = chat.send("HELP")
    assert messages[0].startswith("This is Getting to appointments") and messages[1] == ASKED
    assert chat.state.switch_offered == "PARKS"
    assert chat.buttons == ["1 Start PARKS", "2 Carry on with this one"]
    assert chat.send("REPEAT") == [ASKED] and chat.state.switch_offered == "PARKS"
    assert chat.send("1") == [] and chat.events == [Event.SWITCHED]


def test_a_photo_while_asked_asks_again(campaign):
    chat = asked(campaign)
    messages = chat.send("", kind="photo")
    assert messages[0].endswith(ASKED) and chat.state.switch_offered == "PARKS"


def test_a_second_campaign_s_keyword_is_asked_about_instead(campaign):
    chat = asked(campaign)
    assert keyword(chat, "YOUTH")[0].startswith("YOUTH is a different survey.")
    assert chat.state.switch_offered == "YOUTH"
    assert chat.send("YOUTH") == [] and chat.events == [Event.SWITCHED]


@pytest.mark.parametrize("where", ["travel_mode.why", "ideas"])
def test_at_an_open_question_the_keyword_is_asked_about_not_taken_as_words(campaign, where):
    chat = chat_at(campaign, where)
    assert keyword(chat, "PARKS") == [ASKED] and chat.last.answers == []
    chat.send("It is near my house")  # words: an answer here, carrying on
    assert chat.answers[-1].raw == "It is near my house" and chat.state.switch_offered is None


def test_this_campaign_s_own_keyword_while_asked_carries_on(campaign):
    from bot.engine import resume

    chat = asked(campaign)
    outcome = resume(campaign, chat.state)
    assert outcome.messages == ["You are already taking part.\n" + TRAVEL_MODE]
    assert outcome.state.switch_offered is None


@pytest.mark.parametrize("where", ["menu", "consent", "completed"])
def test_before_consent_and_after_the_end_it_switches_at_once(campaign, where):
    chat = chat_at(campaign, where)
    assert keyword(chat, "PARKS") == []
    assert chat.events == [Event.SWITCHED] and chat.state.switch_offered is None


def test_in_welsh_the_question_is_welsh(campaign):
    chat = asked(campaign, language="2")
    assert chat.text == ("Mae PARKS yn arolwg gwahanol.\n1 Dechrau PARKS\n"
                         "2 Parhau gyda'r arolwg hwn")
    assert chat.send("ie") == [] and chat.events == [Event.SWITCHED]


@pytest.fixture(scope="module")
def twelve():
    return twelve_language_campaign()


def _asked_in(campaign, code: str) -> Chat:
    chat = Chat(campaign)
    chat.send(LANGUAGES[code].endonym)
    chat.send(phrase("consent_yes", code))
    assert chat.step == "travel", chat.text
    keyword(chat, "PARKS")
    return chat


@pytest.mark.parametrize("code", TWELVE)
def test_every_language_asks_in_its_own_words_and_reads_1_and_2(twelve, code):
    chat = _asked_in(twelve, code)
    [message] = chat.last.messages
    assert message.startswith(normalise_for_sms(phrase("switch_question", code,
                                                       keyword="PARKS")))
    assert sms_segments(message).segments == 1, message
    if code != "en":
        assert message != ASKED
    assert chat.buttons == [f"1 {phrase('switch_start', code, keyword='PARKS')}",
                            f"2 {phrase('switch_stay', code)}"]
    assert chat.send("1") == [] and chat.events == [Event.SWITCHED]
    chat = _asked_in(twelve, code)
    [again] = chat.send("2")
    assert chat.step == "travel" and chat.state.switch_offered is None
    assert again.startswith(twelve.step("travel").text[code])


@pytest.mark.parametrize("code", TWELVE)
def test_every_language_s_buttons_and_yes_and_no_words_are_read(twelve, code):
    for label in _asked_in(twelve, code).buttons:
        chat = _asked_in(twelve, code)
        chat.send(label)
        assert (chat.events == [Event.SWITCHED]) is label.startswith("1 "), (code, label)
    for word, switched in ((phrase("yes", code), True), (phrase("no", code), False)):
        assert parse_yes_no(word) is switched
        chat = _asked_in(twelve, code)
        chat.send(word)
        assert (Event.SWITCHED in chat.events) is switched, (code, word)
        assert chat.last.answers == []


def test_handle_never_raises_and_keeps_the_offer_json_safe(campaign):
    import json

    chat = asked(campaign)
    data = json.loads(json.dumps(chat.state.to_dict()))
    assert data["switch_offered"] == "PARKS"
    outcome = handle(campaign, type(chat.state).from_dict(data), Reply("1"))
    assert outcome.events == [Event.SWITCHED]


def test_a_reminder_asks_this_campaign_s_question_and_lets_the_offer_go(campaign):
    from bot.engine import remind

    chat = asked(campaign)
    outcome = remind(campaign, chat.state)
    assert outcome.messages == [phrase("reminder", "en") + "\n" + TRAVEL_MODE]
    assert outcome.state.switch_offered is None
    assert outcome.buttons == ["1 Bus", "2 Walk", "3 Car"]
