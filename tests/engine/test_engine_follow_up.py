"""At the end of a campaign with `follow_up: true` the resident is asked one more question,
apart from consent, in a message of its own, with numbered options, in their language: may
we text you later about what happened? Without `follow_up`, the end is as before."""

from __future__ import annotations

import pytest
import yaml
from engine_helpers import FIVE_LANGUAGES, Chat

from bot.campaigns.model import Campaign
from bot.engine import Event, Phase
from bot.engine.phrases import phrase
from bot.text import sms_segments

LANGUAGES = ["en", "cy", "pl", "ar", "ro"]


def campaign(follow_up: bool = True) -> Campaign:
    data = yaml.safe_load(FIVE_LANGUAGES)
    if follow_up:
        data["follow_up"] = True
    return Campaign.from_dict(data)


def finished(language_number: str = "1", follow_up: bool = True) -> Chat:
    chat = Chat(campaign(follow_up))
    for text in (language_number, "yes", "1", "More buses please"):
        chat.send(text)
    return chat


@pytest.mark.parametrize("number, code", list(zip("12345", LANGUAGES, strict=True)))
def test_the_question_comes_after_the_thanks_in_the_residents_language(number, code):
    chat = finished(number)
    thanks, question = chat.last.messages
    assert thanks == campaign().thanks[code]
    assert question.startswith(phrase("follow_up_question", code))
    assert question.endswith(f"1 {phrase('yes', code)}\n2 {phrase('no', code)}")
    assert sms_segments(question).segments == 1
    assert chat.buttons == [f"1 {phrase('yes', code)}", f"2 {phrase('no', code)}"]
    assert chat.phase is Phase.AWAITING_FOLLOW_UP
    assert Event.COMPLETED in chat.events  # the answers are finished: they count as such
    assert chat.state.status == "completed" and chat.state.consent == "given"


@pytest.mark.parametrize("reply, yes", [("1", True), ("yes", True), ("2", False),
                                        ("no", False), ("SKIP", False), ("1 Yes", True)])
def test_the_answer_is_an_event_and_ends_the_conversation(reply, yes):
    chat = finished()
    said = chat.send(reply)
    assert chat.events == [Event.FOLLOW_UP_YES if yes else Event.FOLLOW_UP_NO]
    assert said == [phrase("follow_up_yes" if yes else "follow_up_no", "en")]
    assert chat.phase is Phase.COMPLETED and chat.answers[-1].step_id == "ideas"
    assert chat.send("hello") == [phrase("finished", "en")]  # asked once only


def test_a_reply_that_is_neither_is_asked_again_and_stop_still_stops():
    chat = finished("2")
    said = chat.send("maybe later")
    assert said[0].startswith(phrase("sorry", "cy"))
    assert phrase("follow_up_question", "cy") in said[0]
    assert chat.phase is Phase.AWAITING_FOLLOW_UP and chat.events == []
    chat.send("STOP")
    assert chat.phase is Phase.OPTED_OUT and Event.OPTED_OUT in chat.events


def test_without_follow_up_the_end_is_the_thanks_alone():
    chat = finished(follow_up=False)
    assert chat.last.messages == ["Thanks."] and chat.phase is Phase.COMPLETED
