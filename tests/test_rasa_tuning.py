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
    third = processor._parse_message_with_graph(UserMessage("STOP", message_id="b"))
    assert third == second and third is not second
    third["intent_ranking"][0]["name"] = "changed by a caller"
    third["text_tokens"].append((9, 9))
    assert processor._parse_message_with_graph(UserMessage("STOP"))["intent_ranking"] == \
        second["intent_ranking"]
    long_text = "x" * (rasa_tuning.NLU_CACHE_MAX_TEXT + 1)
    processor._parse_message_with_graph(UserMessage(long_text))
    assert (long_text, True) not in processor._engage_nlu_cache


def test_cached_parse_results_are_copied_as_deepcopy_copies_them():
    import copy

    import numpy

    result = {"text": "STOP", "intent": {"name": numpy.str_("stop"),
                                         "confidence": numpy.float64(0.93)},
              "text_tokens": [(0, 4)], "entities": [], "none": None, "flag": True,
              "array": numpy.array([1.0, 2.0]), "a_set": {1, 2}}
    ours, theirs = rasa_tuning._copied(result), copy.deepcopy(result)
    assert repr(ours) == repr(theirs)
    assert [type(v) for v in (ours["intent"]["name"], ours["intent"]["confidence"],
                              ours["text_tokens"][0])] == [numpy.str_, numpy.float64, tuple]
    for mutable in ("intent", "text_tokens", "entities", "array", "a_set"):
        assert ours[mutable] is not result[mutable]


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


def _rule_policy(agent):
    from rasa.core.policies.rule_policy import RulePolicy

    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(getattr(node, "_component", None), RulePolicy):
            return node._component
    raise AssertionError("the model has no RulePolicy")


