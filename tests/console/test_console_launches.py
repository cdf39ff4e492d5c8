"""Launches in the console: the dry run shows who, who not and why, the messages and the cost
and changes nothing; the confirmed launch creates exactly the invitations the command's
service would, audited with the staff member; mistakes say what is wrong and launch nothing;
the progress page follows the invitations."""

from __future__ import annotations

import html
import shutil

import pytest
from console_helpers import add_member, audit_rows, csrf_of, open_session_for
from launch_console_helpers import (
    GROUP,
    SLUG,
    add_contact,
    audience,
    invitations,
    launch_world,
    row_counts,
)

from bot.launch import running
from bot.store.db import engine_for, session_factory, transaction
from bot.store.models import AuditEntry, Invitation, Launch

FORM = {"campaign": SLUG, "audience": GROUP, "channel": "", "at": "", "rate": ""}


@pytest.fixture
def queue(monkeypatch, tmp_path):
    return launch_world(monkeypatch, tmp_path)


@pytest.fixture
def officer(client, db, clock):
    audience(db)
    return open_session_for(client, db, add_member(db, "officer"), clock())


def test_the_check_shows_the_dry_run_and_changes_nothing(client, db, officer, queue):
    before = row_counts(db)
    page = client.post("/launches/check", data={"csrf_token": officer, **FORM})
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert "nothing has been queued or changed" in text
    assert "Would be invited: 7" in text
    assert "Left out: 3" in text
    assert "Said STOP" in text or "said stop" in text.lower()
    assert "SMS segment" in text and "GSM-7" in text
    assert "Estimated cost" in text and "GBP" in text
    assert "Launch: invite 7 residents" in text
    assert row_counts(db) == before
    assert queue.calls == []


@pytest.mark.parametrize("change, words", [
    ({"audience": "no-such-group"}, "there is no contact group called"),
    ({"audience": "/etc/passwd"}, "there is no contact group called"),
    ({"rate": "fast"}, "The pace 'fast' is not a rate I can read"),
    ({"rate": "0/s"}, "is not a rate I can read"),
    ({"at": "tomorrow morning"}, "The start time 'tomorrow morning' is not a date and time"),
    ({"at": "2020-01-01 10:00"}, "has already passed"),
    ({"channel": "pigeon"}, "is not a channel"),
    ({"campaign": "no-such-campaign"}, "no campaign called"),
])
@pytest.mark.parametrize("step", ["/launches/check", "/launches/start"])
def test_bad_input_is_explained_and_launches_nothing(client, db, officer, queue, change,
                                                      words, step):
    before = row_counts(db)
    page = client.post(step, data={"csrf_token": officer, **FORM, **change})
    assert page.status_code == 400
    assert words.lower() in html.unescape(page.text).lower()
    assert "There is a problem" in page.text
    assert row_counts(db) == before
    assert queue.calls == []


def test_a_launch_without_the_csrf_token_is_refused(client, db, officer, queue):
    before = row_counts(db)
    page = client.post("/launches/start", data=FORM)
    assert page.status_code == 403
    assert row_counts(db) == before and queue.calls == []


def _invitations(factory) -> set[tuple]:
    return {(i.pseudonym, i.channel, i.status, i.slug, i.reinvitation)
            for i in invitations(factory)}


def test_a_console_launch_creates_what_the_command_would(client, db, officer, queue,
                                                          migrated_sqlite, tmp_path):
    page = client.post("/launches/check", data={"csrf_token": officer, **FORM})
    token = csrf_of(page.text)
    done = client.post("/launches/start", data={"csrf_token": token, **FORM, "rate": "30/min"})
    assert done.status_code == 303, done.text[:500]
    with transaction(db) as session:
        launch_row = session.query(Launch).one()
        launch_id, by, rate = launch_row.id, launch_row.created_by, launch_row.rate_per_second
        entry = session.query(AuditEntry).filter_by(action="launch").one()
        assert entry.actor == "officer@council.example" and entry.subject == SLUG
        assert session.query(Invitation).filter_by(launch_id=launch_id).count() == 7
    assert done.headers["location"] == f"/launches/{launch_id}"
    assert by == "officer@council.example" and rate == pytest.approx(0.5)
    assert len(queue.calls) == 7
    # The same world on another database, launched by the service the command calls.
    path = tmp_path / "cli.db"
    shutil.copy(migrated_sqlite, path)
    other = session_factory(f"sqlite:///{path}")
    try:
        audience(other)
        running.launch(other, SLUG, GROUP, rate="30/min", by="someone")
        assert _invitations(db) == _invitations(other)
    finally:
        engine_for(f"sqlite:///{path}").dispose()
    # Launching again invites nobody twice: those still waiting are handed to the worker
    # again (as the command does), and nothing is added.
    again = client.post("/launches/start", data={"csrf_token": token, **FORM})
    assert again.status_code == 303
    assert len(invitations(db)) == 7
    assert "no new invitations" in client.get(again.headers["location"]).text


def test_the_progress_page_follows_the_invitations(client, db, officer, queue):
    client.post("/launches/start", data={"csrf_token": officer, **FORM})
    with transaction(db) as session:
        launch_id = session.query(Launch.id).scalar()
        first, second = session.query(Invitation).order_by(Invitation.id).limit(2)
        first.status, first.reason = "failed", "the number is not a mobile"
    page = client.get(f"/launches/{launch_id}")
    assert page.status_code == 200
    assert f'data-poll="/launches/{launch_id}/progress"' in page.text
    fragment = client.get(f"/launches/{launch_id}/progress").text
    assert 'data-figure="failed">1<' in fragment
    assert "the number is not a mobile" in fragment
    assert 'data-figure="queued">6<' in fragment
    assert "<html" not in fragment  # a fragment, not a page
    assert client.get("/launches/999").status_code == 404
    assert "Launched a campaign" in client.get("/audit").text


def test_channels_not_set_up_are_explained_and_refused_unless_queued_anyway(
        client, db, officer, queue, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    page = client.post("/launches/check", data={"csrf_token": officer, **FORM})
    assert "Telegram is not set up" in page.text
    assert "Queue them anyway" in page.text
    before = row_counts(db)
    refused = client.post("/launches/start", data={"csrf_token": officer, **FORM})
    assert refused.status_code == 400 and "Telegram is not set up" in refused.text
    assert row_counts(db) == before
    done = client.post("/launches/start",
                       data={"csrf_token": officer, **FORM, "queue_anyway": "yes"})
    assert done.status_code == 303
    assert len(invitations(db)) == 7


def test_quiet_hours_are_explained(client, db, officer, queue, tmp_path):
    from datetime import datetime

    from bot.clock import write_clock_file

    write_clock_file(tmp_path / "quiet-clock", datetime(2026, 12, 1, 23, 0))
    page = client.post("/launches/check", data={"csrf_token": officer, **FORM})
    assert "It is quiet hours in Europe/London now" in page.text


def test_the_form_lists_live_campaigns_and_groups(client, db, officer, queue):
    add_contact(db, "twilio_sms", 40, "en", group="market-day")
    page = client.get("/launches").text
    assert f'value="{SLUG}"' in page
    assert "library-nov (10 contacts)" in page and "market-day (1 contact)" in page
    assert audit_rows(db) == []
