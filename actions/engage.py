"""`action_engage`: every resident message goes through here to the deliberation engine."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import service_from_env

logger = logging.getLogger(__name__)
# Intents the worker triggers through Rasa's trigger_intent API, with the row id as an entity.
EXTERNAL = {"EXTERNAL_invite": "invitation", "EXTERNAL_remind": "participant",
            "EXTERNAL_follow_up": "follow_up"}
# Only Rasa's trigger_intent makes a user event with this metadata (UserUttered.create_external);
# no channel of ours passes metadata a resident chose. The event's text ("EXTERNAL: ...") and
# its intent are not proof: a resident can type either, or Rasa's "/intent{...}" syntax.
IS_EXTERNAL = "is_external"


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """The channel's metadata on the latest user message (inbox id, kind of message)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


class ActionEngage(Action):
    def name(self) -> str:
        return "action_engage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        name = intent.get("name")
        text = message.get("text") or ""
        metadata = latest_metadata(tracker)
        if name in EXTERNAL and metadata.get(IS_EXTERNAL) is True:
            run_external(name, message.get("entities") or [])
            return []
        if name in EXTERNAL:  # a resident's words (typed, or taken for one): just words
            name, intent = None, {}
        result = service_from_env().handle(
            pseudonym=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            text=text,
            intent=name,
            confidence=float(intent.get("confidence") or 0.0),
            inbox_id=metadata.get("inbox_id"),
            kind=metadata.get("kind") or "text",
        )
        if not result.queued:  # provider channels send from the outbox
            for text in result.messages:
                dispatcher.utter_message(text=text)
        return [SlotSet("erase_requested", True)] if result.erased else []


def entity_id(entities: list[dict[str, Any]], name: str) -> int | None:
    """The row id an external event carries ({"invitation": "12"}), if it is one."""
    for entity in entities:
        if entity.get("entity") == name:
            try:
                return int(str(entity.get("value")).strip())
            except ValueError:
                return None
    return None


def run_external(intent: str, entities: list[dict[str, Any]]) -> None:
    """An invitation, reminder or follow-up the worker asked for. The channel comes from the row, not
    the tracker: Rasa gives an external event the sender's latest input channel, which a
    resident who never wrote does not have. The messages go out through the outbox."""
    row_id = entity_id(entities, EXTERNAL[intent])
    if row_id is None:
        logger.warning("%s without a numeric %s entity: ignored", intent, EXTERNAL[intent])
        return
    service = service_from_env()
    if intent == "EXTERNAL_invite":
        service.invite(row_id)
    elif intent == "EXTERNAL_follow_up":
        service.follow_up(row_id)
    else:
        service.remind(row_id)
