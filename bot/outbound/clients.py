"""The provider clients, built from the environment, pointable at fakes.

twilio 8.2.2 hard-codes https://api.twilio.com in each domain; a custom HTTP client rewrites the
host of every request instead (ENGAGE_TWILIO_API_BASE), which covers every domain at once. It
also keeps each thread's last response: TwilioRestException drops the headers, and a 429's
Retry-After is worth honouring. python-telegram-bot takes `base_url` directly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from telegram import Bot
from telegram.request import HTTPXRequest
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot import settings

TWILIO_API_BASE = "https://api.twilio.com"
TELEGRAM_API_BASE = "https://api.telegram.org"
DEFAULT_TIMEOUT = 10.0  # seconds: long enough for a slow provider, short enough to retry soon
POOL_SIZE = 32  # connections kept per provider host: the sender serves 16 residents at once


def send_timeout(env: Mapping[str, str] | None = None) -> float:
    """ENGAGE_SEND_TIMEOUT: how long one provider request may take (seconds)."""
    env = settings.environ() if env is None else env
    return float(env.get("ENGAGE_SEND_TIMEOUT") or DEFAULT_TIMEOUT)


class RebasedTwilioHttpClient(TwilioHttpClient):
    """Sends requests for *.twilio.com to `base` (when given) and remembers each thread's
    last response."""

    def __init__(self, base: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, HTTPAdapter(pool_maxsize=POOL_SIZE))
        self.base = base.rstrip("/") if base else None
        self._local = threading.local()

    def rebase(self, url: str) -> str:
        if not self.base:
            return url
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith("twilio.com"):
            return url
        base = urlsplit(self.base)
        return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path,
                           parts.query, parts.fragment))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        self._local.response = None
        response = super().request(method, self.rebase(url), *args, **kwargs)
        self._local.response = response
        return response

    def last_response(self) -> Response | None:
        """The response to this thread's most recent request (None if it raised)."""
        return getattr(self._local, "response", None)


def twilio_client(env: Mapping[str, str] | None = None) -> Client:
    """Client for TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN at ENGAGE_TWILIO_API_BASE.

    Synchronous (requests): call it from a thread, never on the event loop.
    """
    env = settings.environ() if env is None else env
    base = env.get("ENGAGE_TWILIO_API_BASE") or TWILIO_API_BASE
    http = RebasedTwilioHttpClient(None if base == TWILIO_API_BASE else base, send_timeout(env))
    return Client(env.get("TWILIO_ACCOUNT_SID"), env.get("TWILIO_AUTH_TOKEN"),
                  http_client=http, environment=dict(env))


def telegram_bot(env: Mapping[str, str] | None = None) -> Bot:
    """Bot for TELEGRAM_BOT_TOKEN at ENGAGE_TELEGRAM_API_BASE, with the send timeout."""
    env = settings.environ() if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = (env.get("ENGAGE_TELEGRAM_API_BASE") or TELEGRAM_API_BASE).rstrip("/")
    timeout = send_timeout(env)
    _quiet_httpx()
    request = HTTPXRequest(connection_pool_size=POOL_SIZE, read_timeout=timeout, write_timeout=timeout,
                           connect_timeout=min(timeout, 5.0), pool_timeout=timeout)
    return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)


def _quiet_httpx() -> None:
    """httpx logs every request URL at INFO, and a Bot API URL contains the bot token. Unless
    someone chose a level for it, keep httpx to warnings."""
    httpx_logger = logging.getLogger("httpx")
    if httpx_logger.level == logging.NOTSET:
        httpx_logger.setLevel(logging.WARNING)
