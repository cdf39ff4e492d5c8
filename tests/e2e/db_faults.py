"""Database faults made in the database itself, for the outage tests and bench/faults.py:
tracker writes refused (a trigger on `events`, as a full disk or a lock timeout on that table
would), tracker reads failing (the table away), the whole database unwritable (SQLite: another
connection holding the write lock; PostgreSQL: the database read-only, its connections ended).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

REFUSED = "tracker writes refused for this test"


class SqliteFaults:
    def __init__(self, url: str) -> None:
        self.path = sa.engine.make_url(url).database

    def _run(self, *statements: str) -> None:
        with sqlite3.connect(self.path, timeout=30) as connection:
            for statement in statements:
                connection.execute(statement)

    def refuse_tracker_writes(self) -> None:
        self._run("CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                  f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END")

    def allow_tracker_writes(self) -> None:
        self._run("DROP TRIGGER refuse_events")

    def hide_tracker(self) -> None:
        self._run("ALTER TABLE events RENAME TO events_away")

    def restore_tracker(self) -> None:
        self._run("ALTER TABLE events_away RENAME TO events")

    @contextmanager
    def unwritable(self) -> Iterator[None]:
        """Another process holds the write lock (longer than every writer's busy timeout)."""
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()


class PostgresFaults:
    def __init__(self, url: str, admin_url: str) -> None:
        self.name = sa.engine.make_url(url).database
        self.url, self.admin_url = url, admin_url

    def _run(self, url: str, *statements: str) -> None:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(sa.text(statement))
        finally:
            engine.dispose()

    def refuse_tracker_writes(self) -> None:
        self._run(self.url, "CREATE FUNCTION refuse_events() RETURNS trigger AS $$ BEGIN "
                            f"RAISE EXCEPTION '{REFUSED}'; END $$ LANGUAGE plpgsql",
                  "CREATE TRIGGER refuse_events BEFORE INSERT ON events FOR EACH ROW "
                  "EXECUTE FUNCTION refuse_events()")

    def allow_tracker_writes(self) -> None:
        self._run(self.url, "DROP TRIGGER refuse_events ON events",
                  "DROP FUNCTION refuse_events()")

    def hide_tracker(self) -> None:
        self._run(self.url, "ALTER TABLE events RENAME TO events_away")

    def restore_tracker(self) -> None:
        self._run(self.url, "ALTER TABLE events_away RENAME TO events")

    def _read_only(self, on: bool) -> None:
        setting = "SET default_transaction_read_only = on" if on else \
            "RESET default_transaction_read_only"
        self._run(self.admin_url, f'ALTER DATABASE "{self.name}" {setting}',
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")

    @contextmanager
    def unwritable(self) -> Iterator[None]:
        self._read_only(True)
        try:
            yield
        finally:
            self._read_only(False)
