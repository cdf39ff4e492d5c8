"""The local REST channel (`POST /webhooks/rest/webhook`), with pseudonymous senders.

Rasa's stock RestInput would keep the raw `sender` as the conversation id in the tracker store;
this one keeps it in the contact vault and gives Rasa the pseudonym. Malformed bodies get 400.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_tuning
from bot.channels.pseudonyms import pseudonymise

rasa_tuning.apply()

logger = logging.getLogger(__name__)
MAX_SENDER_LENGTH = 256


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def parse_body(request: Request) -> tuple[str, str] | HTTPResponse:
    try:
        body = request.json
    except Exception:  # sanic raises on invalid JSON or encoding
        return _bad_request("The body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}.")
    if not isinstance(body, dict):
        return _bad_request("The body must be a JSON object with 'sender' and 'message'.")
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
        return _bad_request("'sender' must be a non-empty string of at most 256 characters.")
    if not isinstance(message, str):
        return _bad_request("'message' must be a string.")
    return sender.strip(), message


class PseudonymousRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        hook = Blueprint("engage_rest_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            parsed = parse_body(request)
            if isinstance(parsed, HTTPResponse):
                return parsed
            address, text = parsed
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(text, collector, pseudonymise(self.name(), address),
                            input_channel=self.name())
            )
            return response.json(collector.messages)

        return hook
