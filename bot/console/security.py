"""The console's protections that sit below the pages: security headers on every response,
a limit on request bodies, an access log without query strings, cookies, tokens and safe
redirect targets."""

from __future__ import annotations

import hmac
import logging
import re
import time
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_logger = logging.getLogger("bot.console.access")
error_logger = logging.getLogger("bot.console.errors")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "x-robots-tag": "noindex, nofollow",
}
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


class BodyTooLarge(Exception):
    """A request body went past the console's limit while it was being read."""


def cookie_name(base: str, secure: bool) -> str:
    # __Host- cookies are only accepted over https, for this host alone, path /.
    return f"__Host-{base}" if secure else base


def set_cookie(response: Response, name: str, value: str, secure: bool) -> None:
    response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite="lax")


def clear_cookie(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


def looks_like_token(value: str | None) -> bool:
    return bool(value) and bool(TOKEN_SHAPE.match(value))


def same_token(given: Any, expected: str) -> bool:
    """Constant-time comparison; anything but a non-empty string matches nothing."""
    if not isinstance(given, str) or not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())


def check_urlencoded(body: bytes) -> None:
    """Raise ValueError unless a form body is ASCII whose %-escapes decode as UTF-8. (Starlette
    would read other bytes as Latin-1 and bad escapes as U+FFFD: a changed value, silently.)"""
    parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict",
              max_num_fields=1000)


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target that stays on this site: a path starting with a single `/`, with no
    scheme, host, backslash or control character (so no header injection either)."""
    value = target or ""
    if (not value.startswith("/") or value.startswith("//") or "\\" in value
            or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value) or len(value) > 512):
        return default
    return value


class SecurityHeaders:
    """Adds the headers to every response, error pages and static files included; pages
    (not static files) are never cached, since they may show personal data."""

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if self.secure:
                    headers["strict-transport-security"] = "max-age=31536000"
                if not scope["path"].startswith("/static/"):
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses bodies over the limit: at once when Content-Length says so, else while reading
    (raising BodyTooLarge into whatever reads the body: the pages answer 413)."""

    def __init__(self, app: ASGIApp, limit: int, refuse: Callable[[Scope, int], Response]) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await self.refuse(scope, 400)(scope, receive, send)
                return
            if int(declared) > self.limit:
                await self.refuse(scope, 413)(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        await self.app(scope, limited, send)


class AccessLog:
    """One line per request: method, path (never the query string, which could hold what a
    form sent), status and time. An unexpected error is logged by type and place only: its
    message could quote data (an SQL parameter, an address)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        except Exception as error:  # noqa: BLE001 - the 500 page has been sent already
            frames = "".join(traceback.format_tb(error.__traceback__))
            error_logger.error("Unexpected %s on %s %s; where:\n%s", type(error).__name__,
                               scope["method"], scope["path"], frames)
            if not status:
                await Response("Something went wrong.", status_code=500)(scope, receive, send)
                status = 500
        access_logger.info("%s %s %s %.0fms", scope["method"], scope["path"], status,
                           (time.monotonic() - started) * 1000)
