"""Conditions, reflect summaries, revisits and why follow-ups."""

from __future__ import annotations

import dataclasses

import pytest
from engine_helpers import Chat, chat_at

from bot.engine import Context, Phase
from bot.engine.flow import applies, next_step
from bot.engine.prompts import percentages, tally_summary


def test_condition_met_asks_the_step(campaign):
    chat = chat_at(campaign, "travel_mode")
    chat.send("bus")
    chat.send("cheap")
    assert chat.step == "fare_cost"


@pytest.mark.parametrize("answer", ["walk", "car"])
def test_condition_not_met_skips_silently(campaign, answer):
    chat = chat_at(campaign, "travel_mode")
    chat.send(answer)
    chat.send("because")
    assert chat.step == "priorities"
    assert "fare_cost" not in chat.state.answers
    assert [a.step_id for a in chat.answers] == ["travel_mode", "travel_mode.why"]


def test_a_skipped_answer_never_satisfies_a_condition(campaign):
    chat = chat_at(campaign, "travel_mode")
    chat.send("SKIP")
    assert chat.step == "priorities"
    assert chat.state.answers == {"travel_mode": None}
    assert chat.last.answers[0].skipped is True


def test_scale_conditions(campaign):
    data = campaign.to_dict()
    data["steps"].insert(3, {"id": "why_costly", "type": "text",
                             "text": {"en": "Why?", "cy": "Pam?", "pl": "Dlaczego?"},
                             "when": {"step": "fare_cost", "at_least": 4}})
    costly = type(campaign).from_dict(data)
    for score, expected in (("5", "why_costly"), ("4", "why_costly"), ("3", "priorities")):
        chat = chat_at(costly, "fare_cost")
        chat.send(score)
        assert chat.step == expected


def test_next_step_and_applies(campaign):
    assert next_step(campaign, None, {}).id == "intro"
    assert next_step(campaign, "travel_mode", {"travel_mode": "walk"}).id == "priorities"
    assert next_step(campaign, "travel_mode", {"travel_mode": "bus"}).id == "fare_cost"
    assert next_step(campaign, "travel_mode_again", {}) is None
    reflect = campaign.step("others_mode")
    assert not applies(reflect, {})  # nothing to reflect on: never asked
    assert applies(reflect, {"travel_mode": None})  # skipped, but was asked


def test_reflect_and_revisit_are_left_out_when_their_question_was_never_asked(campaign):
    data = campaign.to_dict()
    data["steps"][1]["when"] = {"step": "intro_choice", "in": ["x"]}
    data["steps"].insert(1, {"id": "intro_choice", "type": "choice",
                             "text": {"en": "Q", "cy": "Q", "pl": "Q"},
                             "options": [{"id": "x", "text": {"en": "X", "cy": "X", "pl": "X"}},
                                         {"id": "y", "text": {"en": "Y", "cy": "Y", "pl": "Y"}}]})
    variant = type(campaign).from_dict(data)
    chat = Chat(variant)
    for reply in ("1", "yes", "ok", "2", "312", "an idea"):
        chat.send(reply)
    assert chat.phase is Phase.COMPLETED
    assert set(chat.state.answers) == {"intro_choice", "priorities", "ideas"}


def test_reflect_below_the_threshold_is_passed_over(campaign):
    """Nothing to show: no "Does this change your view?" about nothing; straight on."""
    few = Context(tallies={"travel_mode": {"bus": 2, "walk": 1, "car": 1}})
    chat = chat_at(campaign, "ideas", context=few)
    chat.send("Later buses")
    assert chat.text == "Now we ask once more.\nHow do you usually get to your GP?\n1 Bus\n" \
                        "2 Walk\n3 Car"
    assert chat.step == "travel_mode_again" and "others_mode" not in chat.state.answers
    assert [a.step_id for a in chat.last.answers] == ["ideas"]
    assert chat.buttons == ["1 Bus", "2 Walk", "3 Car"]


def test_reflect_with_no_tallies_at_all(campaign):
    chat = chat_at(campaign, "ideas", context=Context())
    chat.send("Later buses")
    assert "Too few people" not in chat.text and "change your view" not in chat.text
    assert chat.step == "travel_mode_again"


def test_reflect_as_the_last_step_with_nothing_to_show_ends_the_campaign(campaign):
    data = campaign.to_dict()
    data["steps"] = [step for step in data["steps"] if step["id"] != "travel_mode_again"]
    variant = type(campaign).from_dict(data)
    chat = chat_at(variant, "ideas", context=Context())
    chat.send("Later buses")
    assert chat.phase is Phase.COMPLETED
    assert chat.text == "Thank you. We will share what we learn in the spring."


@pytest.mark.parametrize("reply", ["ok", "yes", "2", "whatever"])
def test_at_a_reflect_step_whose_results_are_gone_it_only_asks_to_go_on(campaign, reply):
    """Shown with results, then too few (answers erased meanwhile): no question about
    nothing, and the reply to go on is not stored as a view."""
    chat = chat_at(campaign, "others_mode")
    chat.context = Context()
    assert chat.send("REPEAT") == ["Here is how others get there.\nToo few people have "
                                   "answered yet to show results.\nReply OK to go on."]
    assert chat.buttons == ["OK"]
    chat.send(reply)
    assert chat.step == "travel_mode_again" and "others_mode" not in chat.state.answers
    assert chat.last.answers == []


