"""Alembic environment: the URL is passed in by bot.store.migrate, never read from a file.

On PostgreSQL the whole upgrade holds an advisory lock (bot.store.migrate.MIGRATION_LOCK), so
two `engage db upgrade` at once (two deploy jobs, a restarted one-shot) run one after the
other: the second finds the schema at head and does nothing."""

import sqlalchemy as sa
from alembic import context

from bot.store.db import make_engine
from bot.store.migrate import MIGRATION_LOCK
from bot.store.models import Base

config = context.config
engine = make_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    postgres = connection.dialect.name == "postgresql"
    if postgres:  # a session lock: it outlives the migrations' own transaction
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if postgres:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                               {"key": MIGRATION_LOCK})
engine.dispose()
