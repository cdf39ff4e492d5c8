"""One sender per channel: render the row, call the provider, sort its errors.

Every provider error becomes a SendError that says whether to try again (429, 5xx, timeouts,
connection errors) and after how long the provider asked for, or to give up (other 4xx), and
whether the resident has opted out at the provider (Twilio 21610, a blocked Telegram bot).
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot import settings
from bot.outbound.clients import RebasedTwilioHttpClient, telegram_bot, twilio_client
from bot.outbound.render import button_label, render_telegram, render_text

UNSUBSCRIBED = 21610  # Twilio: the recipient replied STOP to this sender
WHATSAPP_WINDOW = timedelta(hours=24)
FIND_LIMIT = 20  # recent messages to one address looked through by find_sent
STATUS_PATH = "/webhooks/twilio_sms/status"


class SendError(Exception):
    """A send that did not happen. `reason` is for the outbox row: never put an address in."""

    retryable = False

    def __init__(self, reason: str, *, retry_after: float | None = None,
                 opted_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.retry_after, self.opted_out = reason, retry_after, opted_out


class RetryableError(SendError):
    """Try again later: rate limited, provider trouble, no answer in time."""

    retryable = True


class PermanentError(SendError):
    """Trying again would fail the same way."""


@dataclass(frozen=True)
class Outgoing:
    """One message, ready for a provider: the decrypted address lives only here."""

    address: str
    body: str
    buttons: Sequence[Any] | None = None
    template: str | None = None
    last_inbound_at: datetime | None = None  # naive UTC, the resident's last message here
    now: datetime | None = None


class ProviderSender(Protocol):
    channel: str
    no_address: str  # why a resident missing from the vault cannot be sent to

    async def send(self, message: Outgoing) -> str:
        """Send; return the provider's message id or raise SendError."""

    async def close(self) -> None: ...


class TwilioSender:
    """Shared by SMS and WhatsApp: the twilio client is synchronous, so it runs in a thread."""

    channel = ""
    no_address = "no address in the contact vault (erased, or never known)"

    def __init__(self, client: Client, status_callback: str | None = None) -> None:
        self.client, self.status_callback = client, status_callback

    def arguments(self, message: Outgoing) -> dict[str, Any]:
        raise NotImplementedError

    async def send(self, message: Outgoing) -> str:
        arguments = self.arguments(message)
        if self.status_callback:
            arguments["status_callback"] = self.status_callback
        return await asyncio.to_thread(self._create, arguments)

    async def find_sent(self, message: Outgoing, since: datetime) -> list[str]:
        """Ids of messages to this address with this text that Twilio made since `since`
        (naive UTC), newest first: how a sender that took over a dead one's row tells
        whether it went. Template messages are never matched (their text is Twilio's)."""
        arguments = self.arguments(message)
        if "body" not in arguments:
            return []
        return await asyncio.to_thread(self._find, arguments, since)

    def _find(self, arguments: dict[str, Any], since: datetime) -> list[str]:
        since = since.replace(tzinfo=timezone.utc)
        query = {"to": arguments["to"], "limit": FIND_LIMIT}
        if arguments.get("from_"):
            query["from_"] = arguments["from_"]
        try:
            found = self.client.messages.list(**query)
        except TwilioRestException as error:
            raise self._classify(error) from None
        return [m.sid for m in found if m.body == arguments["body"] and
                m.date_created is not None and m.date_created >= since]

    def _create(self, arguments: dict[str, Any]) -> str:
        try:
            return self.client.messages.create(**arguments).sid
        except TwilioRestException as error:
            raise self._classify(error) from None
        except requests.exceptions.Timeout:
            raise RetryableError("Twilio did not answer in time") from None
        except requests.exceptions.ConnectionError as error:
            raise RetryableError(f"could not reach Twilio ({type(error).__name__})") from None

    def _classify(self, error: TwilioRestException) -> SendError:
        reason = f"Twilio {error.status} (code {error.code}): {error.msg}"
        if error.status == 429:
            return RetryableError(reason, retry_after=self._retry_after())
        if error.status >= 500:
            return RetryableError(reason)
        return PermanentError(reason, opted_out=error.code == UNSUBSCRIBED)

    def _retry_after(self) -> float | None:
        http = self.client.http_client
        response = http.last_response() if isinstance(http, RebasedTwilioHttpClient) else None
        return parse_retry_after(response.headers.get("Retry-After")) if response else None

    async def close(self) -> None:
        session = getattr(self.client.http_client, "session", None)
        if session is not None:
            session.close()


