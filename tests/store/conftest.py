"""Every store test runs on a fresh SQLite file and on a fresh PostgreSQL database."""

from __future__ import annotations

import pytest

from bot.store.db import session_factory


@pytest.fixture
def factory(db_url: str):
    return session_factory(db_url)