def test_skipping_a_reflect_step_with_nothing_to_show_stores_nothing(campaign):
    chat = chat_at(campaign, "others_mode")
    chat.context = Context()
    chat.send("SKIP")
    assert chat.step == "travel_mode_again" and chat.last.answers == []


def test_reflect_at_exactly_the_threshold_shows_percentages(campaign):
    exact = Context(tallies={"travel_mode": {"bus": 3, "walk": 2}}, min_count_to_show=5)
    chat = chat_at(campaign, "ideas", context=exact)
    chat.send("Later buses")
    assert "So far: Bus 60%, Walk 40%, Car 0%" in chat.text


def test_reflect_ignores_unknown_values_in_tallies(campaign):
    odd = Context(tallies={"travel_mode": {"bus": 1, "plane": 50}})
    chat = chat_at(campaign, "ideas", context=odd)
    chat.send("Later buses")
    assert chat.step == "travel_mode_again" and "plane" not in chat.text


@pytest.mark.parametrize(("reply", "stored"),
                         [("1", "yes"), ("2", "no"), ("Yes", "yes"), ("no", "no"), ("👍", "yes"),
                          ("nope", "no"), ("١", "yes"), ("two", "no")])
def test_reflect_answers(campaign, reply, stored):
    chat = chat_at(campaign, "others_mode")
    chat.send(reply)
    assert chat.state.answers["others_mode"] == stored
    assert chat.step == "travel_mode_again"


def test_reflect_accepts_the_models_yes_and_no(campaign):
    chat = chat_at(campaign, "others_mode")
    chat.send("I suppose it does", intent="affirm", confidence=0.93)
    assert chat.state.answers["others_mode"] == "yes"


def test_percentages_add_up_to_100():
    assert sum(percentages({"a": 1, "b": 1, "c": 1}, 3).values()) == 100
    assert percentages({"a": 2, "b": 1}, 3) == {"a": 67, "b": 33}
    assert percentages({"a": 1, "b": 0}, 1) == {"a": 100, "b": 0}


def test_tally_summary_orders_by_count(campaign):
    step = campaign.step("travel_mode")
    assert tally_summary(step, {"car": 10, "bus": 5, "walk": 5}, "en", 5) == (
        "So far: Car 50%, Bus 25%, Walk 25%")
    assert tally_summary(step, {"bus": 10}, "pl", 5) == (
        "Na razie: Autobus 100%, Pieszo 0%, Samochód 0%")


def test_revisit_is_parsed_like_the_original_and_stored_under_its_own_id(campaign):
    chat = chat_at(campaign, "travel_mode_again")
    chat.send("Car")
    assert chat.state.answers["travel_mode"] == "bus"
    assert chat.state.answers["travel_mode_again"] == "car"
    assert chat.phase is Phase.COMPLETED


def test_revisit_of_scale_and_rank(campaign):
    data = campaign.to_dict()
    for of in ("fare_cost", "priorities"):
        data["steps"].append({"id": f"again_{of}", "type": "revisit", "of": of,
                              "text": {"en": "Again.", "cy": "Eto.", "pl": "Znowu."}})
    variant = type(campaign).from_dict(data)
    chat = chat_at(variant, "travel_mode_again")
    chat.send("1")
    assert "Reply a number from 1 (Strongly disagree) to 5" in chat.text
    chat.send("Strongly agree")
    assert "like 312" in chat.text
    chat.send("2 1")
    assert chat.state.answers["again_fare_cost"] == 5
    assert chat.state.answers["again_priorities"] == ["time", "cost"]


def test_why_follow_up_skip_and_answer(campaign):
    chat = chat_at(campaign, "travel_mode")
    chat.send("2")
    assert chat.phase is Phase.AWAITING_WHY
    chat.send("skip")
    assert chat.last.answers[0].step_id == "travel_mode.why"
    assert chat.last.answers[0].skipped and chat.state.answers["travel_mode.why"] is None
    assert chat.step == "priorities"


def test_why_is_not_asked_for_revisits_or_skipped_choices(campaign):
    chat = chat_at(campaign, "travel_mode_again")
    chat.send("1")
    assert chat.phase is Phase.COMPLETED
    chat = chat_at(campaign, "travel_mode")
    chat.send("SKIP")
    assert chat.phase is Phase.IN_STEP and chat.step == "priorities"


def test_info_more_once_then_anything_continues(campaign):
    chat = chat_at(campaign, "intro")
    chat.send("more")
    assert chat.step == "intro" and chat.state.detail_shown
    chat.send("more")
    assert chat.step == "travel_mode" and not chat.state.detail_shown


@pytest.mark.parametrize("reply", ["ok", "hmm interesting", "👍", "fine thanks", "no"])
def test_info_anything_continues(campaign, reply):
    chat = chat_at(campaign, "intro")
    chat.send(reply)
    assert chat.step == "travel_mode"
    assert chat.answers == []  # info stores nothing


def test_info_without_more_says_only_ok(campaign):
    data = campaign.to_dict()
    del data["steps"][0]["more"]
    plain = type(campaign).from_dict(data)
    chat = chat_at(plain, "intro")
    assert chat.text.endswith("Buses to the hospital run every hour.\nReply OK to go on.")
    chat.send("MORE")
    assert chat.step == "travel_mode"


def test_a_campaign_of_only_info_completes(campaign):
    info_only = dataclasses.replace(campaign, steps=campaign.steps[:1])
    chat = chat_at(info_only, "intro")
    chat.send("ok")
    assert chat.phase is Phase.COMPLETED and chat.answers == []

