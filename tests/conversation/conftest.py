"""Conversation service tests: the real ConversationService on a fresh SQLite file and, where
a test asks for `any_factory`, on a fresh PostgreSQL database too."""

from __future__ import annotations

import pytest
from fakes import fake_telegram, fake_twilio  # noqa: F401  (fixtures)
from sqlalchemy.orm import sessionmaker

from bot.store.db import session_factory


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker:
    return session_factory(sqlite_url)


@pytest.fixture
def any_factory(db_url: str) -> sessionmaker:
    return session_factory(db_url)
