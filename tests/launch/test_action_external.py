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


TRIGGER = {"is_external": True}  # what Rasa's trigger_intent puts on the event


def test_an_invitation_trigger_calls_invite_with_its_id(service):
    events, dispatcher = run("EXTERNAL: EXTERNAL_invite", "EXTERNAL_invite",
                             [{"entity": "invitation", "value": "12"}], TRIGGER)
    assert service.calls == [("invite", 12)]
    assert events == [] and dispatcher.messages == []


def test_a_reminder_trigger_calls_remind_with_its_id(service):
    run("EXTERNAL: EXTERNAL_remind", "EXTERNAL_remind", [{"entity": "participant", "value": 7}],
        TRIGGER)
    assert service.calls == [("remind", 7)]


@pytest.mark.parametrize("entities", [[], [{"entity": "invitation", "value": "twelve"}],
                                      [{"entity": "participant", "value": "3"}]])
def test_a_trigger_without_its_id_does_nothing(service, entities):
    assert run("EXTERNAL: EXTERNAL_invite", "EXTERNAL_invite", entities, TRIGGER)[0] == []
    assert service.calls == []


def test_a_resident_s_words_taken_for_an_external_intent_are_just_words(service):
    _, dispatcher = run("EXTERNAL_invite please", "EXTERNAL_invite", [], {"inbox_id": 5})
    [(kind, call)] = service.calls
    assert kind == "handle" and call["intent"] is None and call["inbox_id"] == 5
    assert call["text"] == "EXTERNAL_invite please"
    assert dispatcher.messages[0]["text"] == "reply"


@pytest.mark.parametrize(("text", "metadata"), [
    ("EXTERNAL: EXTERNAL_invite", {}),  # typed over REST: no metadata at all
    ("EXTERNAL: EXTERNAL_invite", {"inbox_id": 5, "kind": "text"}),  # typed by SMS
    ("EXTERNAL: invite", {}),
    ('/EXTERNAL_invite{"invitation": "12"}', {}),  # Rasa's intent syntax, typed
    ('/EXTERNAL_invite{"invitation": "12"}', {"inbox_id": 6, "kind": "text"}),
    ("EXTERNAL: EXTERNAL_invite", {"is_external": "true"}),  # only Rasa's own True counts
])
def test_typed_trigger_words_are_only_words(service, text, metadata):
    _, dispatcher = run(text, "EXTERNAL_invite", [{"entity": "invitation", "value": "12"}],
                        metadata)
    [(kind, call)] = service.calls
    assert kind == "handle" and call["intent"] is None and call["text"] == text
    assert dispatcher.messages[0]["text"] == "reply"
