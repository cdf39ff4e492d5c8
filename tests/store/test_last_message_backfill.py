"""Migration 0005: `participants.last_message_at` is filled in for rows made before it
existed, from what the resident did, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.store.db import make_engine
from bot.store.migrate import downgrade, upgrade

START = datetime(2026, 11, 1, 9, 0)


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_existing_participants_get_when_the_resident_last_wrote(db_url):
    downgrade(db_url, "0004")
    engine = make_engine(db_url)
    meta = sa.MetaData()
    meta.reflect(engine)
    versions, people, answers, consents, inbox, invites = (meta.tables[name] for name in (
        "campaign_versions", "participants", "responses", "consent_records", "inbox",
        "invitations"))
    with engine.begin() as connection:
        connection.execute(versions.insert().values(
            id=1, slug="c", version=1, definition={}, checksum="x", status="live",
            published_at=START))

        def person(row_id: int, name: str, phase: str, consent: str = "none",
                   updated: int = 0, reminded: int | None = None, state: dict | None = None,
                   invited: bool = True) -> None:
            connection.execute(people.insert().values(
                id=row_id, pseudonym=name, campaign_id=1, channel="twilio_sms", language="en",
                phase=phase, consent=consent, status="in_progress", state=state or {},
                started_at=START, updated_at=at(updated),
                reminded_at=None if reminded is None else at(reminded)))
            if invited:
                connection.execute(invites.insert().values(
                    campaign_id=1, pseudonym=name, channel="twilio_sms", status="sent",
                    due_at=START, queued_at=START, attempts=0))

        person(1, "keyword", "choosing_language", updated=3, invited=False)
        person(2, "silent", "choosing_language")
        person(3, "asked_help", "awaiting_consent")
        connection.execute(inbox.insert().values(
            provider="twilio", provider_message_id="SM1", channel="twilio_sms",
            pseudonym="asked_help", kind="text", body="HELP", status="processed", attempts=0,
            received_at=at(7), next_attempt_at=at(7)))
        person(4, "answered", "in_step", consent="given", updated=900, reminded=900)
        connection.execute(consents.insert().values(
            participant_id=4, campaign_id=1, consent_version="1", decision="given",
            channel="twilio_sms", language="en", decided_at=at(10)))
        connection.execute(answers.insert().values(
            participant_id=4, campaign_id=1, step_id="q1", raw_text="1", value="a",
            skipped=False, language="en", answered_at=at(20)))
        person(5, "unclear", "awaiting_consent", updated=30, state={"misunderstood": 1})
    engine.dispose()

    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as connection:
        got = dict(connection.execute(sa.text(
            "SELECT pseudonym, last_message_at FROM participants")).fetchall())
        updated = connection.execute(sa.text(
            "SELECT updated_at FROM participants WHERE pseudonym = 'answered'")).scalar()
    engine.dispose()
    got = {name: None if moment is None else _naive(moment) for name, moment in got.items()}
    assert got == {
        "keyword": at(3),  # joined by keyword; nothing but their messages moved updated_at
        "silent": None,  # invited, never replied: not started
        "asked_help": at(7),  # their inbox message
        "answered": at(20),  # their last answer; the reminder at 900 is not theirs
        "unclear": at(30),
    }
    assert _naive(updated) == at(900)  # the backfill itself is no change to the row


def _naive(moment) -> datetime:
    if isinstance(moment, str):  # SQLite through a plain text query
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None)
