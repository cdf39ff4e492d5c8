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


def test_the_endpoints_file_turns_the_domain_off_for_our_action(monkeypatch):
    from rasa.core.utils import read_endpoints_from_path

    monkeypatch.setenv("ENGAGE_ACTION_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("ENGAGE_ACTION_TOKEN", "t" * 24)

    endpoints = read_endpoints_from_path("endpoints.yml")
    assert endpoints.action.kwargs.get("enable_selective_domain") is True
