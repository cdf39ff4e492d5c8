"""The local REST channel (`POST /webhooks/rest/webhook`), with pseudonymous senders.

Rasa's stock RestInput would keep the raw `sender` as the conversation id in the tracker store;
this one keeps it in the contact vault and gives Rasa the pseudonym. Malformed bodies get 400.

It is for local use, tests and benchmarks. Production turns it off (ENGAGE_REST_CHANNEL=off:
404) or requires a bearer token (ENGAGE_REST_TOKEN: 403 without it; `engage chat` sends it).
Text is cleaned and cut the way the provider channels do (common.classify_text) before NLU and
before the tracker stores it; an over-long or unreadable message goes straight to the engine,
which answers kindly.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import config, metrics, rasa_tuning, settings
from bot.channels.common import cap_request_size, classify_text
from bot.channels.pseudonyms import pseudonymise
from bot.channels.validate import load_json

logger = logging.getLogger(__name__)
MAX_SENDER_LENGTH = 256
ENABLED_ENV = "ENGAGE_REST_CHANNEL"
OFF_VALUES = frozenset({"off", "0", "false", "no", "disabled"})
# Not text (over-long, unreadable, empty): no NLU guess, straight to the engine, as the inbox
# does for provider messages (bot/channels/inbox.py NOT_TEXT_INTENT).
NOT_TEXT_INTENT = "inform"


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def _unavailable() -> HTTPResponse:
    return response.json({"error": "The bot cannot reach its database just now; nothing was "
                                   "processed. Please try again in a minute."}, status=503)


def parse_body(request: Request) -> tuple[str, str] | HTTPResponse:
    """Sender and message of a REST body. The body is read strictly (UTF-8, shallow, no key
    twice: bot.channels.validate), not with Sanic's lenient parser, which takes the byte
    0x80 for U+0080. The sender becomes a vault address, so it must be printable text."""
    try:
        body = load_json(request.body or b"")
    except ValueError:
        return _bad_request("The body must be JSON in UTF-8: "
                            "{\"sender\": \"...\", \"message\": \"...\"}.")
    if not isinstance(body, dict):
        return _bad_request("The body must be a JSON object with 'sender' and 'message'.")
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH \
            or not printable_sender(sender):
        return _bad_request("'sender' must be a non-empty string of at most 256 printable "
                            "characters (no control, direction or invisible characters).")
    if not isinstance(message, str):
        return _bad_request("'message' must be a string.")
    return sender.strip(), message


def printable_sender(sender: str) -> bool:
    """No control, format (right-to-left overrides, zero-width) or unassigned characters,
    and no line breaks: an address someone could type, nothing that hides or reorders text."""
    return all(unicodedata.category(character)[0] not in "C" or character == " "
               for character in sender) and "\u2028" not in sender and "\u2029" not in sender


def token_matches(request: Request, token: str) -> bool:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def user_message(text: str, collector: CollectingOutputChannel, sender: str,
                 channel: str) -> UserMessage:
    """The message Rasa handles: cleaned and cut; not-text kinds skip NLU (the engine reads
    `kind` and answers kindly)."""
    kind, body = classify_text(text)
    parse_data = None
    if kind != "text":
        parse_data = {"text": body, "entities": [],
                      "intent": {"name": NOT_TEXT_INTENT, "confidence": 1.0}}
    return UserMessage(body, collector, sender, parse_data=parse_data, input_channel=channel,
                       metadata={"kind": kind})


class PseudonymousRestInput(RestInput):
    def __init__(self, token: str | None = None, enabled: bool = True) -> None:
        self.token = token
        self.enabled = enabled

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PseudonymousRestInput:
        """Settings from the environment (credentials.yml keeps no secrets). Rasa calls this
        at start-up: the place to apply the measured fixes (bot/rasa_tuning.py), once."""
        rasa_tuning.apply()
        enabled = (settings.value(ENABLED_ENV) or "on").strip().lower() not in OFF_VALUES
        return cls(token=config.rest_token(), enabled=enabled)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        hook = Blueprint("engage_rest_webhook", __name__)
        cap_request_size(hook)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.json({"error": "The REST channel is turned off on this "
                                               "server."}, status=404)
            if self.token and not token_matches(request, self.token):
                return response.json({"error": "A valid REST token is required "
                                               "(Authorization: Bearer ...)."}, status=403)
            parsed = parse_body(request)
            if isinstance(parsed, HTTPResponse):
                return parsed
            address, text = parsed
            collector = CollectingOutputChannel()
            try:
                name = await asyncio.to_thread(pseudonymise, self.name(), address)
                metrics.MESSAGES_IN.labels(self.name()).inc()
                with metrics.TURN_SECONDS.labels(self.name()).time():
                    await on_new_message(user_message(text, collector, name, self.name()))
                metrics.MESSAGES_OUT.labels(self.name()).inc(len(collector.messages))
            except SQLAlchemyError:
                logger.exception("REST message not processed: the database failed")
                return _unavailable()
            return response.json(collector.messages)

        return hook
