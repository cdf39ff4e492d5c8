"""Each invitation's state as officers see it: queued (with why), sent (the provider took
it), delivered (the provider said so) or failed (with why), from the invitation and the outbox
row of its first message, through the real service, outbox and delivery reports."""

from __future__ import annotations

from datetime import datetime

import pytest
from launch_helpers import SLUG, Queue, add_contact, invitations, publish

from bot.catalogue import Catalogue
from bot.cli import main
from bot.clock import write_clock_file
from bot.conversation import ConversationService
from bot.launch.running import launch
from bot.launch.status import WAITING_FOR_WORKER, invitation_counts, states_of
from bot.outbound.status import apply_status
from bot.store import outbox
from bot.store.db import transaction
from bot.store.models import Invitation, OutboxMessage, utcnow

NO_SMS = "SMS is not set up: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set here"
SMS_ONLY_FROM = {"TWILIO_SMS_FROM": "+447700900000"}  # a sender number, but no account


@pytest.fixture
def every_state(factory) -> dict[str, int]:
    """Seven invitations, one in each state the worker, the service, the sender and the
    delivery reports can leave: name -> invitation id."""
    version_id = publish(factory)
    for number in range(7):
        add_contact(factory, "twilio_sms", number, "en", group="seven")
    launch(factory, SLUG, "seven", enqueue=Queue())
    ids = dict(zip(["untouched", "retrying", "failed", "with_bot", "sent", "delivered",
                    "refused"], [row.id for row in invitations(factory)], strict=True))
    with transaction(factory) as session:
        session.query(Invitation).filter_by(id=ids["retrying"]).update(
            {"reason": "Rasa is not reachable at http://127.0.0.1:5005: Connection refused"})
        session.query(Invitation).filter_by(id=ids["failed"]).update(
            {"status": "failed", "reason": "gave up after 8 attempts: Rasa answered 500"})
    service = ConversationService(factory, Catalogue(check_every=0))
    for name in ("with_bot", "sent", "delivered", "refused"):
        service.invite(ids[name])
    with transaction(factory) as session:
        for name in ("sent", "delivered", "refused"):
            row = session.query(OutboxMessage).filter_by(
                dedupe_key=f"invite:{ids[name]}:0").one()
            outbox.mark_sent(session, row.id, f"SM{name}", utcnow())
        apply_status(session, "SMdelivered", "delivered")
        apply_status(session, "SMrefused", "undelivered", 30003)
    assert version_id
    return ids


def test_each_state_with_its_reason(factory, every_state):
    with transaction(factory) as session:
        states = states_of(session, list(every_state.values()), env=SMS_ONLY_FROM)
    seen = {name: (states[row_id].state, states[row_id].reason)
            for name, row_id in every_state.items()}
    assert seen == {
        "untouched": ("queued", WAITING_FOR_WORKER),
        "retrying": ("queued", "trying again: Rasa is not reachable at http://127.0.0.1:5005: "
                               "Connection refused"),
        "failed": ("failed", "gave up after 8 attempts: Rasa answered 500"),
        "with_bot": ("queued", NO_SMS),  # queued by the service, but nothing can send it
        "sent": ("sent", None),
        "delivered": ("delivered", None),
        "refused": ("failed", "Twilio 30003: Unreachable destination handset"),
    }


def test_quiet_hours_and_the_bots_sender(factory, every_state, daytime):
    write_clock_file(daytime, datetime(2026, 12, 1, 22, 30))
    with transaction(factory) as session:
        states = states_of(session, list(every_state.values()))  # every channel set up
    assert states[every_state["untouched"]].reason == \
        "held in quiet hours until 08:00 (Europe/London)"
    assert states[every_state["with_bot"]].reason == \
        "held in quiet hours until 08:00 (Europe/London)"
    write_clock_file(daytime, datetime(2026, 12, 2, 9, 0))
    with transaction(factory) as session:
        states = states_of(session, list(every_state.values()))
    assert states[every_state["with_bot"]].reason == \
        "with the bot, waiting to be handed to the provider"


def test_status_shows_queued_sent_delivered_and_failed_apart(env, factory, every_state,
                                                             capsys, monkeypatch):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name)
    assert main(["campaign", "status", SLUG]) == 0
    out = capsys.readouterr().out
    block = out[out.index("Invitations"):out.index("Residents")]
    lines = [line.strip() for line in block.splitlines()]
    assert "invited:   7" in lines
    assert "queued:    3  (not yet handed to the phone company or app)" in lines
    assert f"1  {NO_SMS}" in lines and f"1  {WAITING_FOR_WORKER}" in lines
    assert "sent:      1  (handed to the phone company or app; no delivery report (yet))" in lines
    assert "delivered: 1  (the phone company reported it delivered)" in lines
    assert "failed:    2  (not sent, or refused)" in lines
    assert "1  Twilio 30003: Unreachable destination handset" in lines


def test_a_resident_invited_again_is_counted_once(factory, every_state):
    service = ConversationService(factory, Catalogue(check_every=0))
    launch(factory, SLUG, "seven", enqueue=Queue())  # the failed one is tried again
    [retry] = [row for row in invitations(factory) if row.reinvitation == 1]
    service.invite(retry.id)
    with transaction(factory) as session:
        counts = invitation_counts(session, [retry.campaign_id], env=SMS_ONLY_FROM)
    assert (counts.residents, counts.invitations) == (7, 8)
    assert counts["failed"] == 1  # only the refused one: the retried one is queued now
    assert counts.reasons["queued"][NO_SMS] == 2
