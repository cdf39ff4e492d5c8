"""`action_engage`: every resident message goes through here to the deliberation engine."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import service_from_env

logger = logging.getLogger(__name__)


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
        metadata = latest_metadata(tracker)
        result = service_from_env().handle(
            pseudonym=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            text=message.get("text") or "",
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            inbox_id=metadata.get("inbox_id"),
            kind=metadata.get("kind") or "text",
        )
        if not result.queued:  # provider channels send from the outbox
            for text in result.messages:
                dispatcher.utter_message(text=text)
        return [SlotSet("erase_requested", True)] if result.erased else []
