"""Console fixtures: a migrated database, a movable clock and the app on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from console_helpers import Clock
from starlette.testclient import TestClient

from bot.console import ConsoleSettings, create_app
from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """Migrated once; each test gets a copy (migrating ~100 times would cost minutes)."""
    path = tmp_path_factory.mktemp("console-template") / "engage.db"
    upgrade(f"sqlite:///{path}")
    engine_for(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def db(migrated_sqlite, tmp_path):
    path = tmp_path / "engage.db"
    shutil.copy(migrated_sqlite, path)
    url = f"sqlite:///{path}"
    yield session_factory(url)
    engine_for(url).dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings() -> ConsoleSettings:
    return ConsoleSettings()


@pytest.fixture
def app(settings, db, clock):
    return create_app(settings, db, clock=clock)


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as client:
        yield client
