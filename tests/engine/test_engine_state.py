"""Participant state: JSON round trip, and consent/status as the store records them."""

from __future__ import annotations

import json

import pytest
from engine_helpers import chat_at

from bot.engine import ParticipantState, Phase

POINTS = ["menu", "consent", "intro", "travel_mode", "travel_mode.why", "fare_cost",
          "priorities", "ideas", "others_mode", "travel_mode_again", "completed"]


@pytest.mark.parametrize("point", POINTS)
def test_round_trip_through_json_at_every_point(campaign, point):
    state = chat_at(campaign, point).state
    data = json.loads(json.dumps(state.to_dict()))
    again = ParticipantState.from_dict(data)
    assert again == state
    assert again.to_dict() == state.to_dict()


def test_round_trip_keeps_every_kind_of_answer():
    state = ParticipantState(
        Phase.IN_STEP, "cy", True, "ideas",
        {"a": "bus", "b": 4, "c": ["x", "y"], "d": None, "a.why": "Achos"},
        detail_shown=True, misunderstood=2, consent_given=True, language_offered=True,
        switch_offered="PARKS")
    again = ParticipantState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    assert again.answers["c"] == ["x", "y"] and again.answers["d"] is None


def test_copy_is_independent():
    state = ParticipantState(Phase.IN_STEP, "en", answers={"c": ["x"]})
    copy = state.copy()
    copy.answers["c"].append("y")
    copy.answers["new"] = 1
    assert state.answers == {"c": ["x"]}


def test_from_dict_accepts_older_dicts_without_optional_fields():
    state = ParticipantState.from_dict({"phase": "in_step", "language": "en",
                                        "step_id": "travel_mode"})
    assert state.consent_given is True and state.answers == {} and state.misunderstood == 0
    assert state.switch_offered is None and not state.language_offered
    state = ParticipantState.from_dict({"phase": "awaiting_consent", "language": "pl"})
    assert state.consent_given is False


@pytest.mark.parametrize(
    ("phase", "consent_given", "consent", "status"),
    [
        (Phase.CHOOSING_LANGUAGE, False, "none", "in_progress"),
        (Phase.AWAITING_CONSENT, False, "none", "in_progress"),
        (Phase.IN_STEP, True, "given", "in_progress"),
        (Phase.AWAITING_WHY, True, "given", "in_progress"),
        (Phase.COMPLETED, True, "given", "completed"),
        (Phase.DECLINED, False, "declined", "declined"),
        (Phase.OPTED_OUT, False, "none", "opted_out"),
        (Phase.OPTED_OUT, True, "withdrawn", "opted_out"),
        (Phase.ERASED, True, "withdrawn", "opted_out"),
        (Phase.ERASED, False, "none", "opted_out"),
        (Phase.AWAITING_FOLLOW_UP, True, "given", "completed"),
    ],
)
def test_consent_and_status(phase, consent_given, consent, status):
    state = ParticipantState(phase, "en", consent_given=consent_given)
    assert (state.consent, state.status) == (consent, status)


def test_phase_values_are_stable_strings():
    assert [p.value for p in Phase] == [
        "choosing_language", "awaiting_consent", "in_step", "awaiting_why",
        "awaiting_follow_up", "completed", "declined", "opted_out", "erased"]
    assert Phase("in_step") is Phase.IN_STEP and Phase.IN_STEP == "in_step"
