"""SMS through Twilio: `POST /webhooks/twilio_sms/webhook` (messages) and `/status`
(delivery reports). The WhatsApp channel is the same connector under another name.

A message is verified, its fields checked (twilio_fields.py: a From that is not a phone number,
or any field not in Twilio's shape, is a 400 and nothing is stored), recorded in the inbox and
acknowledged with empty TwiML at once; Rasa sees it moments later through the inbox processor,
and the reply goes out through the outbox. Twilio retries a webhook that fails, so nothing
here may half-happen.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channels.common import (
    Inbound,
    bad_request,
    classify_text,
    clean_caption,
    forbidden,
    parse_form,
    store,
    twiml_ack,
)
from bot.channels.inbox import InboxProcessor, OnNewMessage
from bot.channels.inbox_channel import InboxChannel
from bot.channels.signatures import PUBLIC_URL_ENV, TwilioVerifier
from bot.channels.twilio_fields import (
    CONTENT_TYPE,
    ERROR_CODE,
    WORD,
    FieldError,
    coordinate,
    media_count,
    message_sid,
    sender,
    shaped,
    text,
)
from bot.outbound.status import apply_status
from bot.store.db import transaction

logger = logging.getLogger(__name__)

PROVIDER = "twilio"  # SMS and WhatsApp share Twilio's MessageSid space
Form = dict[str, list[str]]


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
    """The kind of a message that is not plain text; None for text. FieldError when a field
    it reads is malformed."""
    message_type = shaped(form, "MessageType", WORD, "a word such as text or image") or ""
    content_type = shaped(form, "MediaContentType0", CONTENT_TYPE, "a MIME type such as "
                          "image/jpeg")
    latitude, longitude = coordinate(form, "Latitude", 90), coordinate(form, "Longitude", 180)
    located = latitude is not None and longitude is not None
    if message_type == "sticker":  # WhatsApp says what it was
        return "sticker"
    if message_type == "contacts":
        return "contact"
    if num_media:
        return media_kind(content_type or "")
    if message_type == "location" or located:
        return "location"
    return None


def parse_message(form: Form, garbled: bool, whatsapp: bool) -> Inbound | str:
    """The message in a webhook's fields, or what is wrong with them (a 400)."""
    try:
        sid = message_sid(form, "SmsMessageSid", "SmsSid")
        address = sender(form, whatsapp)
        kind = message_kind(form, media_count(form))
        body = text(form, "Body") or ""
    except FieldError as error:
        return str(error)
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
        return cls(auth_token=credentials.get("auth_token") or settings.value("TWILIO_AUTH_TOKEN"),
                   public_url=credentials.get("public_url") or settings.value(PUBLIC_URL_ENV))

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
            try:
                sid = message_sid(fields, "SmsSid")
                state = text(fields, "MessageStatus", "SmsStatus")
                error_code = shaped(fields, "ErrorCode", ERROR_CODE, "a Twilio error number")
            except FieldError as error:
                return bad_request(str(error))
            if state is None or WORD.fullmatch(state) is None:
                return bad_request("MessageStatus is missing or malformed: a word such as "
                                   "delivered.")
            await asyncio.to_thread(self._apply_status, processor, sid, state,
                                    error_code or None)
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