class SmsSender(TwilioSender):
    channel = "twilio_sms"

    def __init__(self, client: Client, from_: str | None = None,
                 messaging_service_sid: str | None = None,
                 status_callback: str | None = None) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("SMS needs TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID")
        super().__init__(client, status_callback)
        self.from_, self.messaging_service_sid = from_, messaging_service_sid

    def arguments(self, message: Outgoing) -> dict[str, Any]:
        arguments: dict[str, Any] = {"to": message.address, "body": render_text(message.body)}
        if self.messaging_service_sid:
            arguments["messaging_service_sid"] = self.messaging_service_sid
        if self.from_:
            arguments["from_"] = self.from_
        return arguments


class WhatsAppSender(TwilioSender):
    """Free-form text only within 24 hours of the resident's last message (WhatsApp's rule).
    A row with a template (an approved Twilio Content template, ContentSid) is always sent as
    that template, inside the window or out: {{1}} is the question, {{2}}.. the button labels."""

    channel = "twilio_whatsapp"

    def __init__(self, client: Client, from_: str, status_callback: str | None = None) -> None:
        super().__init__(client, status_callback)
        self.from_ = whatsapp_address(from_)

    def arguments(self, message: Outgoing) -> dict[str, Any]:
        arguments: dict[str, Any] = {"to": whatsapp_address(message.address),
                                     "from_": self.from_}
        if message.template:
            arguments["content_sid"] = message.template
            arguments["content_variables"] = json.dumps(
                content_variables(message.body, message.buttons), ensure_ascii=False)
        elif window_open(message.last_inbound_at, message.now):
            arguments["body"] = render_text(message.body)
        else:
            raise PermanentError(
                "WhatsApp allows free-form messages only within 24 hours of the resident's "
                "last message, and this one has no approved template (ContentSid)")
        return arguments


def content_variables(body: str, buttons: Sequence[Any] | None) -> dict[str, str]:
    """{"1": the question, "2": first label, ...}: the question is the body without the
    numbered option lines at its end (the buttons show them), on one line."""
    labels = [button_label(button) for button in buttons or []]
    lines = render_text(body).split("\n")
    same = [" ".join(render_text(text).split()) for text in labels]
    if labels and len(lines) > len(labels) and \
            [" ".join(line.split()) for line in lines[-len(labels):]] == same:
        lines = lines[:-len(labels)]
    # WhatsApp refuses a template variable with a line break or a tab in it
    variables = {"1": " ".join(" ".join(line.split()) for line in lines if line.strip())}
    variables.update({str(number): label for number, label in enumerate(labels, start=2)})
    return variables


class TelegramSender:
    """python-telegram-bot's Bot; a chat can only be messaged once its person started the bot."""

    channel = "telegram"
    no_address = ("not in the contact vault: Telegram only lets a bot message people who have "
                  "started it")

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> str:
        rendered = render_telegram(message.body, message.buttons)
        try:
            sent = await self.bot.send_message(chat_id(message.address), rendered.text,
                                               reply_markup=rendered.reply_markup)
        except RetryAfter as error:
            raise RetryableError(f"Telegram: {error.message}",
                                 retry_after=retry_after_seconds(error)) from None
        except TimedOut:
            raise RetryableError("Telegram did not answer in time") from None
        except Forbidden as error:  # blocked by the user, or the account is gone
            raise PermanentError(f"Telegram: {error.message}", opted_out=True) from None
        except (BadRequest, InvalidToken, ChatMigrated, Conflict) as error:
            raise PermanentError(f"Telegram: {error.message}") from None
        except (NetworkError, TelegramError) as error:
            raise RetryableError(f"Telegram: {error.message}") from None
        return str(sent.message_id)

    async def close(self) -> None:
        await self.bot.request.shutdown()


