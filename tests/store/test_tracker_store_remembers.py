"""The tracker store keeps each conversation it saved in memory for the sender's next turn,
and never hands out one the database has moved past: another replica's turn, a staff
erasure, a turn that failed after Rasa's first save, a new session, or time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from bot.store import tracker_store
from bot.store.db import session_factory, transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import Contact
from bot.store.tracker_store import PrivateSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def stores(db_url):
    """Two replicas' tracker stores on one database, and a resident who has a contact."""
    with transaction(session_factory(db_url)) as session:
        session.add(Contact(pseudonym="p_r", channel="twilio_sms", address_encrypted=b"x"))
    made = [PrivateSQLTrackerStore(domain=DOMAIN, url=db_url) for _ in range(2)]
    yield made
    for store in made:
        store.engine.dispose()


async def turn(store: PrivateSQLTrackerStore, text: str, save: bool = True):
    """One turn as Rasa runs it: get (or create and save) the conversation, add to it, save."""
    tracker = await store.get_or_create_tracker("p_r")
    tracker.update(UserUttered(text))
    tracker.update(ActionExecuted("action_engage"))
    tracker.update(BotUttered(f"reply to {text}"))
    tracker.update(ActionExecuted("action_listen"))
    if save:
        await store.save(tracker)
    return tracker


def stored_texts(store: PrivateSQLTrackerStore) -> list[str]:
    return [event["text"] for event in store._load("p_r", True) if event["event"] == "user"]


def as_read_afresh(store: PrivateSQLTrackerStore, tracker) -> bool:
    fresh = PrivateSQLTrackerStore(domain=DOMAIN, url=str(store.engine.url))
    try:
        again = asyncio.run(fresh.retrieve("p_r"))
        return [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
    finally:
        fresh.engine.dispose()


def test_the_next_turn_gets_the_saved_conversation_exactly_as_stored(stores):
    a, _ = stores

    async def talk():
        first = await turn(a, "BUSES")
        again = await a.retrieve("p_r")
        assert again is first  # from memory: nothing read or replayed
        again.update(UserUttered("yes"))
        again.update(ActionExecuted("action_engage"))
        await a.save(again)
        return await a.retrieve("p_r")

    latest = asyncio.run(talk())
    assert stored_texts(a) == ["BUSES", "yes"]  # every event written, once
    assert as_read_afresh(a, latest)


def test_another_replicas_turn_is_read_from_the_database(stores):
    a, b = stores
    mine = asyncio.run(turn(a, "BUSES"))
    asyncio.run(turn(b, "yes"))  # b reads the database, writes after a
    theirs = asyncio.run(a.retrieve("p_r"))
    assert theirs is not mine
    assert [e.text for e in theirs.events if isinstance(e, UserUttered)] == ["BUSES", "yes"]


def test_a_staff_erasure_elsewhere_is_never_undone_from_memory(stores, db_url):
    a, _ = stores
    asyncio.run(turn(a, "BUSES"))
    with transaction(session_factory(db_url)) as session:
        erase_pseudonym(session, "p_r", "staff")
    assert asyncio.run(a.retrieve("p_r")) is None
    assert stored_texts(a) == []


def test_a_turn_that_failed_after_rasas_first_save_leaves_nothing_behind(stores):
    a, _ = stores
    # a new conversation: Rasa saves it once on creation, then the turn fails before its save
    failed = asyncio.run(turn(a, "BUSES", save=False))
    again = asyncio.run(a.retrieve("p_r"))
    assert again is not failed
    assert [e for e in again.events if isinstance(e, UserUttered)] == []
    assert stored_texts(a) == []


def test_a_new_session_is_read_as_rasa_reads_it(stores):
    a, _ = stores

    async def new_session():
        tracker = await turn(a, "BUSES")
        tracker = await a.retrieve("p_r")
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        await a.save(tracker)
        return tracker, await a.retrieve("p_r")

    before, after = asyncio.run(new_session())
    assert after is not before
    assert [e for e in after.events if isinstance(e, UserUttered)] == []  # this session only


def test_a_conversation_is_let_go_after_a_while(stores, monkeypatch):
    a, _ = stores
    monkeypatch.setattr(tracker_store, "REMEMBER_FOR", 0.05)

    async def wait_after_turn():
        await turn(a, "BUSES")
        assert "p_r" in a._remembered
        await asyncio.sleep(0.2)
        return "p_r" in a._remembered

    assert asyncio.run(wait_after_turn()) is False


def test_a_save_after_another_writer_is_not_kept(stores):
    """Should two turns of one resident ever overlap (the lock store failing), the one saved
    second is not what the database holds, so it is not handed out again."""
    a, b = stores

    async def overlap():
        await turn(a, "BUSES")
        mine = await a.retrieve("p_r")
        await turn(b, "yes")
        mine.update(UserUttered("2"))
        mine.update(ActionExecuted("action_engage"))
        await a.save(mine)
        return mine, await a.retrieve("p_r")

    mine, again = asyncio.run(overlap())
    assert again is not mine
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["BUSES", "yes", "2"]


def test_an_invitation_saves_its_new_conversation_without_counting_it_first(stores):
    """Rasa's API (an invitation) creates an empty conversation, saves it (nothing to write),
    then runs the turn and saves again: the second save still knows what was loaded."""
    a, _ = stores

    async def invitation():
        tracker = await a.get_or_create_tracker("p_r", append_action_listen=False)
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("/invite"))
        tracker.update(ActionExecuted("action_engage"))
        await a.save(tracker)

    counted: list[str] = []
    a._count = lambda sender: counted.append(sender) or 0  # type: ignore[method-assign]
    asyncio.run(invitation())
    assert counted == []
    assert stored_texts(a) == ["/invite"]
