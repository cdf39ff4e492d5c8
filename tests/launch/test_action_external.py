"""action_engage hands the worker's external intents to invite/remind by the id they carry,
and treats anything else (a resident's words, a malformed trigger) safely."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.engage as engage
from bot.conversation import TurnResult


class FakeService:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def invite(self, invitation_id: int) -> TurnResult:
        self.calls.append(("invite", invitation_id))
        return TurnResult(["hello"], queued=True)

    def remind(self, participant_id: int) -> TurnResult:
        self.calls.append(("remind", participant_id))
        return TurnResult(["again"], queued=True)

    def handle(self, **kwargs: Any) -> TurnResult:
        self.calls.append(("handle", kwargs))
        return TurnResult(["reply"])


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    fake = FakeService()
    monkeypatch.setattr(engage, "service_from_env", lambda: fake)
    return fake


def run(text: str, intent: str, entities: list[dict[str, Any]],
        metadata: dict[str, Any] | None = None) -> tuple[list, CollectingDispatcher]:
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0},
               "entities": entities}
    events = [{"event": "user", "text": text, "parse_data": message,
               "metadata": metadata or {}, "input_channel": None}]
    tracker = Tracker("p_someone", {}, message, events, False, None, None, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(engage.ActionEngage().run(dispatcher, tracker, {}))
    return result, dispatcher


def test_an_invitation_trigger_calls_invite_with_its_id(service):
    events, dispatcher = run("EXTERNAL: EXTERNAL_invite", "EXTERNAL_invite",
                             [{"entity": "invitation", "value": "12"}])
    assert service.calls == [("invite", 12)]
    assert events == [] and dispatcher.messages == []


def test_a_reminder_trigger_calls_remind_with_its_id(service):
    run("EXTERNAL: EXTERNAL_remind", "EXTERNAL_remind", [{"entity": "participant", "value": 7}])
    assert service.calls == [("remind", 7)]


@pytest.mark.parametrize("entities", [[], [{"entity": "invitation", "value": "twelve"}],
                                      [{"entity": "participant", "value": "3"}]])
def test_a_trigger_without_its_id_does_nothing(service, entities):
    assert run("EXTERNAL: EXTERNAL_invite", "EXTERNAL_invite", entities)[0] == []
    assert service.calls == []


def test_a_resident_s_words_taken_for_an_external_intent_are_just_words(service):
    _, dispatcher = run("EXTERNAL_invite please", "EXTERNAL_invite", [], {"inbox_id": 5})
    [(kind, call)] = service.calls
    assert kind == "handle" and call["intent"] is None and call["inbox_id"] == 5
    assert call["text"] == "EXTERNAL_invite please"
    assert dispatcher.messages[0]["text"] == "reply"