def whatsapp_address(address: str) -> str:
    return address if address.startswith("whatsapp:") else f"whatsapp:{address}"


def chat_id(address: str) -> int | str:
    return int(address) if address.lstrip("-").isdigit() else address


def window_open(last_inbound_at: datetime | None, now: datetime | None) -> bool:
    if last_inbound_at is None:
        return False
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    return now - last_inbound_at < WHATSAPP_WINDOW


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB 22 gives seconds or a timedelta (and warns that it will be a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is seconds, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def status_callback_url(env: Mapping[str, str]) -> str | None:
    """Where Twilio reports delivery: ENGAGE_PUBLIC_URL + /webhooks/twilio_sms/status."""
    public = (env.get("ENGAGE_PUBLIC_URL") or "").rstrip("/")
    return public + STATUS_PATH if public else None


CHANNEL_WORDS = {"twilio_sms": "SMS", "twilio_whatsapp": "WhatsApp", "telegram": "Telegram"}
# What each channel's sender needs from the environment: every group must have one setting set.
CHANNEL_SETTINGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "twilio_sms": (("TWILIO_ACCOUNT_SID",), ("TWILIO_AUTH_TOKEN",),
                   ("TWILIO_SMS_FROM", "TWILIO_MESSAGING_SERVICE_SID")),
    "twilio_whatsapp": (("TWILIO_ACCOUNT_SID",), ("TWILIO_AUTH_TOKEN",),
                        ("TWILIO_WHATSAPP_FROM",)),
    "telegram": (("TELEGRAM_BOT_TOKEN",),),
}


def missing_settings(channel: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The settings this channel's sender lacks in `env` (default: this process's), in staff
    words ("TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID"); [] when it can send. The one
    test build_providers uses, so a launch (another process) can tell whether the bot could
    send on a channel, given the same settings."""
    env = settings.environ() if env is None else env
    return [" or ".join(names) for names in CHANNEL_SETTINGS.get(channel, ())
            if not any(env.get(name) for name in names)]


def not_set_up(channel: str, missing: Sequence[str]) -> str:
    """"SMS is not set up: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set"."""
    names = list(missing)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is" if len(names) == 1 else "are"
    return f"{CHANNEL_WORDS.get(channel, channel)} is not set up: {listed} {verb} not set"


def build_providers(env: Mapping[str, str] | None = None) -> dict[str, ProviderSender]:
    """A sender for every channel the environment configures, keyed by channel."""
    env = settings.environ() if env is None else env
    providers: dict[str, ProviderSender] = {}
    callback = status_callback_url(env)
    sendable = {channel for channel in CHANNEL_SETTINGS if not missing_settings(channel, env)}
    if sendable & {"twilio_sms", "twilio_whatsapp"}:
        client = twilio_client(env)
        if "twilio_sms" in sendable:
            providers["twilio_sms"] = SmsSender(client, env.get("TWILIO_SMS_FROM"),
                                                env.get("TWILIO_MESSAGING_SERVICE_SID"),
                                                callback)
        if "twilio_whatsapp" in sendable:
            providers["twilio_whatsapp"] = WhatsAppSender(client, env["TWILIO_WHATSAPP_FROM"],
                                                          callback)
    if "telegram" in sendable:
        providers["telegram"] = TelegramSender(telegram_bot(env))
    return providers
