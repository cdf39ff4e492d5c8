"""Launch tests run on a fresh SQLite file, and where they say so on PostgreSQL too."""

from __future__ import annotations

import pytest
from launch_helpers import SECRET
from sqlalchemy.orm import sessionmaker

from bot.store.db import session_factory


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker:
    return session_factory(sqlite_url)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path, sqlite_url: str) -> str:
    """The staff command's settings: this database, the secret, a named actor."""
    monkeypatch.setenv("ENGAGE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", SECRET)
    monkeypatch.setenv("ENGAGE_SECRET_KEY_FILE", str(tmp_path / "no-such.key"))
    monkeypatch.setenv("ENGAGE_ACTOR", "sam")
    for name in ("ENGAGE_PRICE_SMS", "ENGAGE_PRICE_WHATSAPP", "ENGAGE_PRICE_CURRENCY",
                 "ENGAGE_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    return sqlite_url


@pytest.fixture(autouse=True)
def no_real_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """A launch test never reaches the worker's real queue (var/queue.db): tests that enqueue
    replace this with their own stand-in."""
    from bot import launch

    def refuse(invitation_id: int, due_at: object) -> None:
        raise AssertionError(f"a test enqueued invitation {invitation_id} on the real queue")

    monkeypatch.setattr(launch, "default_enqueue", refuse)
