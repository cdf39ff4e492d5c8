"""Every store test runs on a fresh SQLite file and on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databases import fresh_postgres_database

from bot.store.db import session_factory
from bot.store.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'engage.db'}"
        upgrade(url)
        yield url
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def factory(db_url: str):
    return session_factory(db_url)
