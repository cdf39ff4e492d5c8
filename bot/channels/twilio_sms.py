"""SMS through Twilio: `POST /webhooks/twilio_sms/webhook` (messages) and `/status`
(delivery reports). The WhatsApp channel is the same connector under another name.

A message is verified, parsed, recorded in the inbox and acknowledged with empty TwiML at
once; Rasa sees it moments later through the inbox processor, and the reply goes out
through the outbox. Twilio retries a webhook that fails, so nothing here may half-happen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import (
    MAX_ADDRESS,
    Inbound,
    bad_request,
    classify_text,
    clean_caption,
    forbidden,
    parse_form,
    store,
    twiml_ack,
)
from bot.channels.inbox_channel import InboxChannel
from bot.channels.signatures import PUBLIC_URL_ENV, TwilioVerifier
from bot.inbox import InboxProcessor, OnNewMessage
from bot.outbound.status import apply_status
from bot.store.db import transaction

logger = logging.getLogger(__name__)

PROVIDER = "twilio"  # SMS and WhatsApp share Twilio's MessageSid space
WHATSAPP_PREFIX = "whatsapp:"
_SID = re.compile(r"[A-Za-z]{2}[A-Za-z0-9]{1,126}")
_COUNT = re.compile(r"[0-9]{1,3}")
_STATUS = re.compile(r"[a-z_]{1,32}")
Form = dict[str, list[str]]


def _first(form: Form, *names: str) -> str | None:
    for name in names:
        values = form.get(name)
        if values:
            return values[0]
    return None


def media_kind(content_type: str) -> str:
    """What a resident sent, from the first attachment's content type."""
    content_type = content_type.split(";")[0].strip().lower()
    if content_type in {"text/vcard", "text/x-vcard", "text/directory"}:
        return "contact"
    major = content_type.split("/")[0]
    if major == "audio":
        return "voice" if content_type in {"audio/ogg", "audio/opus"} else "audio"
    return {"image": "photo", "video": "video"}.get(major, "document")


def message_kind(form: Form, num_media: int) -> str | None:
    """The kind of a message that is not plain text; None for text."""
    message_type = (_first(form, "MessageType") or "").lower()  # WhatsApp says what it was
    if message_type == "sticker":
        return "sticker"
    if message_type == "contacts":
        return "contact"
    if num_media:
        return media_kind(_first(form, "MediaContentType0") or "")
    if message_type == "location" or (_first(form, "Latitude") and _first(form, "Longitude")):
        return "location"
    return None


def parse_message(form: Form, garbled: bool, whatsapp: bool) -> Inbound | str:
    """The message in a webhook's fields, or what is wrong with them (a 400)."""
    sid = _first(form, "MessageSid", "SmsMessageSid", "SmsSid")
    if not sid or not _SID.fullmatch(sid):
        return "MessageSid is missing or malformed."
    address = (_first(form, "From") or "").strip()
    if not address or len(address) > MAX_ADDRESS or "\ufffd" in address:
        return "From is missing or malformed."
    if address.lower().startswith(WHATSAPP_PREFIX) != whatsapp:
        return ("A WhatsApp message reached the SMS webhook, or the other way round: check the "
                "webhook URL in the Twilio Console.")
    num_media = _first(form, "NumMedia") or "0"
    if not _COUNT.fullmatch(num_media):
        return "NumMedia must be a number."
    body = _first(form, "Body") or ""
    kind = message_kind(form, int(num_media))
    if kind is None:
        kind, body = classify_text(body, garbled and "\ufffd" in body)
    else:
        body = clean_caption(body)
    return Inbound(PROVIDER, sid, address, kind, body)


class TwilioSmsInput(InboxChannel):
    """Credentials (credentials.yml, each falling back to the environment):
    `auth_token` (TWILIO_AUTH_TOKEN) and `public_url` (ENGAGE_PUBLIC_URL)."""

    whatsapp = False

    def __init__(self, auth_token: str | None = None, public_url: str | None = None,
                 processor: InboxProcessor | None = None) -> None:
        self.verifier = TwilioVerifier(self.name(), auth_token, public_url)
        self._processor = processor
        self.verifier.announce()

    @classmethod
    def name(cls) -> str:
        return "twilio_sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(auth_token=credentials.get("auth_token") or os.environ.get("TWILIO_AUTH_TOKEN"),
                   public_url=credentials.get("public_url") or os.environ.get(PUBLIC_URL_ENV))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook, processor = self.inbox_blueprint(on_new_message)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = self._verified_form(request)
            if isinstance(form, HTTPResponse):
                return form
            inbound = parse_message(*form, whatsapp=self.whatsapp)
            if isinstance(inbound, str):
                return bad_request(inbound)
            _, pseudonym, created = await asyncio.to_thread(
                store, processor.factory, self.name(), inbound)
            if created:  # a redelivery is acknowledged, and not processed again
                processor.kick(pseudonym)
            return twiml_ack()

        @hook.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            form = self._verified_form(request)
            if isinstance(form, HTTPResponse):
                return form
            fields = form[0]
            sid = _first(fields, "MessageSid", "SmsSid")
            state = _first(fields, "MessageStatus", "SmsStatus")
            if not sid or not _SID.fullmatch(sid) or not state or not _STATUS.fullmatch(state):
                return bad_request("MessageSid and MessageStatus are required.")
            await asyncio.to_thread(self._apply_status, processor, sid, state,
                                    _first(fields, "ErrorCode") or None)
            return twiml_ack()

        return hook

    @staticmethod
    def _apply_status(processor: InboxProcessor, sid: str, state: str,
                      error_code: str | None) -> None:
        with transaction(processor.factory) as session:
            apply_status(session, sid, state, error_code)

    def _verified_form(self, request: Request) -> tuple[Form, bool] | HTTPResponse:
        """The form fields of an authentic request; 403 unsigned or forged, 400 not a form."""
        if not self.verifier.has_signature(request):
            return forbidden()
        parsed = parse_form(request)
        if parsed is None:
            return bad_request("The body must be a form (application/x-www-form-urlencoded).")
        if not self.verifier.verify(request, parsed[0]):
            return forbidden()
        return parsed
