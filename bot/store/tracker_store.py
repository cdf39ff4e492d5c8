"""Rasa's SQL tracker store, pointed at our database, able to forget a conversation, and
honest when the database fails.

Configured in endpoints.yml by module path. The database URL comes from ENGAGE_DATABASE_URL
(same database as everything else by default). When the action has just erased a resident
(slot `erase_requested` set this turn), saving the turn deletes every event for that sender
instead of writing it: doing it here, after Rasa's save, is the only point where Rasa will not
write the old events back.

When the database fails. Rasa 3.6 wraps every tracker store in FailSafeTrackerStore, which
answers a failed read with "no conversation" (Rasa then starts a new one over the resident's
history) and keeps a failed write in memory, where nobody reads it again. This store is given
to Rasa unwrapped and does better:

- a failed read fails the turn: the inbox keeps the message and retries it, REST answers 503;
- a failed write is kept, in order, and written once the database takes it again (by the next
  turn for that resident, which waits for it, or by a background retry), so every applied
  message's events reach the database, once;
- a turn's events are written only if its message was applied: a provider message whose inbox
  row is still pending (the action failed) leaves no trace, since the inbox will hand it to
  Rasa again; a resident erased meanwhile (no contact left) gets nothing written back;
- an inbox message's turn is written once (`inbox.tracked_at`, set with the events), so a
  message handed to Rasa a second time (two replicas, a turn that outlived its claim) does not
  record the resident's words twice.

Between turns the store keeps each conversation it last saved in memory, and hands it out
again only while the database's newest event for that sender is still the one it wrote: any
other writer (another replica, a staff erasure, a key rotation) moves or removes that event,
and the conversation is read from the database again. Rasa's conversation lock (Redis when
scaled out) keeps one turn per sender at a time, so nothing else writes between a turn's
load and its save; should something do so anyway, the save sees rows it did not write and
keeps nothing. A conversation handed out is no longer kept (Rasa changes it in place), so a
turn that fails before its save leaves nothing stale behind. A kept conversation is let go
after five minutes (REMEMBER_FOR), so a resident erased by staff elsewhere leaves nothing in
this process's memory for longer than that.

Database work runs in a thread, so Rasa keeps answering health checks and webhooks while the
database is slow or locked. Kept writes live in this process only: a Rasa process that dies
during an outage loses them (the answers themselves are safe in the database).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakValueDictionary

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import config, rasa_tuning
from bot.channels.pseudonyms import forget_pseudonym
from bot.store.db import make_engine
from bot.store.inbox import InboxRepository
from bot.store.models import Contact

logger = logging.getLogger(__name__)
ERASE_SLOT = "erase_requested"
RETRY_FIRST, RETRY_MAX = 1.0, 30.0  # seconds between background attempts to write kept turns
MAX_KEPT_SENDERS = 10_000
MAX_REMEMBERED = 2_000  # conversations kept between turns (about 60 KB each), least recent dropped
REMEMBER_FOR = 300.0  # seconds: after that a conversation is read from the database again
TABLES_LOCK = 0x2F6E1A  # pg_advisory_xact_lock key while creating the events table


# Built once (every save runs it): building a query costs more than running it on SQLite.
_CONTACT_HELD = sa.select(Contact.id).where(Contact.pseudonym == sa.bindparam("sender")).limit(1)


def events_query(event: Any, all_sessions: bool) -> Any:
    """Rasa 3.6's `SQLTrackerStore._event_query` as one reusable statement of the `id` and
    `data` columns, for the sender in the `sender` parameter: the sender's events in id order,
    from the latest `session_started` on unless `all_sessions` (or if there is none)."""
    sender = sa.bindparam("sender")
    query = sa.select(event.id, event.data).where(event.sender_id == sender)
    if not all_sessions:
        start = (sa.select(sa.func.max(event.timestamp).label("session_start"))
                 .where(event.sender_id == sender,
                        event.type_name == SessionStarted.type_name)
                 .subquery())
        query = query.where(sa.or_(event.timestamp >= start.c.session_start,
                                   start.c.session_start.is_(None)))
    return query.order_by(event.id)


def erased_this_turn(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value:
            return True
        if isinstance(event, UserUttered):
            return False
    return False


def _inbox_id(events: list[Any]) -> int | None:
    """The inbox row of the latest resident message among these events, if it came by one."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            value = (event.metadata or {}).get("inbox_id")
            return value if isinstance(value, int) else None
    return None


