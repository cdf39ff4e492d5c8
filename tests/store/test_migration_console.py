"""Migration 0011 (campaign drafts, participants.is_test) on a database with answers: every
participation, answer and consent record is kept, going up and coming back down (on SQLite a
table rebuild would have cascaded their deletion)."""

from __future__ import annotations

import sqlalchemy as sa
from test_migration_one_participation import answer, insert, participant

from bot.store.db import make_engine
from bot.store.migrate import downgrade, upgrade


def counts(engine) -> tuple[int, int, int]:
    with engine.begin() as connection:
        return tuple(connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
                     for table in ("participants", "responses", "consent_records"))


def test_answers_survive_0011_both_ways(db_url):
    downgrade(db_url, "0009")
    engine = make_engine(db_url)
    with engine.begin() as connection:
        version = insert(connection, "campaign_versions", slug="buses", version=1,
                         definition="{}", checksum="x", status="live",
                         published_at="2026-11-01 00:00:00")
        answer(connection, participant(connection, "p_ann", version, "2026-11-02 10:00:00",
                                       "in_step"), version, "travel", "bus")
    upgrade(db_url)
    assert counts(engine) == (1, 1, 1)
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT is_test FROM participants")).scalar() in (
            False, 0)
        connection.execute(sa.text("SELECT slug, source FROM campaign_drafts")).fetchall()
    downgrade(db_url, "0009")
    assert counts(engine) == (1, 1, 1)
    upgrade(db_url)
    engine.dispose()
