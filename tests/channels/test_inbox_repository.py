"""InboxRepository on real SQLite and PostgreSQL: once per provider id, order, due, backoff."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.store.db import session_factory, transaction
from bot.store.inbox import CLAIM, InboxRepository
from bot.store.models import InboxMessage, utcnow


def record(factory, sid: str, pseudonym: str = "p_a", now=None, body: str = "hi"):
    with transaction(factory) as session:
        row, created = InboxRepository(session).record(
            "twilio", sid, "twilio_sms", pseudonym, "text", body, now=now)
        return row.id, created


def test_a_redelivery_returns_the_first_row(db_url):
    factory = session_factory(db_url)
    first = record(factory, "SM1")
    again = record(factory, "SM1", body="changed")
    assert first[1] is True and again == (first[0], False)
    with transaction(factory) as session:
        rows = session.query(InboxMessage).all()
        assert [(r.provider_message_id, r.body) for r in rows] == [("SM1", "hi")]


def test_the_same_id_from_another_provider_is_another_message(db_url):
    factory = session_factory(db_url)
    record(factory, "42")
    with transaction(factory) as session:
        _, created = InboxRepository(session).record("telegram", "42", "telegram", "p_t",
                                                     "text", "hi")
    assert created


def test_concurrent_redeliveries_store_one_row(db_url):
    factory = session_factory(db_url)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(record(factory, "SM-race"))
        except BaseException as error:  # noqa: BLE001 reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(created for _, created in results) == 1
    assert len({row_id for row_id, _ in results}) == 1


def test_pending_in_id_order_and_none_while_the_oldest_backs_off(db_url):
    factory = session_factory(db_url)
    now = utcnow()
    ids = [record(factory, f"SM{n}", now=now)[0] for n in range(3)]
    record(factory, "SMother", pseudonym="p_b", now=now)
    later = now + CLAIM + timedelta(seconds=1)
    with transaction(factory) as session:
        inbox = InboxRepository(session)
        assert [r.id for r in inbox.pending_for("p_a")] == ids
        assert inbox.pending_for("p_a", now) == []  # still claimed by the receiving process
        assert [r.id for r in inbox.pending_for("p_a", later)] == ids
        assert inbox.mark_failed(ids[0], "boom", timedelta(minutes=5), now=later) == 1
    with transaction(factory) as session:
        inbox = InboxRepository(session)
        assert inbox.pending_for("p_a", later) == []
        assert [r.id for r in inbox.pending_for("p_a")] == ids  # a kick takes them all
        assert inbox.due_pseudonyms(later) == ["p_b"]
        assert set(inbox.due_pseudonyms(later + timedelta(minutes=6))) == {"p_a", "p_b"}
        row = inbox.get(ids[0])
        assert (row.attempts, row.last_error) == (1, "boom")


def test_processed_gone_failed_and_revived(db_url):
    factory = session_factory(db_url)
    done, gone, stuck = (record(factory, sid)[0] for sid in ("SM1", "SM2", "SM3"))
    with transaction(factory) as session:
        session.query(InboxMessage).filter_by(id=done).update({"status": "processed"})
        session.query(InboxMessage).filter_by(id=gone).delete()
        inbox = InboxRepository(session)
        inbox.abandon(stuck, "gave up")
    with transaction(factory) as session:
        inbox = InboxRepository(session)
        assert inbox.is_processed(done) and inbox.is_processed(gone)
        assert not inbox.is_processed(stuck)
        assert inbox.mark_failed(gone, "x", timedelta(seconds=1)) is None
        assert inbox.count("failed") == 1
        assert inbox.pending_pseudonyms() == []
        assert inbox.revive_failed() == 1
    with transaction(factory) as session:
        inbox = InboxRepository(session)
        assert [r.id for r in inbox.pending_for("p_a")] == [stuck]
        assert inbox.get(stuck).attempts == 0


@pytest.mark.parametrize("body", ["", "x" * 5000, "tab\tnewline\n", "ü ☃ 😀 مرحبا"])
def test_bodies_are_stored_as_given(sqlite_url, body):
    factory = session_factory(sqlite_url)
    row_id, _ = record(factory, "SMbody", body=body)
    with transaction(factory) as session:
        assert InboxRepository(session).get(row_id).body == body
