"""A real running stack for end-to-end tests: Rasa server + action server + a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import fresh_postgres_database
from running_bot import RunningBot, running_bot


@pytest.fixture(scope="session")
def bot(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    workdir = tmp_path_factory.mktemp("stack")
    with running_bot(rasa_model, f"sqlite:///{workdir / 'engage.db'}", workdir) as running:
        yield running


@pytest.fixture(scope="module")
def bot_on_postgres(rasa_model: Path, postgres_url: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """The same stack with every store, the Rasa tracker store included, on PostgreSQL."""
    with fresh_postgres_database(postgres_url, "engage_e2e") as url, \
            running_bot(rasa_model, url, tmp_path_factory.mktemp("pgstack")) as running:
        yield running
