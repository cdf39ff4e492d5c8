"""Campaign versions, the contact vault, answers and erasure, against real databases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import sqlalchemy as sa
from constants import SECRET

from bot.store.db import transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import (
    CampaignVersion,
    ConsentRecord,
    Contact,
    ContactGroupMember,
    ContactSource,
    Erasure,
    Invitation,
    Participant,
    Response,
)
from bot.store.repository import CampaignRepository, ConsentRepository, ResponseRepository
from bot.store.vault import ContactVault

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "campaign_all_steps.yml"


def enrol(session, row: CampaignVersion, name: str = "p_test") -> Participant:
    participant = Participant(pseudonym=name, campaign_id=row.id, channel="rest", language="en",
                              phase="in_step", state={}, consent="none", status="in_progress")
    session.add(participant)
    session.flush()
    return participant


def test_publish_is_idempotent_and_versions_changes_once_used(any_factory, campaign):
    with transaction(any_factory) as session:
        repo = CampaignRepository(session)
        assert repo.publish(campaign).action == "created"
        assert repo.publish(campaign).action == "unchanged"
    changed = dataclasses.replace(campaign, retention_days=campaign.retention_days + 1)
    with transaction(any_factory) as session:
        result = CampaignRepository(session).publish(changed)
        assert (result.version, result.action) == (1, "updated")  # nobody had taken part yet
    with transaction(any_factory) as session:
        enrol(session, CampaignRepository(session).latest(campaign.id))
    with transaction(any_factory) as session:
        result = CampaignRepository(session).publish(campaign)
        assert (result.version, result.action) == (2, "created")
        first = session.query(CampaignVersion).filter_by(slug=campaign.id, version=1).one()
        assert first.definition["retention_days"] == campaign.retention_days + 1  # untouched
        assert [r.version for r in CampaignRepository(session).live_versions()] == [2]


def test_vault_keeps_addresses_encrypted_and_pseudonyms_stable(any_factory, db_url):
    with transaction(any_factory) as session:
        vault = ContactVault(session, SECRET)
        name = vault.remember("sms", "+447700900123")
        assert vault.remember("sms", "+44 7700 900123") == name
        assert vault.remember("telegram", "+447700900123") != name
        assert name.startswith("p_") and "7700" not in name
    with transaction(any_factory) as session:
        assert ContactVault(session, SECRET).address_of(name) == "+447700900123"
        assert ContactVault(session, "another-secret").pseudonym_for("sms", "+447700900123") != name
        raw = session.execute(sa.text("SELECT address_encrypted FROM contacts")).scalars().all()
        assert raw and all(b"7700900123" not in bytes(blob) for blob in raw)
        assert session.query(Contact).count() == 2


def test_answers_are_idempotent_per_step_and_tallied(any_factory, campaign):
    with transaction(any_factory) as session:
        CampaignRepository(session).publish(campaign)
        row = CampaignRepository(session).latest(campaign.id)
        responses = ResponseRepository(session)
        for index, value in enumerate(["a", "a", "b"]):
            participant = enrol(session, row, f"p_{index}")
            responses.save(participant, "q", value, value, "en", False)
            responses.save(participant, "q", value, value, "en", False)  # replayed message
        skipped = enrol(session, row, "p_skip")
        responses.save(skipped, "q", "SKIP", None, "en", True)
    with transaction(any_factory) as session:
        assert session.query(Response).count() == 4
        assert dict(ResponseRepository(session).tallies(campaign.id, "q")) == {"a": 2, "b": 1}


def test_erasure_reaches_every_store_and_keeps_only_the_fact(any_factory, campaign):
    with transaction(any_factory) as session:
        CampaignRepository(session).publish(campaign)
        row = CampaignRepository(session).latest(campaign.id)
        name = ContactVault(session, SECRET).remember("sms", "+447700900123")
        keep = enrol(session, row, "p_someone_else")
        gone = enrol(session, row, name)
        ConsentRepository(session).record(gone, "v1", "given")
        ConsentRepository(session).record(keep, "v1", "given")
        ResponseRepository(session).save(gone, "q", "1", "a", "en", False)
        ResponseRepository(session).save(keep, "q", "2", "b", "en", False)
        for who in (name, "p_someone_else"):
            session.add(Invitation(campaign_id=row.id, pseudonym=who, channel="twilio_sms"))
            session.add(ContactGroupMember(group_name="library", pseudonym=who))
            session.add(ContactSource(pseudonym=who, source="sign-up sheet", imported_by="staff"))
        session.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        session.execute(sa.text("INSERT INTO events (id, sender_id, data) VALUES (1, :a, '{}'), (2, :b, '{}')"),
                        {"a": name, "b": "p_someone_else"})
    with transaction(any_factory) as session:
        assert erase_pseudonym(session, name, requested_by="staff") is True
    with transaction(any_factory) as session:
        assert session.query(Participant).filter_by(pseudonym=name).count() == 0
        assert session.query(Contact).filter_by(pseudonym=name).count() == 0
        assert session.query(Response).count() == 1
        assert session.query(ConsentRecord).count() == 1
        for table in (Invitation, ContactGroupMember, ContactSource):
            assert [r.pseudonym for r in session.query(table)] == ["p_someone_else"], table
        senders = session.execute(sa.text("SELECT sender_id FROM events")).scalars().all()
        assert senders == ["p_someone_else"]
        erasure = session.query(Erasure).one()
        assert (erasure.campaign_slug, erasure.requested_by) == (campaign.id, "staff")
    with transaction(any_factory) as session:
        assert erase_pseudonym(session, name, requested_by="staff") is False
