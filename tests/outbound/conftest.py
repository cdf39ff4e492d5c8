"""Outbound tests run on a fresh SQLite file, against the fake provider APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes import fake_telegram, fake_twilio  # noqa: F401  (fixtures)
from sqlalchemy.orm import sessionmaker

from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade


@pytest.fixture
def factory(tmp_path) -> Iterator[sessionmaker]:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    yield session_factory(url)
    engine_for(url).dispose()
