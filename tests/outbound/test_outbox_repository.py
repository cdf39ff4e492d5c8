"""The outbox table's rules: idempotent enqueue, per-resident order, claims and leases."""

from __future__ import annotations

from datetime import timedelta

from outbound_helpers import queue, remember, rows

from bot.store.db import transaction
from bot.store.models import OutboxMessage, utcnow
from bot.store.outbox import OutboxRepository, by_provider_id, claim, due, enqueue, mark_retry


def test_enqueue_is_idempotent_on_the_dedupe_key(factory):
    alice = remember(factory)
    first = queue(factory, alice, "Hello", dedupe_key="inbox:1:0")
    again = queue(factory, alice, "Hello (again)", dedupe_key="inbox:1:0")
    with transaction(factory) as session:
        same = OutboxRepository(session).enqueue("twilio_sms", alice, "x", dedupe_key="inbox:1:0")
        assert same.id == first and same.body == "Hello"
        assert session.query(OutboxMessage).count() == 1
    assert again == first


def test_enqueue_without_a_key_always_adds(factory):
    alice = remember(factory)
    assert queue(factory, alice, "a") != queue(factory, alice, "a")


def test_enqueue_keeps_buttons_template_and_inbox(factory):
    alice = remember(factory, "twilio_whatsapp")
    row_id = queue(factory, alice, "Pick", channel="twilio_whatsapp", buttons=["Bus", "Tram"],
                   template="HX" + "1" * 32)
    row = rows(factory, [row_id])[row_id]
    assert (row.buttons, row.template, row.status, row.attempts) == \
        (["Bus", "Tram"], "HX" + "1" * 32, "queued", 0)


def test_due_keeps_each_residents_order(factory):
    alice, bob = remember(factory, address="+447700900111"), remember(factory, address="+447700900222")
    a1, a2, b1 = queue(factory, alice, "a1"), queue(factory, alice, "a2"), queue(factory, bob, "b1")
    now = utcnow()
    with transaction(factory) as session:
        assert [r.id for r in due(session, now)] == [a1, a2, b1]
        mark_retry(session, a1, "Twilio 503", now + timedelta(seconds=30))
    with transaction(factory) as session:
        # a1 waits for its retry, so a2 must wait too; bob is not held up
        assert [r.id for r in due(session, now)] == [b1]
        assert [r.id for r in due(session, now + timedelta(seconds=31))] == [a1, a2, b1]
        assert [r.id for r in due(session, now, channels=["telegram"])] == []


def test_a_claim_is_taken_once_and_expires(factory):
    alice = remember(factory)
    row_id = queue(factory, alice, "a1")
    later = queue(factory, alice, "a2")
    now, lease = utcnow(), timedelta(seconds=60)
    with transaction(factory) as session:
        assert claim(session, row_id, now, lease)
        assert not claim(session, row_id, now, lease)
    with transaction(factory) as session:
        assert due(session, now) == []  # the claimed row holds back a2
        assert [r.id for r in due(session, now + lease)] == [row_id, later]  # sender died


def test_by_provider_id(factory):
    alice = remember(factory)
    row_id = queue(factory, alice, "a1")
    with transaction(factory) as session:
        repository = OutboxRepository(session)
        repository.mark_sent(row_id, "SM" + "a" * 32, utcnow())
    with transaction(factory) as session:
        found = by_provider_id(session, "SM" + "a" * 32)
        assert found.id == row_id and found.status == "sent" and found.attempts == 1
        assert by_provider_id(session, "SM" + "b" * 32) is None
        assert enqueue(session, "twilio_sms", alice, "b").status == "queued"
