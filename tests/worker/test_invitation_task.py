"""invite_once, the work of the send_invitation task, against a fake Rasa."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

import pytest
from worker_helpers import campaign, invitation, invitations, record_invitations

from bot import clock
from bot.stack import free_port
from bot.store.db import session_factory, transaction
from bot.store.models import Invitation, utcnow
from bot.worker.tasks import InviteSettings, invite_once

FAST = InviteSettings(lease=120, max_attempts=3, backoff_base=0.01, backoff_cap=0.05,
                      rates={"twilio_sms": 1000.0, "twilio_whatsapp": 1000.0,
                             "telegram": 1000.0},
                      quiet_recheck=60)


def our_logs(caplog) -> str:
    """What the bot logged (the fake server's own access log shows the URL, as a proxy's
    would: that is why the token must never be in anything the bot writes)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp"))


@pytest.fixture(autouse=True)
def daytime(monkeypatch, tmp_path):
    """Noon in London unless a test moves the clock."""
    path = tmp_path / "clock"
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(path))
    clock.write_clock_file(path, datetime(2026, 12, 1, 12, 0))
    return path


def test_an_invitation_is_triggered_through_rasa_once(factory, fake_rasa, caplog):
    fake_rasa.behaviour = record_invitations(factory)
    [row_id] = invitations(factory, campaign(factory))
    caplog.set_level(logging.DEBUG)

    outcome = invite_once(factory, row_id, settings=FAST)

    assert (outcome.state, outcome.retry_in) == ("sent", None)
    [call] = fake_rasa.triggers()
    row = invitation(factory, row_id)
    assert call.path == f"/conversations/{row.pseudonym}/trigger_intent"
    assert call.params == {"output_channel": "twilio_sms", "token": fake_rasa.token}
    assert call.extra["body"] == {"name": "EXTERNAL_invite",
                                  "entities": {"invitation": str(row_id)}}
    assert (row.status, row.attempts) == ("sent", 1)
    assert fake_rasa.token not in our_logs(caplog)

    again = invite_once(factory, row_id, settings=FAST)  # a second task for the same one
    assert again.state == "done"
    assert len(fake_rasa.requests) == 1


