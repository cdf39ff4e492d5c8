"""Health and readiness, the same for every process (Rasa, action server, worker, console).

Alive (`/health`): the process answers at all. Ready (`/ready`): it can do its work, that is
the database answers and its schema is the one this code expects. Replicas never migrate
(bot/store/migrate.py), so a replica started before `engage db upgrade` is alive but not
ready, and the load balancer sends it nothing until the upgrade has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from bot.store.db import engine_for


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str  # plain words for whoever looks at it

    def as_json(self) -> dict[str, str]:
        return {"status": "ready" if self.ready else "not ready", "reason": self.reason}


@lru_cache(maxsize=1)
def schema_head() -> str:
    """The newest migration this code knows (read once from the migration scripts)."""
    from alembic.script import ScriptDirectory

    from bot.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def readiness(url: str) -> Readiness:
    """Whether the database at `url` answers and is at the newest migration."""
    try:
        with engine_for(url).connect() as connection:
            versions = {row[0] for row in connection.execute(
                sa.text("SELECT version_num FROM alembic_version"))}
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        text = str(error).lower()
        if "alembic_version" in text and ("no such table" in text or "does not exist" in text):
            return Readiness(False, "the database has no schema yet: run `engage db upgrade`")
        return Readiness(False, f"the database does not answer ({type(error).__name__})")
    if schema_head() not in versions:
        return Readiness(False, "the database schema is behind this code: run "
                                "`engage db upgrade`")
    return Readiness(True, "database reachable, schema current")


ALIVE = {"status": "ok"}
