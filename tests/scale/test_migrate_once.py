"""Migrations run once: `engage db upgrade` is the only step that migrates a scaled-out
deployment, and two of them at once on PostgreSQL take turns (an advisory lock) instead of
racing on the same tables. Rasa replicas starting together create Rasa's `events` table once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from databases import fresh_postgres_database

from bot.store.migrate import alembic_config

ROOT = Path(__file__).resolve().parents[2]
ENGAGE = Path(sys.executable).parent / "engage"


def head(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_concurrent_upgrades_on_postgres_take_turns(postgres_url: str) -> None:
    with fresh_postgres_database(postgres_url, "engage_scale", migrate=False) as url:
        env = {**os.environ, "ENGAGE_DATABASE_URL": url}
        runs = [subprocess.Popen([str(ENGAGE), "db", "upgrade"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for _ in range(4)]
        outputs = [(run.wait(120), run.stdout.read()) for run in runs]
        for code, output in outputs:
            assert code == 0, output
            assert "Database is up to date." in output
        assert revision(url) == head(url)


def test_replicas_starting_together_create_the_events_table_once(postgres_url: str) -> None:
    from bot.store.tracker_store import PrivateSQLTrackerStore

    with fresh_postgres_database(postgres_url, "engage_scale") as url:
        start, errors, stores = threading.Barrier(6), [], []

        def replica() -> None:
            start.wait()
            try:
                stores.append(PrivateSQLTrackerStore(url=url))
            except Exception as error:  # noqa: BLE001 - the test reports any failure
                errors.append(error)

        threads = [threading.Thread(target=replica) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for store in stores:
            store.engine.dispose()
        assert errors == []
        assert len(stores) == 6
        engine = sa.create_engine(url)
        try:
            assert "events" in sa.inspect(engine).get_table_names()
        finally:
            engine.dispose()
