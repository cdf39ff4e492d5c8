"""The pieces that keep one resident's inbox messages on one replica at a time, and their
turns in Rasa's tracker store once: the claim (an atomic upsert), two real InboxProcessors
on one PostgreSQL database, and the tracker store's once-per-message record."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from databases import fresh_postgres_database
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.channels.inbox import InboxProcessor
from bot.channels.outbox_output import OutboxOutputChannel
from bot.store.db import engine_for, session_factory, transaction
from bot.store.inbox import InboxRepository
from bot.store.models import InboxMessage, utcnow

ROOT = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=30)


def add(factory, pseudonym: str, body: str) -> int:
    with transaction(factory) as session:
        row, _ = InboxRepository(session).record("twilio", f"SM-{pseudonym}-{body}",
                                                 "twilio_sms", pseudonym, "text", body)
        return row.id


def claim(factory, pseudonym: str, owner: str, now=None, lease: timedelta = LEASE) -> bool:
    with transaction(factory) as session:
        return InboxRepository(session).claim(pseudonym, owner, lease, now)


def test_a_claim_is_one_owners_until_released_or_expired(db_url):
    factory = session_factory(db_url)
    now = utcnow()
    assert claim(factory, "p_a", "replica-1", now)
    assert claim(factory, "p_a", "replica-1", now)  # its own: kept, pushed back
    assert not claim(factory, "p_a", "replica-2", now)
    assert claim(factory, "p_b", "replica-2", now)  # another resident is free
    with transaction(factory) as session:
        InboxRepository(session).release("p_a", "replica-2")  # not its claim: no effect
    assert not claim(factory, "p_a", "replica-2", now)
    assert claim(factory, "p_a", "replica-2", now + LEASE)  # expired: taken over
    with transaction(factory) as session:
        inbox = InboxRepository(session)
        assert inbox.renew(["p_a"], "replica-1", LEASE) == 0  # lost it
        inbox.release("p_a", "replica-2")
    assert claim(factory, "p_a", "replica-1", now)


def test_racing_claims_on_postgres_have_one_winner(postgres_url):
    with fresh_postgres_database(postgres_url, "engage_scale") as url:
        factory = session_factory(url)
        for round_ in range(5):
            start, won = threading.Barrier(8), []

            def contender(owner: str, resident: str, start: threading.Barrier,
                          won: list[str]) -> None:
                start.wait()
                if claim(factory, resident, owner):
                    won.append(owner)

            threads = [threading.Thread(target=contender,
                                        args=(f"r{n}", f"p_{round_}", start, won))
                       for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert len(won) == 1, won
        engine_for(url).dispose()


def test_a_message_is_tracked_once_and_only_once_applied(db_url):
    factory = session_factory(db_url)
    row_id = add(factory, "p_a", "BUSES")
    with transaction(factory) as session:
        assert not InboxRepository(session).mark_tracked(row_id)  # not applied yet
        session.query(InboxMessage).filter_by(id=row_id).update({"status": "processed"})
    with transaction(factory) as session:
        assert InboxRepository(session).mark_tracked(row_id)
    with transaction(factory) as session:
        assert not InboxRepository(session).mark_tracked(row_id)


class Replica:
    """One InboxProcessor on its own event loop in its own thread, as in its own Rasa
    process; "Rasa" applies a message the way the action does, after a little work."""

    def __init__(self, url: str, handed: list[tuple[str, int]]) -> None:
        self.factory = session_factory(url)
        self.handed = handed
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.processor = InboxProcessor(self.factory, poll=0.05, after_turns=lambda: None)
        self.processor.register("twilio_sms", self.rasa, OutboxOutputChannel("twilio_sms",
                                                                            self.factory))

    async def rasa(self, message) -> None:
        self.handed.append((message.sender_id, message.metadata["inbox_id"]))
        await asyncio.sleep(0.02)
        with transaction(self.factory) as session:
            session.query(InboxMessage).filter_by(
                id=message.metadata["inbox_id"], status="pending").update(
                {"status": "processed", "processed_at": utcnow(), "tracked_at": utcnow()})

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    def close(self) -> None:
        self.run(self.processor.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_two_processors_hand_each_message_to_rasa_once_in_order(postgres_url):
    with fresh_postgres_database(postgres_url, "engage_scale") as url:
        handed: list[tuple[str, int]] = []
        a, b = Replica(url, handed), Replica(url, handed)
        factory = session_factory(url)
        try:
            ids: dict[str, list[int]] = {}

            async def kick_all(replica: Replica, residents: list[str]) -> None:
                await asyncio.gather(*(replica.processor.process(p) for p in residents))

            residents = [f"p_{n:02d}" for n in range(10)]
            for number in range(4):  # each message recorded, then both replicas are kicked
                for resident in residents:
                    ids.setdefault(resident, []).append(add(factory, resident, f"m{number}"))
                done = [asyncio.run_coroutine_threadsafe(kick_all(r, residents), r.loop)
                        for r in (a, b)]
                for future in done:
                    future.result(60)
            # after an outage: every message due at once, both retry loops running
            with transaction(factory) as session:
                session.query(InboxMessage).update({"status": "pending", "attempts": 1,
                                                    "next_attempt_at": utcnow()})
            handed_before = len(handed)
            a.run(_start(a.processor))
            b.run(_start(b.processor))
            deadline = asyncio.run(_wait_for_processed(factory))
            assert deadline
            first, replayed = handed[:handed_before], handed[handed_before:]
            for batch in (first, replayed):
                counts = Counter(row for _, row in batch)
                assert [row for row, n in counts.items() if n > 1] == []
                for resident, rows in ids.items():
                    assert [row for who, row in batch if who == resident] == rows
            # each claim is let go just after its last turn commits, so give it a moment
            assert asyncio.run(_wait_for_no_claims(factory))
        finally:
            a.close()
            b.close()
            engine_for(url).dispose()


async def _start(processor: InboxProcessor) -> None:
    processor.start()


async def _wait_for_processed(factory, timeout: float = 30) -> bool:
    for _ in range(int(timeout / 0.1)):
        with transaction(factory) as session:
            if not session.query(InboxMessage).filter_by(status="pending").count():
                return True
        await asyncio.sleep(0.1)
    return False


async def _wait_for_no_claims(factory, timeout: float = 10) -> bool:
    for _ in range(int(timeout / 0.1)):
        with transaction(factory) as session:
            if not session.execute(sa.text("SELECT count(*) FROM inbox_claims")).scalar():
                return True
        await asyncio.sleep(0.1)
    return False


def test_the_tracker_store_records_a_message_handed_over_twice_once(db_url):
    from bot.store.tracker_store import PrivateSQLTrackerStore

    domain = Domain.load(str(ROOT / "domain.yml"))
    factory = session_factory(db_url)
    row_id = add(factory, "p_twice", "BUSES")
    with transaction(factory) as session:
        session.query(InboxMessage).filter_by(id=row_id).update({"status": "processed"})
    replicas = [PrivateSQLTrackerStore(domain=domain, url=db_url) for _ in range(2)]

    async def turn(store: PrivateSQLTrackerStore) -> None:
        tracker = await store.get_or_create_tracker("p_twice")
        tracker.update(UserUttered("BUSES", metadata={"inbox_id": row_id}))
        tracker.update(ActionExecuted("action_engage"))
        await store.save(tracker)

    for store in replicas:  # the second replica's turn, for the same message
        asyncio.run(turn(store))
    with transaction(factory) as session:
        users = session.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = "
                                        "'p_twice' AND type_name = 'user'")).scalar()
    for store in replicas:
        store.engine.dispose()
    assert users == 1


def test_a_message_arriving_at_the_other_replica_mid_turn_is_taken_by_the_claimant(db_url):
    """B receives the resident's second message while A is on the first: B's kick finds the
    claim taken and leaves it; A takes it on its way out (its last look after letting go)."""
    handed: list[tuple[str, int]] = []
    a, b = Replica(db_url, handed), Replica(db_url, handed)
    gate, entered = threading.Event(), threading.Event()
    plain = a.rasa

    async def held_up(message) -> None:
        entered.set()
        await asyncio.to_thread(gate.wait, 30)
        await plain(message)

    a.processor.register("twilio_sms", held_up, OutboxOutputChannel("twilio_sms", a.factory))
    try:
        first = add(a.factory, "p_mid", "BUSES")
        on_a = asyncio.run_coroutine_threadsafe(a.processor.process("p_mid"), a.loop)
        assert entered.wait(30)
        second = add(b.factory, "p_mid", "1")
        assert b.run(b.processor.process("p_mid")).processed == 0  # busy elsewhere
        gate.set()
        assert on_a.result(60).processed == 2
        assert handed == [("p_mid", first), ("p_mid", second)]
    finally:
        a.close()
        b.close()


def test_a_message_recorded_as_the_claimant_lets_go_is_not_left_behind(postgres_url):
    """The narrowest case: B records the resident's next message and is turned away (busy)
    just as A, having found nothing more, lets go of the claim. A's last look after letting
    go finds it, so it does not wait for the retry loop."""
    with fresh_postgres_database(postgres_url, "engage_scale") as url:
        handed: list[tuple[str, int]] = []
        a, b = Replica(url, handed), Replica(url, handed)
        other = sa.create_engine(url)
        turned_away: list[int] = []

        def meanwhile(_conn, _cursor, statement, *_args) -> None:
            if not statement.startswith("DELETE FROM inbox_claims") or turned_away:
                return
            with other.begin() as connection:
                connection.execute(sa.insert(InboxMessage.__table__).values(
                    provider="twilio", provider_message_id="SM-late", channel="twilio_sms",
                    pseudonym="p_late", kind="text", body="1", status="pending", attempts=0,
                    received_at=utcnow(), next_attempt_at=utcnow() + timedelta(seconds=15)))
            turned_away.append(b.run(b.processor.process("p_late")).processed)

        try:
            add(a.factory, "p_late", "BUSES")
            sa.event.listen(engine_for(url), "before_cursor_execute", meanwhile)
            assert a.run(a.processor.process("p_late")).processed == 2
            assert turned_away == [0]
            assert [body for body in _bodies(a.factory)] == ["BUSES", "1"]
        finally:
            sa.event.remove(engine_for(url), "before_cursor_execute", meanwhile)
            a.close()
            b.close()
            other.dispose()
            engine_for(url).dispose()


def _bodies(factory) -> list[str]:
    with transaction(factory) as session:
        return [row.body for row in session.query(InboxMessage).filter_by(
            status="processed").order_by(InboxMessage.id)]
