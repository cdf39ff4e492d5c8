"""Nothing a resident can send makes the engine raise; junk gets a re-ask, never a dead end."""

from __future__ import annotations

import pytest
from engine_helpers import chat_at

from bot.engine import Context, ParticipantState, Phase, Reply, handle, resume, start

POINTS = ["menu", "consent", "intro", "travel_mode", "travel_mode.why", "fare_cost",
          "priorities", "ideas", "others_mode", "travel_mode_again", "completed"]
JUNK = ["", " ", "\n\t ", "😀", "🦄🦄🦄", "x" * 5000, "\x00\x01\x02", "\u202eevil", "\ufeff",
        "مرحبا كيف الحال", "שלום", "\u200f\u200e", "🏳️‍🌈", "%s %d {0} {title}", "<script>",
        "NaN", "None", "null", "\\", "🔟🔟", "9" * 5000, "\ud800", "\udfff\ud800", "1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣9️⃣"]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("text", JUNK, ids=range(len(JUNK)))
def test_junk_never_raises_and_always_gets_a_reply(campaign, point, text):
    chat = chat_at(campaign, point)
    for intent, confidence in ((None, 0.0), ("nlu_fallback", 0.3), ("inform", 0.9)):
        messages = chat.send(text, intent=intent, confidence=confidence)
        assert messages and all(m.strip() for m in messages)
        assert all(isinstance(m, str) and "{" not in m for m in messages)  # never echoes input
    assert chat.phase is not Phase.OPTED_OUT


@pytest.mark.parametrize("text", ["", " ", "😀", "\x00", "\u202e", "🦄🦄"])
@pytest.mark.parametrize("point", ["travel_mode", "fare_cost", "priorities", "others_mode",
                                   "travel_mode_again", "ideas", "travel_mode.why"])
def test_empty_or_symbol_only_replies_are_reasked_not_recorded(campaign, point, text):
    chat = chat_at(campaign, point)
    chat.send(text)
    assert chat.last.answers == []
    assert chat.state.misunderstood == 1


def test_very_long_free_text_is_cut_and_taken(campaign):
    chat = chat_at(campaign, "ideas")
    chat.send("More buses. " * 500)
    value = chat.state.answers["ideas"]
    assert len(value) == 1000 and value.startswith("More buses.")
    assert len(chat.last.answers[0].raw) == 1000
    assert chat.step == "others_mode"


def test_control_characters_are_removed_from_answers(campaign):
    chat = chat_at(campaign, "ideas")
    chat.send("Late\x00 buses\x07\r\nevery day")
    assert chat.state.answers["ideas"] == "Late buses\nevery day"


def test_rtl_free_text_is_kept_as_written(campaign):
    chat = chat_at(campaign, "ideas")
    chat.send("\u200fالحافلات متأخرة دائما")
    assert chat.state.answers["ideas"] == "\u200fالحافلات متأخرة دائما"


@pytest.mark.parametrize("intent", ["affirm", "deny", "stop", "help", "skip", "repeat", "more",
                                    "erase", "change_language", "greet", "start", "inform",
                                    "nlu_fallback", "made_up", None])
@pytest.mark.parametrize("point", POINTS)
def test_every_intent_at_every_phase_is_handled(campaign, point, intent):
    chat = chat_at(campaign, point)
    messages = chat.send("something", intent=intent, confidence=0.95)
    assert messages


def test_reflect_with_strange_tallies(campaign):
    odd = Context(tallies={"travel_mode": {"bus": -5, "walk": 0}}, min_count_to_show=0)
    chat = chat_at(campaign, "ideas", context=odd)
    chat.send("an idea")
    assert chat.step == "travel_mode_again" and "%" not in chat.text


def test_a_state_whose_step_no_longer_exists_raises_clearly(campaign):
    state = ParticipantState(Phase.IN_STEP, "en", True, "deleted_step", {}, consent_given=True)
    with pytest.raises(KeyError):
        handle(campaign, state, Reply("1"))


def test_start_and_resume_never_change_their_input(campaign):
    first = start(campaign)
    before = first.state.to_dict()
    resume(campaign, first.state)
    handle(campaign, first.state, Reply("2"))
    assert first.state.to_dict() == before
