"""A fresh, migrated database for one benchmark run: SQLite in the run's folder (what `make
run` uses), or a throwaway PostgreSQL one (production)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import ROOT
from bot.store.db import engine_for
from bot.store.migrate import upgrade

KINDS = ("sqlite", "postgres")
POSTGRES_URL = os.environ.get("ENGAGE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
TESTS = str(ROOT / "tests")  # the throwaway-database helper lives with the tests


@contextmanager
def database(kind: str, workdir: Path, name: str = "engage_bench") -> Iterator[str]:
    if kind == "postgres":
        if TESTS not in sys.path:
            sys.path.insert(0, TESTS)
        from databases import fresh_postgres_database

        with fresh_postgres_database(POSTGRES_URL, name) as url:
            yield url
        return
    url = f"sqlite:///{workdir / 'engage.db'}"
    upgrade(url)
    yield url
    engine_for(url).dispose()
