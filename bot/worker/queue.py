"""The task queue: huey, on Redis in production and on a SQLite file for local use.

ENGAGE_QUEUE_URL=redis://... gives RedisHuey; otherwise SqliteHuey at ENGAGE_QUEUE_PATH
(default var/queue.db under the repository). ENGAGE_QUEUE_NAME (default "engage") keeps
two set-ups (or a test) on one Redis apart. Both the launch command (which enqueues) and the
worker (which consumes) build the same instance from the same environment. Task results are
not kept: every outcome is recorded in the database, and Redis would only fill up.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from bot import settings
from bot.config import VAR_DIR

NAME = "engage"


def queue_path(env: Mapping[str, str] | None = None) -> Path:
    env = settings.environ() if env is None else env
    return Path(env.get("ENGAGE_QUEUE_PATH") or VAR_DIR / "queue.db")


def describe(env: Mapping[str, str] | None = None) -> str:
    """Where the queue is, for logs: the Redis URL without its password, or the file."""
    env = settings.environ() if env is None else env
    url = env.get("ENGAGE_QUEUE_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"
    return str(queue_path(env))


def make_huey(env: Mapping[str, str] | None = None) -> Huey:
    """A huey instance for `env` (default: the process's environment)."""
    env = settings.environ() if env is None else env
    name = env.get("ENGAGE_QUEUE_NAME") or NAME
    url = env.get("ENGAGE_QUEUE_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url:
        raise ValueError(f"ENGAGE_QUEUE_URL must be a redis:// URL, not {url.split(':')[0]}:...")
    path = queue_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


huey = make_huey()
