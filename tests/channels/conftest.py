"""Channel and inbox tests: a migrated database per test (SQLite, and PostgreSQL where asked),
the secret and public URL in the environment, and no pseudonym cache carried between tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bot.channels import pseudonyms
from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade

SECRET = "channel-tests-secret-not-for-production"
PUBLIC_URL = "https://bot.example.org"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The same test on SQLite and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    admin_url = request.getfixturevalue("postgres_url")
    name = f"engage_chan_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    engine_for(url).dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    """The Rasa process's settings: database, secret, public URL; signatures checked."""
    monkeypatch.setenv("ENGAGE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", SECRET)
    monkeypatch.setenv("ENGAGE_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("ENGAGE_INSECURE_SKIP_SIGNATURES", raising=False)
    pseudonyms._secret.cache_clear()
    pseudonyms._known.clear()
    yield sqlite_url
    pseudonyms._secret.cache_clear()
    pseudonyms._known.clear()


@pytest.fixture
def factory(sqlite_url: str):
    return session_factory(sqlite_url)
