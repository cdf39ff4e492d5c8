"""Worker tests: a migrated database per test (SQLite, and PostgreSQL where a test asks for
`db_url`), and a fake Rasa that records trigger_intent calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databases import fresh_postgres_database
from sqlalchemy.orm import sessionmaker
from worker_helpers import FakeRasa

from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    yield url
    engine_for(url).dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker:
    return session_factory(sqlite_url)


@pytest.fixture
def fake_rasa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRasa]:
    """A running fake Rasa, with ENGAGE_RASA_URL and ENGAGE_RASA_TOKEN pointing at it."""
    with FakeRasa() as fake:
        monkeypatch.setenv("ENGAGE_RASA_URL", fake.url)
        monkeypatch.setenv("ENGAGE_RASA_TOKEN", fake.token)
        yield fake
