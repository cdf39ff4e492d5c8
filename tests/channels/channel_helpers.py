"""Serve input channels the way Rasa does (rasa.core.channels.channel.register on a Sanic app),
on 127.0.0.1 in a background thread, with a stand-in for Rasa's agent.

The stand-in plays the action's part only as far as the inbox contract goes: it marks the
inbox row processed (or not, to test retries). The whole stack, with the real action, is in
test_channel_stack.py.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic
from sqlalchemy.orm import sessionmaker

from bot.stack import free_port
from bot.store.db import transaction
from bot.store.models import Contact, InboxMessage, utcnow

Sanic.test_mode = True  # many apps in one process
PUBLIC_URL = "https://bot.example.org"
TELEGRAM_SECRET = "telegram-webhook-secret-for-tests"


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class FakeRasa:
    """Records each UserMessage; by default applies it the way the action does, and records
    the turn the way our tracker store does."""

    factory: sessionmaker
    apply: bool = True
    messages: list[UserMessage] = field(default_factory=list)
    before: Callable[[UserMessage], Awaitable[None]] | None = None

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.before:
            await self.before(message)
        if self.apply:
            with transaction(self.factory) as session:
                session.query(InboxMessage).filter_by(id=message.metadata["inbox_id"]).update(
                    {"status": "processed", "processed_at": utcnow(),
                     "tracked_at": utcnow()})  # the action's commit, then the tracker store's


class Served:
    def __init__(self, channels: list[InputChannel], agent: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.app = Sanic(f"channels_test_{uuid.uuid4().hex[:8]}")
        self.app.config.ACCESS_LOG = False
        self.app.ctx.agent = agent
        register(channels, self.app, route="/webhooks/")
        self.port = free_port()
        self.server = self.run(self._start())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _start(self):
        server = await self.app.create_server(host="127.0.0.1", port=self.port,
                                              return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        return server

    async def _stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        """Run a coroutine on the server's event loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(self.base_url + path, data=body, method="POST",
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Reply(answer.status, answer.read(), answer.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), error.headers.get("Content-Type", ""))

    def close(self) -> None:
        try:
            self.run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def inbox_rows(factory: sessionmaker) -> list[InboxMessage]:
    with transaction(factory) as session:
        return session.query(InboxMessage).order_by(InboxMessage.id).all()


def contacts(factory: sessionmaker) -> list[Contact]:
    with transaction(factory) as session:
        return session.query(Contact).all()
