"""Bring a database to the newest schema (`engage db upgrade`, and on every `make run`).

Only `engage db upgrade` and `engage run` migrate; the processes of a scaled-out deployment
(Rasa, action server, worker, console replicas) never do, and a replica reports itself not
ready while the schema is behind (bot/health.py). On PostgreSQL an upgrade holds an advisory
lock (see migrations/env.py), so two at once cannot race."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The pg_advisory_lock key held while migrating: sha256("engage/migrate"), first 15 hex digits.
MIGRATION_LOCK = 0x91BF1C8096CF864


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
