"""A fake Telegram Bot API on 127.0.0.1, for python-telegram-bot's real `Bot`.

Serves `/bot<token>/<method>` for the methods the bot uses, with results shaped as the Bot API
shapes them, so PTB parses them into its own objects. Tests script failures (`fail_next`), block
a chat, and push updates to the webhook the bot registered (`deliver`).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

import aiohttp
from aiohttp import web

from .server import FailurePlan, RecordedRequest, ThreadedServer
from .signing import TELEGRAM_SECRET_HEADER

TEST_BOT_TOKEN = "123456789:TEST-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
BLOCKED = "Forbidden: bot was blocked by the user"
ERRORS = {
    400: "Bad Request: chat not found",
    403: BLOCKED,
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# Parameters PTB sends JSON-encoded inside a form body.
JSON_FIELDS = {"reply_markup", "entities", "link_preview_options", "reply_parameters",
               "allowed_updates", "caption_entities"}


class FakeTelegram(ThreadedServer):
    """`with FakeTelegram() as fake:` then Bot(fake.token, base_url=fake.base_url)."""

    def __init__(self, token: str = TEST_BOT_TOKEN, username: str = "engage_test_bot") -> None:
        super().__init__()
        self.token, self.username = token, username
        self.bot_id = int(token.split(":", 1)[0])
        self.failures = FailurePlan()
        self.sent: list[dict[str, Any]] = []  # the Message results of accepted sendMessage calls
        self.blocked: set[str] = set()
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, Any]] = []
        self.deliveries: list[tuple[int, int, str]] = []  # (update_id, status, body)
        self._message_ids = itertools.count(1)
        self._deliver_lock = threading.Lock()
        self.route("POST", "/bot{token}/{method}", self._call)
        self.route("GET", "/bot{token}/{method}", self._call)

    @property
    def base_url(self) -> str:
        """For Bot(base_url=...): PTB appends the token to it."""
        return f"{self.url}/bot"

    def env(self) -> dict[str, str]:
        """The environment that points bot.outbound.clients at this fake."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "ENGAGE_TELEGRAM_API_BASE": self.url}

    def fail_next(self, failure: int | str, times: int = 1, *, description: str | None = None,
                  retry_after: int = 1, hold: float = 5.0) -> None:
        """Answer the next `times` calls with an error: 429 (with parameters.retry_after),
        500, 403 (blocked), any other status, or "timeout" (hold `hold` seconds, then 504)."""
        if failure != "timeout" and not isinstance(failure, int):
            raise ValueError(f"unknown failure {failure!r}")
        text = description or ERRORS.get(failure, "Gateway Timeout" if failure == "timeout"
                                         else "Error")
        self.failures.add({"failure": failure, "description": text.format(retry_after=retry_after),
                           "retry_after": retry_after, "hold": hold}, times)

    def block(self, chat_id: int | str) -> None:
        """The resident blocked the bot: every send to this chat is 403 from now on."""
        self.blocked.add(str(chat_id))

    def calls(self, method: str) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.extra.get("method") == method]

    async def _call(self, request: web.Request) -> web.Response:
        params = await self._params(request)
        method = request.match_info["method"]
        entry = self.record(request, params, method=method)
        response = await self._answer(request, method, params)
        entry.status = response.status
        return response

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        params: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if not isinstance(value, str):
                continue
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        params.update({k: v for k, v in request.query.items() if k not in params})
        return params

    async def _answer(self, request: web.Request, method: str,
                      params: dict[str, Any]) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        handler = {"sendMessage": self._send_message, "getMe": self._get_me,
                   "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
                   "getWebhookInfo": self._webhook_info,
                   "setMyCommands": self._set_my_commands}.get(method)
        if handler is None:
            return self._error(404, "Not Found")
        failure = self.failures.take()
        if failure is not None:
            return await self._fail(failure)
        return handler(params)

    def _send_message(self, params: dict[str, Any]) -> web.Response:
        chat_id, text = params.get("chat_id"), params.get("text")
        if chat_id in (None, ""):
            return self._error(400, "Bad Request: chat_id is empty")
        if not text:
            return self._error(400, "Bad Request: message text is empty")
        if len(str(text)) > 4096:
            return self._error(400, "Bad Request: message is too long")
        if str(chat_id) in self.blocked:
            return self._error(403, BLOCKED)
        chat = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
        message = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Resident"},
            "from": self._me(), "text": text,
        }
        with self.lock:
            self.sent.append({**message, "reply_markup": params.get("reply_markup")})
        return self._ok(message)

    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Engage",
                "username": self.username}

    def _get_me(self, _params: dict[str, Any]) -> web.Response:
        return self._ok({**self._me(), "can_join_groups": False,
                         "can_read_all_group_messages": False, "supports_inline_queries": False,
                         "can_connect_to_business": False, "has_main_web_app": False})

    def _set_webhook(self, params: dict[str, Any]) -> web.Response:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            return self._error(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = dict(params)
        return self._ok(True, description="Webhook was set")

    def _set_my_commands(self, params: dict[str, Any]) -> web.Response:
        commands = params.get("commands")
        self.commands = json.loads(commands) if isinstance(commands, str) else commands
        return self._ok(True)

    def _delete_webhook(self, _params: dict[str, Any]) -> web.Response:
        self.webhook = {}
        return self._ok(True, description="Webhook was deleted")

    def _webhook_info(self, _params: dict[str, Any]) -> web.Response:
        info: dict[str, Any] = {"url": self.webhook.get("url", ""),
                                "has_custom_certificate": False, "pending_update_count": 0}
        if "allowed_updates" in self.webhook:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        if "max_connections" in self.webhook:
            info["max_connections"] = int(self.webhook["max_connections"])
        return self._ok(info)

    async def _fail(self, failure: dict[str, Any]) -> web.Response:
        if failure["failure"] == "timeout":
            await self.hold(failure["hold"])
            return self._error(504, failure["description"])
        status = failure["failure"]
        parameters = {"retry_after": failure["retry_after"]} if status == 429 else None
        return self._error(status, failure["description"], parameters)

    @staticmethod
    def _ok(result: Any, description: str | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return web.json_response(body)

    @staticmethod
    def _error(status: int, description: str,
               parameters: dict[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    # Telegram's side of the webhook.

    def deliver(self, update: dict[str, Any], url: str | None = None,
                secret_token: str | None = None) -> tuple[int, str]:
        """POST an update to the registered webhook (or `url`) with its secret token; wait.

        From async code whose loop serves that URL, use `adeliver` instead.
        """
        return self.call(self._post_update(update, url, secret_token))

    async def adeliver(self, update: dict[str, Any], url: str | None = None,
                       secret_token: str | None = None) -> tuple[int, str]:
        return await self.acall(self._post_update(update, url, secret_token))

    async def _post_update(self, update: dict[str, Any], url: str | None,
                           secret_token: str | None) -> tuple[int, str]:
        target = url or self.webhook.get("url")
        if not target:
            raise ValueError("no webhook is set and no url was given")
        headers = {"Content-Type": "application/json"}
        secret = secret_token if secret_token is not None else self.webhook.get("secret_token")
        if secret:
            headers[TELEGRAM_SECRET_HEADER] = secret
        async with aiohttp.ClientSession() as session, \
                session.post(target, data=json.dumps(update), headers=headers) as reply:
            result = (reply.status, await reply.text())
        with self._deliver_lock:
            self.deliveries.append((update.get("update_id", 0), *result))
        return result
