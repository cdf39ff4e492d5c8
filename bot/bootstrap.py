"""What a process builds once and every part of it shares: the session factory on the
configured database, and the long-lived services (the conversation service, the inbox
processor). Front ends (the CLI, the console, Rasa's channels, the action server, the worker)
ask here instead of building their own.

Tests that point a process at another database change ENGAGE_DATABASE_URL: `sessions()`
follows it (one factory per URL), and `reset()` forgets the long-lived services.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker

from bot import config
from bot.store.db import session_factory

if TYPE_CHECKING:
    from bot.channels.inbox import InboxProcessor
    from bot.conversation import ConversationService


@lru_cache(maxsize=8)
def _sessions_for(url: str) -> sessionmaker:
    return session_factory(url)


def sessions(url: str | None = None) -> sessionmaker:
    """The session factory on `url`, default the configured database (ENGAGE_DATABASE_URL)."""
    return _sessions_for(url or config.database_url())


_services: dict[str, object] = {}


def conversation_service() -> ConversationService:
    """The action server's conversation service, on the configured database."""
    from bot.conversation import ConversationService

    return _shared("conversation", lambda: ConversationService(sessions()))


def inbox_processor() -> InboxProcessor:
    """The Rasa process's inbox processor (one per process: the channels share it)."""
    from bot.channels.inbox import InboxProcessor

    return _shared("inbox", lambda: InboxProcessor.from_env(sessions()))


def _shared(name: str, build):
    key = f"{name}:{config.database_url()}"
    if key not in _services:
        _services[key] = build()
    return _services[key]


def reset() -> None:
    """Forget every long-lived object (tests that start afresh)."""
    _services.clear()
    _sessions_for.cache_clear()
