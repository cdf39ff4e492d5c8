"""Worker tests: a migrated database per test (SQLite, and PostgreSQL where a test asks for
`db_url`), and a fake Rasa that records trigger_intent calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from worker_helpers import FakeRasa


@pytest.fixture
def fake_rasa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRasa]:
    """A running fake Rasa, with ENGAGE_RASA_URL and ENGAGE_RASA_TOKEN pointing at it."""
    with FakeRasa() as fake:
        monkeypatch.setenv("ENGAGE_RASA_URL", fake.url)
        monkeypatch.setenv("ENGAGE_RASA_TOKEN", fake.token)
        yield fake