@dataclass
class Turn:
    """What one save has to write: new events, or the erasure of the whole conversation."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    inbox_id: int | None = None
    erase: bool = False


@dataclass(frozen=True)
class Loaded:
    """What a turn was handed: how many events its conversation held, and the database's
    newest event id for the sender then (0 for none)."""

    events: int
    newest: int


class PrivateSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: Any = None,
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        rasa_tuning.apply()  # Rasa builds its stores at start-up: the place to tune it, once
        use_this_store_unwrapped()
        self.engine = make_engine(url or config.database_url())
        self._create_tables()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._loaded: dict[str, Loaded] = {}
        # sender -> what the conversation held when last saved, and the conversation
        self._remembered: OrderedDict[str, tuple[Loaded, DialogueStateTracker]] = OrderedDict()
        self._statements: dict[bool, Any] = {}  # events_query(), per all_sessions
        self._insert = self.SQLEvent.__table__.insert()
        event, sender = self.SQLEvent, sa.bindparam("sender")
        self._newest_query = sa.select(sa.func.max(event.id)).where(event.sender_id == sender)
        self._since_query = sa.select(sa.func.count(event.id), sa.func.max(event.id)).where(
            event.sender_id == sender, event.id > sa.bindparam("since"))
        self._kept: dict[str, list[Turn]] = {}  # writes the database refused, oldest first
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._retrier: asyncio.Task | None = None
        TrackerStore.__init__(self, domain, event_broker, **kwargs)

    def _create_tables(self) -> None:
        """Rasa's `events` table, if it is missing. Replicas starting together on PostgreSQL
        take turns (an advisory lock), so none fails on another's CREATE TABLE."""
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": TABLES_LOCK})
                self.Base.metadata.create_all(connection)
        except sa.exc.OperationalError as error:  # SQLite: another process created it first
            logger.info("Tracker tables already being created: %s", error)

    def _lock(self, sender: str) -> asyncio.Lock:
        lock = self._locks.get(sender)
        if lock is None:
            lock = self._locks[sender] = asyncio.Lock()
        return lock

    # --- reading -----------------------------------------------------------------------------

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> DialogueStateTracker | None:
        """The stored conversation, after any kept writes for it (which must go first: the
        turn needs the whole history). Raises when the database fails."""
        async with self._lock(sender_id):
            if self._kept.get(sender_id):
                self._remembered.pop(sender_id, None)
                await self._write_kept(sender_id)
            if not fetch_events_from_all_sessions:
                remembered = await self._remembered_tracker(sender_id)
                if remembered is not None:
                    return remembered
            events, newest = await asyncio.to_thread(self._read, sender_id,
                                                     fetch_events_from_all_sessions)
        tracker = None
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            count = len(tracker.events) if tracker is not None else 0
            self._loaded[sender_id] = Loaded(count, newest)
        return tracker

    async def _remembered_tracker(self, sender: str) -> DialogueStateTracker | None:
        """The conversation as this store saved it, if the database has nothing newer for
        the sender (one indexed lookup instead of reading and replaying every event) and
        nothing was added to it after the save (Rasa saves a new conversation once before its
        first turn, then goes on with it: should that turn fail, its events are not kept)."""
        remembered = self._remembered.pop(sender, None)
        if remembered is None:
            return None
        saved, tracker = remembered
        if len(tracker.events) != saved.events:
            return None
        if await asyncio.to_thread(self._newest, sender) != saved.newest:
            return None
        self._loaded[sender] = saved
        return tracker

    def _newest(self, sender: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(self._newest_query, {"sender": sender}).scalar() or 0

    def _load(self, sender: str, all_sessions: bool) -> list[dict[str, Any]]:
        return self._read(sender, all_sessions)[0]

    def _read(self, sender: str, all_sessions: bool) -> tuple[list[dict[str, Any]], int]:
        """Rasa's query for the events (`_event_query`), built once and reading only their
        `id` and `data` columns as plain rows: building the query and an ORM object per
        event was most of the load's cost (docs/benchmarks.md). Also the newest event id
        (0 for none)."""
        statement = self._statements.get(all_sessions)
        if statement is None:
            statement = self._statements[all_sessions] = events_query(self.SQLEvent,
                                                                      all_sessions)
        with self.session_scope() as session:
            rows = session.execute(statement, {"sender": sender}).all()
            return [json.loads(data) for _, data in rows], (rows[-1][0] if rows else 0)

    # --- writing -----------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the events added since the tracker was loaded, in one insert (or erase the
        conversation). If the database refuses, keep them and write them later; never raise
        for that, the turn itself has been applied or will be retried by the inbox.

        Rasa's own save counts the stored events again first; remembering the count from the
        load saves that query, and means a staff erasure during the turn cannot make Rasa write
        the erased history back.
        """
        sender = tracker.sender_id
        loaded = self._loaded.pop(sender, None)
        remembered = self._remembered.pop(sender, None)
        if loaded is None and remembered is not None and remembered[1] is tracker:
            # saved before, in this turn (Rasa saves a new conversation once, then goes on)
            loaded = remembered[0]
        new: list[Any] = []
        if erased_this_turn(tracker):
            turn = Turn(erase=True)
        else:
            await self.stream_events(tracker)
            if loaded is not None:
                stored = loaded.events
            else:
                stored = await asyncio.to_thread(self._count, sender)
                stored += sum(len(kept.rows) for kept in self._kept.get(sender, []))
            new = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if not new:  # e.g. Rasa saving a new, empty conversation before its first turn
                if loaded is not None:
                    self._loaded[sender] = loaded  # still true: the turn's save needs it
                if remembered is not None:
                    self._remembered[sender] = remembered
                return
            turn = Turn([self._row(sender, event) for event in new], _inbox_id(new))
        async with self._lock(sender):
            waiting = self._kept.pop(sender, [])
            if turn.erase:
                waiting = []  # nothing before an erasure needs writing
            since = loaded.newest if loaded is not None and not waiting else None
            try:
                newest = await asyncio.to_thread(self._write, sender, [*waiting, turn], since)
            except sa.exc.SQLAlchemyError as error:
                self._keep(sender, [*waiting, turn], error)
                return
        if turn.erase:
            forget_pseudonym(sender)
            logger.info("Erased a conversation from the tracker store")
        elif newest is not None and not any(isinstance(event, SessionStarted) for event in new):
            self._remember(sender, newest, tracker)

    def _remember(self, sender: str, newest: int, tracker: DialogueStateTracker) -> None:
        """Keep the saved conversation for the sender's next turn (a new session is read
        from the database instead, as Rasa would read it: that session's events only)."""
        entry = self._remembered[sender] = (Loaded(len(tracker.events), newest), tracker)
        while len(self._remembered) > MAX_REMEMBERED:
            self._remembered.popitem(last=False)
        asyncio.get_running_loop().call_later(REMEMBER_FOR, self._let_go, sender, entry)

    def _let_go(self, sender: str, entry: tuple[Loaded, DialogueStateTracker]) -> None:
        if self._remembered.get(sender) is entry:
            del self._remembered[sender]

    def _count(self, sender: str) -> int:
        with self.session_scope() as session:
            return self._event_query(session, sender, False).count()

    def _write(self, sender: str, turns: list[Turn], since: int | None = None) -> int | None:
        """Apply these turns in order, in one transaction. With `since` (the newest event id
        when the conversation was loaded), also the newest event id now, if the database
        holds exactly what the conversation holds: the last turn's rows written, and no
        other writer's since the load. None otherwise."""
        written = 0
        with self.session_scope() as session:
            for turn in turns:
                written = 0
                if turn.erase:
                    session.query(self.SQLEvent).filter(
                        self.SQLEvent.sender_id == sender).delete(synchronize_session=False)
                elif self._applied(session, sender, turn):
                    session.execute(self._insert, turn.rows)
                    written = len(turn.rows)
            newest = None
            if since is not None and written:
                count, newest = session.execute(self._since_query,
                                                {"sender": sender, "since": since}).one()
                if count != written:
                    newest = None  # someone else wrote for this sender meanwhile
            session.commit()
        return newest

    @staticmethod
    def _applied(session: sa.orm.Session, sender: str, turn: Turn) -> bool:
        """Whether the turn's message took effect and is not in the record yet, so its events
        belong there. An inbox message's turn is recorded once (marked in this transaction):
        if two replicas handed it to Rasa, the second turn changed nothing and leaves no
        trace."""
        if turn.inbox_id is not None:
            return InboxRepository(session).mark_tracked(turn.inbox_id)
        return session.execute(_CONTACT_HELD, {"sender": sender}).first() is not None

    # --- kept writes -------------------------------------------------------------------------

    def _keep(self, sender: str, turns: list[Turn], error: Exception) -> None:
        if turns[-1].erase:
            turns = [turns[-1]]  # nothing before an erasure needs writing
        self._kept[sender] = turns
        while len(self._kept) > MAX_KEPT_SENDERS:
            lost, dropped = next(iter(self._kept.items()))
            del self._kept[lost]
            logger.error("Too many conversations waiting for the database: %d turn(s) of one "
                         "are no longer kept", len(dropped))
        logger.warning("The database refused a conversation's events (%s: %s); %d turn(s) "
                       "kept, to be written when it is back", type(error).__name__, error,
                       len(turns))
        self._start_retrier()

    async def _write_kept(self, sender: str) -> None:
        """Write this sender's kept turns (lock held). Raises while the database refuses."""
        turns = self._kept.get(sender) or []
        await asyncio.to_thread(self._write, sender, turns)
        if self._kept.get(sender) is turns:
            del self._kept[sender]
        if any(turn.erase for turn in turns):
            forget_pseudonym(sender)
        logger.info("Wrote %d kept turn(s) of a conversation", len(turns))

    def _start_retrier(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._retrier is None or self._retrier.done() or self._retrier.get_loop() is not loop:
            self._retrier = loop.create_task(self._retry_kept())

    async def _retry_kept(self) -> None:
        """Until every kept turn is written: try, and wait longer after each refusal."""
        delay = RETRY_FIRST
        while self._kept:
            await asyncio.sleep(delay)
            for sender in list(self._kept):
                try:
                    async with self._lock(sender):
                        if self._kept.get(sender):
                            await self._write_kept(sender)
                except sa.exc.SQLAlchemyError:
                    delay = min(delay * 2, RETRY_MAX)
                    break
                except Exception:  # never let the retrier die with turns still kept
                    logger.exception("Writing kept tracker events failed")
                    delay = min(delay * 2, RETRY_MAX)
                    break
            else:
                delay = RETRY_FIRST

    @staticmethod
    def _row(sender: str, event: Any) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }


def use_this_store_unwrapped() -> None:
    """Give Rasa this store without its FailSafeTrackerStore wrapper (see the module's
    docstring); any other store is wrapped as before. Called when Rasa builds the store (its
    Agent wraps it just after), never on import, so importing this module changes nothing."""
    from rasa.core.agent import Agent

    original = Agent._create_tracker_store
    if getattr(original, "engage_unwrapped", False):
        return

    def create(store: TrackerStore | None, domain: Domain) -> TrackerStore:
        if isinstance(store, PrivateSQLTrackerStore):
            store.domain = domain
            return store
        return original(store, domain)

    create.engage_unwrapped = True  # type: ignore[attr-defined]
    Agent._create_tracker_store = staticmethod(create)