def test_two_workers_at_once_trigger_it_once(db_url, fake_rasa):
    factory = session_factory(db_url)  # on SQLite and PostgreSQL
    fake_rasa.behaviour = record_invitations(factory)
    fake_rasa.delay = 0.5  # the first is still in Rasa when the second tries
    [row_id] = invitations(factory, campaign(factory))
    start = threading.Barrier(4)
    outcomes = []

    def work() -> None:
        start.wait()
        outcomes.append(invite_once(factory, row_id, settings=FAST).state)

    runners = [threading.Thread(target=work) for _ in range(4)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(30)
    assert sorted(outcomes) == ["claimed"] * 3 + ["sent"]
    assert len(fake_rasa.requests) == 1
    assert invitation(factory, row_id).attempts == 1


def test_quiet_hours_wait_without_an_attempt_then_morning_sends(factory, fake_rasa, daytime):
    fake_rasa.behaviour = record_invitations(factory)
    [row_id] = invitations(factory, campaign(factory))  # Europe/London, 21:00-08:00

    clock.write_clock_file(daytime, datetime(2026, 12, 1, 22, 0))
    outcome = invite_once(factory, row_id, settings=FAST)
    assert (outcome.state, outcome.retry_in) == ("quiet", 60)

    clock.write_clock_file(daytime, datetime(2026, 12, 2, 7, 59, 30))
    outcome = invite_once(factory, row_id, settings=FAST)
    assert outcome.state == "quiet" and 29 <= outcome.retry_in <= 30  # the rest of the night
    assert fake_rasa.requests == []
    assert (invitation(factory, row_id).attempts, invitation(factory, row_id).status) == (0, "queued")

    clock.write_clock_file(daytime, datetime(2026, 12, 2, 8, 0))
    assert invite_once(factory, row_id, settings=FAST).state == "sent"


def test_the_campaigns_own_zone_and_window(factory, fake_rasa, daytime):
    fake_rasa.behaviour = record_invitations(factory)
    version = campaign(factory, timezone="America/New_York",
                       quiet_hours={"start": "20:00", "end": "09:00"})
    [row_id] = invitations(factory, version)
    clock.write_clock_file(daytime, datetime(2026, 12, 1, 13, 30))  # 08:30 in New York
    assert invite_once(factory, row_id, settings=FAST).state == "quiet"
    clock.write_clock_file(daytime, datetime(2026, 12, 1, 14, 0))  # 09:00 in New York
    assert invite_once(factory, row_id, settings=FAST).state == "sent"


def test_rasa_unreachable_is_retried_then_failed_with_the_reason(factory, monkeypatch):
    monkeypatch.setenv("ENGAGE_RASA_URL", f"http://127.0.0.1:{free_port()}")
    [row_id] = invitations(factory, campaign(factory))

    first = invite_once(factory, row_id, settings=FAST)
    assert first.state == "retry" and first.retry_in == pytest.approx(0.01)
    assert "not reachable" in first.reason
    held = invitation(factory, row_id)
    assert (held.status, held.attempts) == ("queued", 1) and held.claimed_until is not None

    time.sleep(0.02)
    second = invite_once(factory, row_id, settings=FAST)
    assert second.state == "retry" and second.retry_in == pytest.approx(0.02)
    time.sleep(0.03)
    last = invite_once(factory, row_id, settings=FAST)
    assert last.state == "failed"
    row = invitation(factory, row_id)
    assert row.status == "failed" and row.attempts == 3
    assert row.reason.startswith("gave up after 3 attempts: Rasa is not reachable")


def test_a_refused_token_fails_at_once_without_the_token(factory, fake_rasa, monkeypatch,
                                                        caplog):
    """A wrong ENGAGE_RASA_TOKEN is no passing fault: retrying for ten minutes only delays
    the news. The invitation fails on the first 401 with the reason (a relaunch tries it
    again once the token is right)."""
    monkeypatch.setenv("ENGAGE_RASA_TOKEN", "wrong-token-0123456789")
    [row_id] = invitations(factory, campaign(factory))
    caplog.set_level(logging.DEBUG)
    outcome = invite_once(factory, row_id, settings=FAST)
    assert (outcome.state, outcome.retry_in) == ("failed", None)
    assert outcome.reason.startswith("Rasa refused the API token (401)")
    row = invitation(factory, row_id)
    assert (row.status, row.attempts, row.reason) == ("failed", 1, outcome.reason)
    assert len(fake_rasa.requests) == 1
    assert "wrong-token" not in our_logs(caplog) and "wrong-token" not in outcome.reason


def test_a_rasa_error_is_retried(factory, fake_rasa):
    answers = iter([500, 200])
    record = record_invitations(factory)

    def behaviour(intent, entities, pseudonym):
        status = next(answers)
        return record(intent, entities, pseudonym) if status == 200 else status

    fake_rasa.behaviour = behaviour
    [row_id] = invitations(factory, campaign(factory))
    outcome = invite_once(factory, row_id, settings=FAST)
    assert outcome.state == "retry" and outcome.reason.startswith("Rasa answered 500")
    time.sleep(0.02)
    assert invite_once(factory, row_id, settings=FAST).state == "sent"
    assert invitation(factory, row_id).attempts == 2


def test_a_trigger_the_service_did_not_record_is_tried_again_after_the_lease(factory, fake_rasa):
    settings = InviteSettings(**{**FAST.__dict__, "lease": 0.3})
    [row_id] = invitations(factory, campaign(factory))  # the fake records nothing

    assert invite_once(factory, row_id, settings=settings).state == "triggered"
    held = invite_once(factory, row_id, settings=settings)
    # Within the lease: the task is asked to look again once the claim ends (its holder may
    # have died), not left to the sweep.
    assert held.state == "claimed" and 0 < held.retry_in <= 0.3 + 1
    time.sleep(0.35)
    assert invite_once(factory, row_id, settings=settings).state == "triggered"
    time.sleep(0.35)
    assert invite_once(factory, row_id, settings=settings).state == "triggered"
    time.sleep(0.35)
    outcome = invite_once(factory, row_id, settings=settings)
    assert outcome.state == "failed"
    assert len(fake_rasa.requests) == 3
    row = invitation(factory, row_id)
    assert row.status == "failed" and "not recorded" in row.reason


def test_an_invitation_not_yet_due_asks_to_run_at_its_time(factory, fake_rasa):
    [row_id] = invitations(factory, campaign(factory), due_at=utcnow() + timedelta(seconds=90))
    outcome = invite_once(factory, row_id, settings=FAST)
    assert outcome.state == "not_due" and 88 < outcome.retry_in <= 90
    assert fake_rasa.requests == []


def test_a_missing_invitation(factory, fake_rasa):
    assert invite_once(factory, 12345, settings=FAST).state == "missing"


def test_invitations_are_paced_at_the_launch_rate(factory, fake_rasa):
    fake_rasa.behaviour = record_invitations(factory)
    ids = invitations(factory, campaign(factory), count=4, rate=5.0)
    for row_id in ids:
        assert invite_once(factory, row_id, settings=FAST).state == "sent"
    times = [r.received_at for r in fake_rasa.requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.18, gaps


def test_the_channel_rate_caps_a_faster_launch(factory, fake_rasa):
    fake_rasa.behaviour = record_invitations(factory)
    settings = InviteSettings(**{**FAST.__dict__, "rates": {"twilio_sms": 5.0}})
    ids = invitations(factory, campaign(factory), count=3, rate=100.0)
    outcomes = [invite_once(factory, row_id, settings=settings).state for row_id in ids]
    assert outcomes == ["sent"] * 3  # all three went: the gaps below are between real sends
    times = [r.received_at for r in fake_rasa.triggers()]
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.18, gaps


def test_a_long_pacing_wait_extends_the_claim(factory, fake_rasa):
    fake_rasa.behaviour = record_invitations(factory)
    settings = InviteSettings(**{**FAST.__dict__, "lease": 2.0})
    ids = invitations(factory, campaign(factory), count=2, rate=0.25)  # 4 s apart
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        with transaction(factory) as session:  # the claim outlasts the wait
            held = session.get(Invitation, ids[1]).claimed_until
        assert held > utcnow() + timedelta(seconds=seconds)

    invite_once(factory, ids[0], settings=settings, sleep=sleep)
    invite_once(factory, ids[1], settings=settings, sleep=sleep)
    assert len(pauses) == 1 and 3.5 < pauses[0] <= 4.0
