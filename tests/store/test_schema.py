"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store.db import make_engine
from bot.store.migrate import downgrade, upgrade
from bot.store.models import Base


def test_migrations_match_models(db_url):
    engine = make_engine(db_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_is_repeatable_and_reversible(db_url):
    upgrade(db_url)  # already at head: nothing to do, no error
    downgrade(db_url, "base")
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0005_console"
    engine.dispose()
