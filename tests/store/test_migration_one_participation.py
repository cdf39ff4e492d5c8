"""Migration 0006 on a database that already has duplicate participations: each set is
merged into one (the one with answers, last written to), then the unique index holds."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import make_engine
from bot.store.migrate import downgrade, upgrade


def insert(connection, table: str, **values) -> int:
    columns = ", ".join(values)
    names = ", ".join(f":{name}" for name in values)
    connection.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({names})"), values)
    return connection.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar()


def participant(connection, name: str, version: int, updated: str, phase: str) -> int:
    at = datetime.fromisoformat(updated)
    return insert(connection, "participants", pseudonym=name, campaign_id=version,
                  channel="twilio_sms", language="en", phase=phase, consent="given",
                  status="in_progress", state=json.dumps({"phase": phase, "language": "en"}),
                  started_at=at, updated_at=at)


def answer(connection, participant_id: int, version: int, step: str, value: str) -> None:
    insert(connection, "responses", participant_id=participant_id, campaign_id=version,
           step_id=step, raw_text=value, value=json.dumps(value), skipped=False, language="en",
           answered_at=datetime(2026, 11, 1))
    insert(connection, "consent_records", participant_id=participant_id, campaign_id=version,
           consent_version="1", decision="given", channel="twilio_sms", language="en",
           decided_at=datetime(2026, 11, 1))


def test_duplicates_are_merged_then_the_index_holds(db_url):
    downgrade(db_url, "0004")
    engine = make_engine(db_url)
    with engine.begin() as connection:
        version = insert(connection, "campaign_versions", slug="buses", version=1,
                         definition="{}", checksum="x", status="live",
                         published_at=datetime(2026, 11, 1))
        # Ann: an older try with answers, a newer one at the language menu without: keep answers
        old_ann = participant(connection, "p_ann", version, "2026-11-02 10:00:00", "completed")
        answer(connection, old_ann, version, "travel", "bus")
        participant(connection, "p_ann", version, "2026-11-03 10:00:00", "choosing_language")
        # Bo: two tries with answers: keep the one written to last (the lower id, here)
        late_bo = participant(connection, "p_bo", version, "2026-11-05 10:00:00", "in_step")
        early_bo = participant(connection, "p_bo", version, "2026-11-04 10:00:00", "in_step")
        answer(connection, late_bo, version, "travel", "walk")
        answer(connection, early_bo, version, "travel", "car")
        # Cy: no duplicates, untouched
        only_cy = participant(connection, "p_cy", version, "2026-11-01 10:00:00", "in_step")
        answer(connection, only_cy, version, "travel", "bus")
    upgrade(db_url)
    with engine.begin() as connection:
        kept = connection.execute(sa.text(
            "SELECT pseudonym, id FROM participants ORDER BY pseudonym")).fetchall()
        assert [tuple(row) for row in kept] == [("p_ann", old_ann), ("p_bo", late_bo),
                                                ("p_cy", only_cy)]
        answers = connection.execute(sa.text(
            "SELECT participant_id, raw_text FROM responses ORDER BY participant_id")).fetchall()
        assert sorted(tuple(row) for row in answers) == sorted(
            [(old_ann, "bus"), (late_bo, "walk"), (only_cy, "bus")])
        consents = connection.execute(sa.text(
            "SELECT participant_id FROM consent_records")).scalars().all()
        assert sorted(consents) == sorted([old_ann, late_bo, only_cy])
    with pytest.raises(IntegrityError), engine.begin() as connection:
        participant(connection, "p_cy", version, "2026-11-06 10:00:00", "in_step")
    engine.dispose()
