"""Is this webhook really from the provider? Checked before anything is parsed into the store.

Twilio signs the URL it called (the bot's public URL, not the one behind the proxy) and the
form fields with the account's auth token; Telegram repeats the secret given to setWebhook.
A channel without its secret refuses every request: failing closed is the safe default.
Checks can be switched off only by ENGAGE_INSECURE_SKIP_SIGNATURES=1, and then say so loudly.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sanic.request import Request
from twilio.request_validator import RequestValidator

from bot import settings

logger = logging.getLogger(__name__)

SKIP_ENV = "ENGAGE_INSECURE_SKIP_SIGNATURES"
PUBLIC_URL_ENV = "ENGAGE_PUBLIC_URL"
TWILIO_HEADER = "X-Twilio-Signature"
TELEGRAM_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def skipping() -> bool:
    return (settings.value(SKIP_ENV) or "").strip() == "1"


def _warn_skipping(channel: str) -> None:
    logger.warning("%s: webhook signature NOT checked (%s=1): anyone can post as a resident. "
                   "Never run like this on the internet.", channel, SKIP_ENV)


def public_url(request: Request, base: str) -> str:
    """The URL the provider called: `base` (ENGAGE_PUBLIC_URL, which may carry a path prefix)
    + this request's path and query. Behind a proxy, what the bot saw would be wrong."""
    query = f"?{request.query_string}" if request.query_string else ""
    return base.rstrip("/") + request.path + query


@dataclass(frozen=True)
class TwilioVerifier:
    channel: str
    auth_token: str | None
    base_url: str | None

    def announce(self) -> None:
        """Say once, at start-up, how this channel's webhooks will be checked."""
        if skipping():
            _warn_skipping(self.channel)
            return
        if not self.auth_token and not self.base_url:  # not set up: normal for local use
            logger.info("%s: not configured (docs/channels.md); its webhooks answer 403.",
                        self.channel)
            return
        if not self.auth_token:
            logger.error("%s: no Twilio auth token (TWILIO_AUTH_TOKEN): every webhook will be "
                         "refused with 403.", self.channel)
        if not self.base_url:
            logger.error("%s: no public URL (%s), which Twilio's signature covers: every "
                         "webhook will be refused with 403.", self.channel, PUBLIC_URL_ENV)

    def verify(self, request: Request, params: Mapping[str, list[str]]) -> bool:
        if skipping():
            _warn_skipping(self.channel)
            return True
        signature = request.headers.get(TWILIO_HEADER)
        if not self.auth_token or not self.base_url or not signature:
            return False
        url = public_url(request, self.base_url)
        return RequestValidator(self.auth_token).validate(url, _MultiParams(params), signature)

    def has_signature(self, request: Request) -> bool:
        return skipping() or bool(request.headers.get(TWILIO_HEADER))


class _MultiParams(dict):
    """Form fields with every value, as Twilio's validator reads them (`getlist`)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


@dataclass(frozen=True)
class TelegramVerifier:
    channel: str
    secret_token: str | None

    def announce(self) -> None:
        if skipping():
            _warn_skipping(self.channel)
        elif not self.secret_token and not settings.value("TELEGRAM_BOT_TOKEN"):
            logger.info("%s: not configured (docs/channels.md); its webhooks answer 403.",
                        self.channel)
        elif not self.secret_token:
            logger.error("%s: no webhook secret (TELEGRAM_WEBHOOK_SECRET): every webhook will "
                         "be refused with 403.", self.channel)

    def verify(self, request: Request) -> bool:
        if skipping():
            _warn_skipping(self.channel)
            return True
        given = request.headers.get(TELEGRAM_HEADER)
        if not self.secret_token or given is None:
            return False
        return hmac.compare_digest(given.encode(), self.secret_token.encode())
