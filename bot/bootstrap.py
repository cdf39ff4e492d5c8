"""What a process builds once and every part of it shares: the session factory on the
configured database, the secret key, and the long-lived objects (the conversation service,
the inbox processor, the pseudonym memo). Front ends (the CLI, the console, Rasa's channels,
the action server, the worker) and the modules they start ask here instead of building
their own on every call.

Everything is keyed by the settings it was built from (the database URL, the key), so a test
that points the process at another database, or sets another key, gets fresh objects without
clearing any cache; `reset()` forgets them all at once when a test wants that.

This module imports only the settings and the database layer, so anything may use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy.orm import sessionmaker

from bot import config, settings
from bot.store.db import session_factory

T = TypeVar("T")


@lru_cache(maxsize=8)
def _sessions_for(url: str) -> sessionmaker:
    return session_factory(url)


def sessions(url: str | None = None) -> sessionmaker:
    """The session factory on `url`, default the configured database (ENGAGE_DATABASE_URL):
    one per database per process."""
    return _sessions_for(url or config.database_url())


@lru_cache(maxsize=4)
def _secret_for(from_environment: str | None, key_file: str) -> str:
    return config.load().require_secret()


def secret() -> str:
    """The secret key (ENGAGE_SECRET_KEY, else the local key file), read once; MissingSecret
    says what to do when there is none."""
    return _secret_for(settings.value("ENGAGE_SECRET_KEY"), str(config.key_file()))


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_shared: dict[tuple[str, str, str], Any] = {}


def shared(kind: str, build: Callable[[], T], *, with_secret: bool = False) -> T:
    """The process's one `kind` object (built by `build` the first time) for the configured
    database, and for the key too when `with_secret`."""
    key = (kind, config.database_url(), _fingerprint(secret()) if with_secret else "")
    if key not in _shared:
        _shared[key] = build()
    return _shared[key]


def each(kind: str) -> Iterator[Any]:
    """Every `kind` object built so far (e.g. to forget an erased pseudonym in all)."""
    return iter([value for (name, _, _), value in list(_shared.items()) if name == kind])


def reset() -> None:
    """Forget every long-lived object and factory."""
    _shared.clear()
    _sessions_for.cache_clear()
    _secret_for.cache_clear()
