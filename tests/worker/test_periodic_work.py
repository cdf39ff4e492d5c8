"""The periodic work: the sweep for lost invitations, reminders, the retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from worker_helpers import campaign, invitations, participant, record_invitations

from bot import clock
from bot.stack import free_port
from bot.store.db import transaction
from bot.store.models import AuditEntry, CampaignVersion, Invitation, Participant, utcnow
from bot.worker.tasks import InviteSettings, purge_once, remind_due, sweep_once

FAST = InviteSettings(rates={"twilio_sms": 1000.0, "twilio_whatsapp": 1000.0,
                             "telegram": 1000.0})
NOON = datetime(2026, 12, 1, 12, 0)


@pytest.fixture(autouse=True)
def clock_file(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    clock.write_clock_file(path, NOON)
    return path


# --- sweep ----------------------------------------------------------------------------------

def test_the_sweep_requeues_only_lost_invitations(factory):
    version = campaign(factory)
    old = utcnow() - timedelta(minutes=5)
    lost = invitations(factory, version, count=2, queued_at=old)
    waiting = invitations(factory, version, queued_at=old)  # its task is in the queue
    fresh = invitations(factory, version)  # the launch is about to enqueue it
    later = invitations(factory, version, queued_at=old, due_at=utcnow() + timedelta(hours=1))
    claimed, sent = invitations(factory, version, count=2, queued_at=old)
    lapsed = invitations(factory, version, queued_at=old)  # its worker died: claim ran out
    with transaction(factory) as session:
        session.query(Invitation).filter_by(id=claimed).update(
            {"claimed_until": utcnow() + timedelta(minutes=1)})
        session.query(Invitation).filter_by(id=sent).update({"status": "sent"})
        session.query(Invitation).filter_by(id=lapsed[0]).update(
            {"claimed_until": utcnow() - timedelta(seconds=1)})
    enqueued: list[int] = []

    found = sweep_once(factory, waiting, enqueued.append)

    assert found == enqueued == [*lost, *lapsed]
    assert not set(found) & {*waiting, *fresh, *later, claimed, sent}


# --- reminders ------------------------------------------------------------------------------

def test_reminders_go_to_those_due_one_and_no_one_else(factory, fake_rasa):
    fake_rasa.behaviour = record_invitations(factory)
    version = campaign(factory, reminder={"after_hours": 24})
    quiet_since = NOON - timedelta(hours=25)
    due = participant(factory, version, updated_at=quiet_since)
    telegram = participant(factory, version, channel="telegram", updated_at=quiet_since)
    not_yet = participant(factory, version, updated_at=NOON - timedelta(hours=23))
    for fields in ({"reminded_at": utcnow()}, {"consent": "none"}, {"consent": "declined"},
                   {"status": "completed"}, {"status": "opted_out"}):
        participant(factory, version, updated_at=quiet_since, **fields)
    participant(factory, version, updated_at=quiet_since, opted_out=True)
    participant(factory, version, channel="rest", updated_at=quiet_since)
    participant(factory, campaign(factory, slug="no-reminder"), updated_at=quiet_since)
    closed = campaign(factory, slug="closed", reminder={"after_hours": 1})
    participant(factory, closed, updated_at=quiet_since)
    with transaction(factory) as session:
        session.query(CampaignVersion).filter_by(id=closed).update({"status": "closed"})

    assert remind_due(factory, settings=FAST) == [due, telegram]
    calls = fake_rasa.triggers()
    assert [(c.extra["body"], c.params["output_channel"]) for c in calls] == [
        ({"name": "EXTERNAL_remind", "entities": {"participant": str(due)}}, "twilio_sms"),
        ({"name": "EXTERNAL_remind", "entities": {"participant": str(telegram)}}, "telegram")]
    assert all(c.params["token"] == fake_rasa.token for c in calls)

    assert remind_due(factory, settings=FAST) == []  # never twice
    assert len(fake_rasa.requests) == 2
    with transaction(factory) as session:
        assert session.get(Participant, not_yet).reminded_at is None


def test_no_reminder_in_quiet_hours(factory, fake_rasa, clock_file):
    fake_rasa.behaviour = record_invitations(factory)
    version = campaign(factory, reminder={"after_hours": 2})
    due = participant(factory, version, updated_at=NOON - timedelta(hours=3))
    clock.write_clock_file(clock_file, datetime(2026, 12, 1, 22, 0))
    assert remind_due(factory, settings=FAST) == []
    assert fake_rasa.requests == []
    clock.write_clock_file(clock_file, datetime(2026, 12, 2, 8, 0))
    assert remind_due(factory, settings=FAST) == [due]


def test_reminders_stop_when_rasa_is_down_and_go_on_later(factory, monkeypatch, fake_rasa):
    fake_rasa.behaviour = record_invitations(factory)
    version = campaign(factory, reminder={"after_hours": 2})
    ids = [participant(factory, version, updated_at=NOON - timedelta(hours=3)) for _ in range(3)]
    monkeypatch.setenv("ENGAGE_RASA_URL", f"http://127.0.0.1:{free_port()}")
    assert remind_due(factory, settings=FAST) == []
    monkeypatch.setenv("ENGAGE_RASA_URL", fake_rasa.url)
    assert remind_due(factory, settings=FAST) == ids


# --- purge ----------------------------------------------------------------------------------

def test_the_daily_purge_is_audited_as_the_worker(factory):
    campaign(factory)
    counts = purge_once(factory)
    assert counts["responses"] == 0
    with transaction(factory) as session:
        [entry] = session.query(AuditEntry).all()
        assert (entry.actor, entry.action) == ("worker", "purge")
