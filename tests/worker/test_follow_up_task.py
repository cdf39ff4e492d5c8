"""follow_up_once and its sweep: a "you said, we did" follow-up goes the invitation's way
(claim, quiet hours, pacing, trigger through Rasa), against a fake Rasa."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from worker_helpers import campaign

from bot import clock
from bot.store.db import transaction
from bot.store.models import FollowUp, FollowUpSend, Participant, utcnow
from bot.worker.tasks import InviteSettings, follow_up_once, sweep_follow_ups_once

FAST = InviteSettings(lease=120, max_attempts=3, backoff_base=0.01, backoff_cap=0.05,
                      rates={"twilio_sms": 1000.0}, quiet_recheck=60)


@pytest.fixture
def moment(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    return lambda when: clock.write_clock_file(path, when)


def a_follow_up(factory, queued_at=None) -> int:
    version = campaign(factory, "loop-2026")
    with transaction(factory) as session:
        participant = Participant(pseudonym="p-loop", campaign_id=version, channel="twilio_sms",
                                  language="en", phase="completed", consent="given",
                                  status="completed", state={"phase": "completed",
                                                             "language": "en"})
        message = FollowUp(slug="loop-2026", messages={"en": "We did it."}, created_by="kim")
        session.add_all([participant, message])
        session.flush()
        row = FollowUpSend(follow_up_id=message.id, slug="loop-2026",
                           participant_id=participant.id, pseudonym="p-loop",
                           channel="twilio_sms", status="queued",
                           due_at=queued_at or utcnow())
        session.add(row)
        session.flush()
        return row.id


def mark_sent(factory):
    def behaviour(intent, entities, pseudonym):
        with transaction(factory) as session:
            session.query(FollowUpSend).filter_by(id=int(entities["follow_up"])).update(
                {"status": "sent"})
        return 200
    return behaviour


def test_a_follow_up_is_triggered_through_rasa_once(factory, fake_rasa, moment):
    moment(datetime(2026, 12, 1, 12, 0))
    fake_rasa.behaviour = mark_sent(factory)
    row_id = a_follow_up(factory)
    assert follow_up_once(factory, row_id, settings=FAST).state == "sent"
    [call] = fake_rasa.triggers()
    assert call.extra["body"] == {"name": "EXTERNAL_follow_up",
                                  "entities": {"follow_up": str(row_id)}}
    assert call.params["output_channel"] == "twilio_sms"
    assert follow_up_once(factory, row_id, settings=FAST).state == "done"
    assert len(fake_rasa.requests) == 1


def test_quiet_hours_hold_it_without_claiming_it(factory, fake_rasa, moment):
    moment(datetime(2026, 12, 1, 23, 0))  # London, after 21:00
    row_id = a_follow_up(factory)
    outcome = follow_up_once(factory, row_id, settings=FAST)
    assert outcome.state == "quiet" and 0 < outcome.retry_in <= 60
    assert fake_rasa.requests == []
    with transaction(factory) as session:
        row = session.get(FollowUpSend, row_id)
        assert (row.attempts, row.claimed_until) == (0, None)


def test_the_sweep_finds_a_follow_up_whose_task_was_lost(factory):
    lost = a_follow_up(factory, queued_at=utcnow() - timedelta(minutes=5))
    found: list[int] = []
    assert sweep_follow_ups_once(factory, [], found.append) == [lost] == found
    assert sweep_follow_ups_once(factory, [lost], found.append) == []  # a task is waiting
