"""Migration 0007: invitations become once per campaign (slug) and contact. A database
whose residents were invited to several versions of one campaign migrates without losing a row:
the earlier invitations become the first, the later ones re-invitations."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import make_engine
from bot.store.migrate import downgrade, upgrade


def _insert(connection, table: str, **values) -> int:
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks}) "
                                      "RETURNING id"), values).scalar()


def _version(connection, slug: str, version: int) -> int:
    return _insert(connection, "campaign_versions", slug=slug, version=version,
                   definition=json.dumps({"id": slug}), checksum="x" * 64, status="live",
                   published_at="2026-11-01 10:00:00")


def _invitation(connection, campaign_id: int, pseudonym: str, status: str = "sent") -> int:
    return _insert(connection, "invitations", campaign_id=campaign_id, pseudonym=pseudonym,
                   channel="twilio_sms", status=status, due_at="2026-11-02 10:00:00",
                   queued_at="2026-11-02 10:00:00", attempts=1)


def test_invitations_to_several_versions_migrate_to_one_per_campaign(db_url):
    downgrade(db_url, "0006")
    engine = make_engine(db_url)
    with engine.begin() as connection:
        buses_1, buses_2 = _version(connection, "buses", 1), _version(connection, "buses", 2)
        parks = _version(connection, "parks", 1)
        first = _invitation(connection, buses_1, "p_ann")
        again = _invitation(connection, buses_2, "p_ann", status="queued")
        only = _invitation(connection, buses_2, "p_bo")
        elsewhere = _invitation(connection, parks, "p_ann")
    engine.dispose()

    upgrade(db_url)

    engine = make_engine(db_url)
    with engine.connect() as connection:
        rows = {row.id: (row.slug, row.pseudonym, row.reinvitation, row.campaign_id, row.status)
                for row in connection.execute(sa.text(
                    "SELECT id, slug, pseudonym, reinvitation, campaign_id, status "
                    "FROM invitations"))}
    assert rows == {first: ("buses", "p_ann", 0, buses_1, "sent"),
                    again: ("buses", "p_ann", 1, buses_2, "queued"),
                    only: ("buses", "p_bo", 0, buses_2, "sent"),
                    elsewhere: ("parks", "p_ann", 0, parks, "sent")}
    # From now on the database itself refuses a second first invitation to a campaign,
    # whatever the version.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO invitations (campaign_id, slug, pseudonym, channel, status, due_at, "
            "queued_at, attempts, reinvitation) VALUES (:campaign, 'buses', 'p_bo', "
            "'twilio_sms', 'queued', '2026-11-03 10:00:00', '2026-11-03 10:00:00', 0, 0)"),
            {"campaign": buses_1})
    engine.dispose()

    downgrade(db_url, "0006")  # and back: every row kept
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM invitations")).scalar() == 4
    engine.dispose()
    upgrade(db_url)
