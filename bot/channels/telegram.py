"""Telegram: `POST /webhooks/telegram/webhook`, one Bot API Update per request.

The update is checked (the secret given to setWebhook), parsed with python-telegram-bot,
recorded in the inbox and acknowledged with `{}`; Rasa sees it through the inbox processor.
Only private chats are residents; other updates (a group, a member change) are acknowledged
and ignored.

What is refused and what is acknowledged. Telegram sends an update again and again, and holds
back the ones after it, until the webhook answers 2xx; sending it again never makes it usable.
So an authentic update the bot cannot use is answered 200 with nothing stored, and logged (its
update_id and which field was wrong, never a value): a field of the wrong type or out of range
(telegram_shape.py), one python-telegram-bot cannot read, a kind of update the bot does not
serve. Only a body that is not an Update at all gets 400: not UTF-8 JSON, JSON nested deeper
than any Update, a key given twice, not an object, no integer update_id. The Bot API never
sends one, so no redelivery follows, and whoever did send it learns why.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Message, Update

from bot import settings
from bot.channels.common import Inbound, bad_request, classify_text, clean_caption, forbidden, store
from bot.channels.inbox import InboxProcessor, OnNewMessage
from bot.channels.inbox_channel import InboxChannel
from bot.channels.signatures import TelegramVerifier
from bot.channels.telegram_shape import ATTACHMENT_KINDS, MESSAGE_KEYS, shape_problem
from bot.channels.validate import load_json

logger = logging.getLogger(__name__)

PROVIDER = "telegram"


def message_kind(message: Message, edited: bool) -> tuple[str, str]:
    """(kind, body): text as sent (`/start BUSES` included), else the attachment's kind and
    its caption. An edit is its own kind: the engine does not re-read an earlier answer."""
    if edited:
        return "edited", clean_caption(message.text or message.caption)
    if message.text is not None:
        return classify_text(message.text)
    for attribute, kind in ATTACHMENT_KINDS:
        if getattr(message, attribute, None):
            return kind, clean_caption(message.caption)
    return "other", clean_caption(message.caption)


def parse_update(data: Any) -> Inbound | None | str:
    """The resident's message in an update; None for an update to acknowledge and ignore
    (logged with the reason); a string saying what is wrong (a 400)."""
    if not isinstance(data, dict):
        return "The body must be a Telegram Update (a JSON object)."
    if type(data.get("update_id")) is not int:
        return "update_id is missing or not a number."
    problem = shape_problem(data)
    if problem is None and not any(key in data for key in MESSAGE_KEYS):
        logger.info("Telegram update %s ignored: not a message", data["update_id"])
        return None
    if problem is None:
        try:
            update = Update.de_json(data, None)
        except Exception as error:  # PTB trusts the Bot API's types; these were not its
            problem = f"python-telegram-bot could not read it ({type(error).__name__})"
    if problem is not None:
        logger.warning("Telegram update %s ignored: %s", data["update_id"], problem)
        return None
    message = update.message or update.edited_message
    if message is None or message.chat is None or message.chat.type != "private":
        logger.info("Telegram update %s ignored: not a message in a private chat",
                    update.update_id)
        return None
    kind, body = message_kind(message, edited=update.edited_message is not None)
    sender = message.from_user
    username = (sender.username if sender is not None else message.chat.username) or ""
    return Inbound(PROVIDER, str(update.update_id), str(message.chat.id), kind, body,
                   handle=username)


class TelegramInput(InboxChannel):
    """Credentials (credentials.yml, falling back to the environment): `webhook_secret`
    (TELEGRAM_WEBHOOK_SECRET), the secret `engage telegram set-webhook` gives Telegram."""

    def __init__(self, webhook_secret: str | None = None,
                 processor: InboxProcessor | None = None) -> None:
        self.verifier = TelegramVerifier(self.name(), webhook_secret)
        self._processor = processor
        self.verifier.announce()

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(webhook_secret=credentials.get("webhook_secret")
                   or settings.value("TELEGRAM_WEBHOOK_SECRET"))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook, processor = self.inbox_blueprint(on_new_message)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.verifier.verify(request):
                return forbidden()
            try:
                data = load_json(request.body or b"")
            except ValueError as error:  # not UTF-8, too deep, not JSON, a key twice
                return bad_request(f"{error} A Telegram Update is expected.")
            inbound = parse_update(data)
            if isinstance(inbound, str):
                return bad_request(inbound)
            if inbound is None:
                return response.json({})
            _, pseudonym, created = await asyncio.to_thread(
                store, processor.factory, self.name(), inbound)
            if created:  # a redelivery is acknowledged, and not processed again
                processor.kick(pseudonym)
            return response.json({})

        return hook
