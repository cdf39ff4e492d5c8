"""The Rasa performance fixes change speed, never behaviour."""

from __future__ import annotations

import asyncio

import pytest
from jsonschema import ValidationError

from bot import rasa_tuning


@pytest.fixture(scope="module", autouse=True)
def tuned():
    assert rasa_tuning.apply() is True


def test_action_responses_are_still_validated():
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_engage", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_event_types_resolve_exactly_as_before():
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import Event, UserUttered

    for cls in common.all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name).type_name == cls.type_name
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", default=UserUttered) is UserUttered
    with pytest.raises(ValueError):
        Event.resolve_by_type("no-such-event")


def test_action_server_connections_are_reused():
    from rasa.utils.endpoints import EndpointConfig

    async def sessions():
        endpoint = EndpointConfig(url="http://127.0.0.1:9/webhook")
        async with endpoint.session() as first, endpoint.session() as second:
            same = first is second
        reused = not first.closed  # Rasa's `async with` no longer closes it
        await first.close()
        return same, reused

    assert asyncio.run(sessions()) == (True, True)


def test_nlu_results_are_cached_per_text_but_never_shared(rasa_model):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    agent = Agent.load(str(rasa_model))
    processor = agent.processor
    first = processor._parse_message_with_graph(UserMessage("STOP", message_id="a"))
    first["intent"]["name"] = "changed by a caller"
    second = processor._parse_message_with_graph(UserMessage("STOP", message_id="b"))
    assert second["intent"]["name"] == "stop"
    assert ("STOP", True) in processor._engage_nlu_cache
    long_text = "x" * (rasa_tuning.NLU_CACHE_MAX_TEXT + 1)
    processor._parse_message_with_graph(UserMessage(long_text))
    assert (long_text, True) not in processor._engage_nlu_cache


def _conversation():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen")]
    for turn, text in enumerate(["BUSES", "1", "2", "it is late"]):
        events += [UserUttered(text, {"name": "answer", "confidence": 0.9},
                               input_channel="twilio_sms", metadata={"inbox_id": turn}),
                   ActionExecuted("action_engage"), BotUttered(f"question {turn}"),
                   ActionExecuted("action_listen")]
    events += [UserUttered("yes please", {"name": "consent_yes", "confidence": 0.8},
                           input_channel="telegram", metadata={"inbox_id": 99})]
    return DialogueStateTracker.from_events("p_someone", events)


def _what_our_action_reads(call: dict) -> tuple:
    from rasa_sdk import Tracker

    from actions.engage import latest_metadata

    tracker = Tracker.from_dict(call["tracker"])
    return (tracker.sender_id, tracker.latest_message["text"],
            tracker.latest_message["intent"]["name"], tracker.get_latest_input_channel(),
            latest_metadata(tracker), tracker.slots)


def test_our_action_gets_only_the_latest_turn_and_reads_the_same():
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    tracker, domain = _conversation(), Domain.load("domain.yml")
    action = RemoteAction("action_engage", EndpointConfig(url="http://127.0.0.1:9/webhook",
                                                          enable_selective_domain=True))
    trimmed = action._action_call_format(tracker, domain)
    assert [e["event"] for e in trimmed["tracker"]["events"]] == ["user"]
    assert "domain" not in trimmed  # selective domain (endpoints.yml)
    full = RemoteAction("some_other_action", action.action_endpoint)._action_call_format(
        tracker, domain)
    assert len(full["tracker"]["events"]) == len(tracker.events)
    assert _what_our_action_reads(trimmed) == _what_our_action_reads(full) == (
        "p_someone", "yes please", "consent_yes", "telegram", {"inbox_id": 99}, {})


def test_the_endpoints_file_turns_the_domain_off_for_our_action(monkeypatch):
    from rasa.core.utils import read_endpoints_from_path

    monkeypatch.setenv("ENGAGE_ACTION_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("ENGAGE_ACTION_TOKEN", "t" * 24)

    endpoints = read_endpoints_from_path("endpoints.yml")
    assert endpoints.action.kwargs.get("enable_selective_domain") is True