def _conversations_to_predict(domain):
    """Every point where Rasa predicts, in conversations through every intent (ours, Rasa's
    defaults, one no rule knows), with the erase slot set, after a restart and a rewind."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        DefinePrevUserUtteredFeaturization,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    intents = [*domain.intents, "no_rule_knows_this", "restart", "back"]
    for shift in range(3):
        events = [ActionExecuted("action_session_start"), SessionStarted(),
                  ActionExecuted("action_listen")]
        for turn, intent in enumerate(intents[shift:] + intents[:shift]):
            events += [UserUttered(f"text {turn}", {"name": intent, "confidence": 0.9}),
                       DefinePrevUserUtteredFeaturization(False)]
            yield DialogueStateTracker.from_events("p_someone", events, domain.slots)
            events += [ActionExecuted("action_engage", policy="RulePolicy", confidence=1.0),
                       BotUttered(f"question {turn}")]
            if turn == 4:
                events.append(SlotSet("erase_requested", True))
            if turn == 7 + shift:
                events.append(UserUtteranceReverted())
            if turn == 11:
                events += [Restarted()]
            yield DialogueStateTracker.from_events("p_someone", events, domain.slots)
            events.append(ActionExecuted("action_listen"))


def test_rules_match_on_the_latest_turns_exactly_as_on_the_whole_conversation(
        rasa_model, monkeypatch):
    from rasa.core.agent import Agent
    from rasa.core.policies.rule_policy import RulePolicy

    agent = Agent.load(str(rasa_model))
    policy, domain = _rule_policy(agent), agent.domain
    tuned = RulePolicy._predict
    untuned = tuned.engage_original
    trackers = list(_conversations_to_predict(domain))
    shortened = 0
    for tracker in trackers:
        assert tuned(policy, tracker, domain) == untuned(policy, tracker, domain)
        shortened += rasa_tuning.rules_tail(tracker.applied_events(), 3) is not None
    assert shortened > len(trackers) / 2  # most predictions took the short way
    with_tuning = [policy.predict_action_probabilities(t, domain) for t in trackers]
    monkeypatch.setattr(RulePolicy, "_predict", untuned)
    without = [policy.predict_action_probabilities(t, domain) for t in trackers]
    assert with_tuning == without
    names = {domain.action_names_or_texts[max(range(len(p.probabilities)),
                                              key=p.probabilities.__getitem__)]
             for p in without}
    assert {"action_engage", "action_listen", "action_restart",
            "action_default_fallback"} <= names  # every kind of prediction was compared


def test_graph_runs_give_what_dask_gives(rasa_model):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.engine.runner.dask import DaskGraphRunner

    agent = Agent.load(str(rasa_model))
    runner, metadata = agent.processor.graph_runner, agent.processor.model_metadata
    untuned = DaskGraphRunner.run.engage_original
    for tracker in _conversations_to_predict(agent.domain):
        inputs, targets = {PLACEHOLDER_TRACKER: tracker}, [metadata.core_target]
        assert runner.run(inputs, targets) == untuned(runner, inputs, targets)
    for text in ("BUSES", "1", "stop texting me", "tak", "/greet"):
        parsed = [runner.run({PLACEHOLDER_MESSAGE: [UserMessage(text, message_id="m")]},
                             [metadata.nlu_target])[metadata.nlu_target][0].as_dict()
                  for _ in range(2)]
        dask_run = untuned(runner, {PLACEHOLDER_MESSAGE: [UserMessage(text, message_id="m")]},
                           [metadata.nlu_target])[metadata.nlu_target][0].as_dict()
        assert parsed[0] == parsed[1] == dask_run
    assert runner._engage_plans  # the runs went the new way


def test_a_domain_is_empty_exactly_when_rasa_says_so():
    from pathlib import Path

    from rasa.shared.core.domain import Domain

    domain_file = str(Path(__file__).resolve().parents[1] / "domain.yml")
    original = Domain.is_empty.engage_original
    for domain in (Domain.empty(), Domain.load(domain_file),
                   Domain.from_dict({"intents": ["greet"]})):
        for _ in range(2):  # the second answer is the remembered one
            assert domain.is_empty() is original(domain)
    assert Domain.empty().is_empty() and not Domain.load(domain_file).is_empty()


def _action_server(replies: list[tuple[int, dict]]):
    """A stand-in action server on 127.0.0.1 answering each call with the next reply."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers["Content-Length"]))
            status, body = replies.pop(0)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_actions_that_only_read_run_on_the_tracker_itself_with_the_same_outcome(
        rasa_model, monkeypatch):
    """Our action (answered, rejected) and listening leave the conversation exactly as with
    Rasa's copy before the action, and no copy is made; any other action still gets one."""
    from rasa.core.actions.action import action_for_name_or_text
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    answered = {"events": [{"event": "slot", "name": "erase_requested", "value": False}],
                "responses": [{"text": "Thanks. Next question?"}]}
    rejected = {"action_name": "action_engage", "error": "not now"}
    replies_left = [(200, answered), (200, answered), (400, rejected), (400, rejected)]
    server = _action_server(replies_left)
    agent = Agent.load(str(rasa_model), action_endpoint=EndpointConfig(
        url=f"http://127.0.0.1:{server.server_port}/webhook"))
    processor, domain = agent.processor, agent.processor.domain
    copies: list[int] = []
    real_copy = DialogueStateTracker.copy
    monkeypatch.setattr(DialogueStateTracker, "copy",
                        lambda self: copies.append(1) or real_copy(self))

    async def outcome(run, name: str) -> tuple[list[dict], int, bool]:
        copies.clear()
        tracker = _conversation()
        action = action_for_name_or_text(name, domain, processor.action_endpoint)
        await run(processor, action, tracker, CollectingOutputChannel(), processor.nlg,
                  PolicyPrediction.for_action_name(domain, name))
        events = [{k: v for k, v in e.as_dict().items() if k != "timestamp"}
                  for e in tracker.events]
        return events, len(copies), "copy" in tracker.__dict__

    async def compare() -> list[tuple]:
        tuned, untuned = MessageProcessor._run_action, MessageProcessor._run_action.engage_original
        found = []
        for name in ("action_engage", "action_engage", "action_listen"):  # answered, rejected
            ours, rasas = await outcome(tuned, name), await outcome(untuned, name)
            found.append((name, ours[0] == rasas[0], ours[1:], rasas[1]))
        found.append(("action_restart", True, (await outcome(tuned, "action_restart"))[1:], 1))
        await processor.action_endpoint.session().session.close()
        return found

    try:
        found = asyncio.run(compare())
    finally:
        server.shutdown()
    assert found == [("action_engage", True, (0, False), 1), ("action_engage", True, (0, False), 1),
                     ("action_listen", True, (0, False), 1),
                     ("action_restart", True, (1, False), 1)]  # not one of ours: copied
    assert replies_left == []
