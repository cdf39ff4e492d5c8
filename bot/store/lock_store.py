"""Rasa's lock store, chosen by the environment: `ENGAGE_LOCK_STORE_URL=redis://host:6379/1`
gives Rasa's own RedisLockStore (several Rasa replicas share conversation locks), nothing
gives its InMemoryLockStore (one Rasa process, the local default).

endpoints.yml names this class (`lock_store: type: bot.store.lock_store.LockStoreFromEnv`), so
one endpoints file serves every set-up. Rasa builds a custom lock store by calling the class
with `endpoint_config=`; `__new__` hands back Rasa's own store, nothing of ours runs after.

Rasa 3.6's RedisLockStore issues tickets with a read-modify-write (RasaHQ/rasa#9213): two
processes taking a ticket for the same conversation at the same moment can both think they
are first. Within one process it cannot happen (the read and the write run without an await
between them), so the load balancer sends each resident to one replica, and the inbox's
per-resident claim keeps provider messages in order whatever replica got them
(docs/deploy.md, "Order per resident").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot import settings

URL_ENV = "ENGAGE_LOCK_STORE_URL"
DEFAULT_DB = 1  # Rasa's own default database for locks
KEY_PREFIX_ENV = "ENGAGE_LOCK_STORE_PREFIX"  # alphanumeric: two set-ups on one Redis


class LockStoreUrlError(ValueError):
    pass


def redis_settings(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments from `redis://[user:password@]host[:port][/db]`
    (`rediss://` for TLS)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise LockStoreUrlError(f"{URL_ENV} must look like redis://host:6379/1 (it is "
                                f"'{parsed.scheme or url}:...')")
    path = parsed.path.strip("/")
    if path and not path.isdigit():
        raise LockStoreUrlError(f"{URL_ENV}: the database after the host must be a number "
                                f"(it is '{path}')")
    return {"host": parsed.hostname, "port": parsed.port or 6379,
            "db": int(path) if path else DEFAULT_DB,
            "username": unquote(parsed.username) if parsed.username else None,
            "password": unquote(parsed.password) if parsed.password else None,
            "use_ssl": parsed.scheme == "rediss"}


def lock_store_from_env(env: dict[str, str] | None = None) -> LockStore:
    env = settings.environ() if env is None else env  # type: ignore[assignment]
    url = (env.get(URL_ENV) or "").strip()
    if not url:
        return InMemoryLockStore()
    return RedisLockStore(**redis_settings(url), key_prefix=env.get(KEY_PREFIX_ENV) or None)


class LockStoreFromEnv(LockStore):
    """Named in endpoints.yml; constructing it returns Rasa's own store (see the module)."""

    def __new__(cls, endpoint_config: Any = None, **_: Any) -> LockStore:  # type: ignore[misc]
        return lock_store_from_env()
