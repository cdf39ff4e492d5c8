"""What every provider channel does once a webhook is authentic: classify the text, keep the
address in the vault, record the message in the inbox, and hand it to the inbox processor.

Vault and inbox are written in one transaction (not through the pseudonym cache): an erasure
applied by the action server a moment ago must not leave a message whose reply has no address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import sessionmaker

from bot import bootstrap, metrics, settings
from bot.store.db import transaction
from bot.store.inbox import InboxRepository
from bot.store.vault import ContactVault

MAX_BODY = 5000
MAX_ADDRESS = 128
# Every request to the Rasa server, on every route: a bigger body is refused (413) before it
# is read, so a huge message cannot hold up the server (health checks, other webhooks).
MAX_REQUEST_BYTES_ENV = "ENGAGE_MAX_REQUEST_BYTES"
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
# C0 and C1 controls and DEL, but not tab, newline and carriage return.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True)
class Inbound:
    """One provider message, parsed: what the inbox needs, and the address for the vault."""

    provider: str
    provider_message_id: str
    address: str
    kind: str
    body: str
    # Telegram: the resident's @username ("" when they have none), kept only as a keyed digest
    # so staff can erase by it. None for channels without usernames.
    handle: str | None = None


def classify_text(body: str, garbled: bool = False) -> tuple[str, str]:
    """(kind, body) for a text message. Control characters go; text that could not be decoded
    is `invalid`, text over MAX_BODY `too_long` (kept cut), nothing left `empty`. The engine
    answers each kindly (bot/engine REPLY_KINDS)."""
    cleaned, lone = _SURROGATES.subn("\ufffd", body)
    cleaned = _CONTROLS.sub("", cleaned)
    if garbled or lone or (body.strip() and not cleaned.strip()):
        return "invalid", cleaned[:MAX_BODY]
    if len(cleaned) > MAX_BODY:
        return "too_long", cleaned[:MAX_BODY]
    if not cleaned.strip():
        return "empty", ""
    return "text", cleaned


def max_request_bytes() -> int:
    try:
        value = int(settings.value(MAX_REQUEST_BYTES_ENV) or DEFAULT_MAX_REQUEST_BYTES)
    except ValueError:
        return DEFAULT_MAX_REQUEST_BYTES
    return value if value > 0 else DEFAULT_MAX_REQUEST_BYTES


def cap_request_size(blueprint: Blueprint) -> None:
    """Cap the request body size of the whole server this blueprint is served by. Sanic reads
    the limit when a connection opens, so setting it before the server starts is enough."""

    @blueprint.listener("before_server_start")
    async def _cap(app: Sanic, _loop: object) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, max_request_bytes())


def clean_caption(text: str | None) -> str:
    """The words sent with a photo or an edit: kept (a STOP there still counts), cleaned."""
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text or ""))[:MAX_BODY]


def parse_form(request: Request) -> tuple[dict[str, list[str]], bool] | None:
    """A form body's fields, and whether some value was not valid UTF-8 (then decoded with
    replacement characters). None when the body is not a form at all."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    raw = request.body or b""
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw),
                        errors="strict"), False
    except ValueError:  # UnicodeDecodeError included
        pass
    try:
        return parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True,
                        strict_parsing=bool(raw), errors="replace"), True
    except ValueError:
        return None


def bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def forbidden() -> HTTPResponse:
    return response.json({"error": "The request is not signed by the provider."}, status=403)


def twiml_ack() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")


def store(factory: sessionmaker, channel: str, inbound: Inbound) -> tuple[int, str, bool]:
    """Vault the address and record the message in one transaction (blocking: call it in a
    thread). Returns (inbox id, pseudonym, created); not created means a redelivery."""
    with transaction(factory) as session:
        vault = ContactVault(session, bootstrap.secret())
        pseudonym = vault.remember(channel, inbound.address)
        if inbound.handle is not None:
            vault.remember_handle(pseudonym, inbound.handle)
        row, created = InboxRepository(session).record(
            inbound.provider, inbound.provider_message_id, channel, pseudonym,
            inbound.kind, inbound.body)
    if created:
        metrics.MESSAGES_IN.labels(channel).inc()
    return row.id, pseudonym, created

