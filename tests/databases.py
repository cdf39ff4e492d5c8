"""Throwaway databases for tests that run on PostgreSQL as well as SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from bot.store.db import engine_for
from bot.store.migrate import upgrade


@contextmanager
def fresh_postgres_database(admin_url: str, prefix: str = "engage_test",
                            migrate: bool = True) -> Iterator[str]:
    """A new PostgreSQL database for one test (or module), migrated unless asked not to,
    dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
