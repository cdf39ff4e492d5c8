"""Hands recorded inbox messages to Rasa, one resident at a time, in order, until applied.

A channel records a message and calls `kick(pseudonym)`; a loop every ENGAGE_INBOX_POLL
seconds retries what is due; `POST /webhooks/inbox/replay` (`engage inbox replay`) does all
pending messages at once. After Rasa has handled a message the row is read again: the action
marks it `processed` in its own transaction, so a row still `pending` was not applied (action
server down, database busy...) and is retried later with backoff. A later message from the
same resident waits: answers must reach the engine in the order they were sent.

Across Rasa replicas, a resident's messages go to Rasa from one process at a time: the
processor claims the resident in the database (`inbox_claims`, an atomic upsert) before it
looks at their messages, renews the claim while it works and deletes it when done, then
looks once more for a message another replica recorded meanwhile (whose own kick found the
claim taken). A process that dies leaves its claim to expire (ENGAGE_INBOX_CLAIM_SECONDS).

A Rasa process that dies after the action committed a message (row `processed`) but before
Rasa saved the turn leaves the resident's words out of the tracker store. Whoever next claims
the resident hands that message to Rasa once more, before anything newer: the action sees it
was applied and changes nothing, and the tracker store records the turn, in its place.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from weakref import WeakValueDictionary

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import sessionmaker

from bot import bootstrap, config, metrics, settings
from bot.channels.common import cap_request_size
from bot.channels.outbox_output import kick_sender
from bot.channels.validate import load_json
from bot.outbound import sender
from bot.store.db import transaction
from bot.store.inbox import FAILED, PENDING, InboxRepository
from bot.store.models import InboxMessage, utcnow

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
POLL_ENV, MAX_ATTEMPTS_ENV = "ENGAGE_INBOX_POLL", "ENGAGE_INBOX_MAX_ATTEMPTS"
DEFAULT_POLL, DEFAULT_MAX_ATTEMPTS = 2.0, 50
CLAIM_ENV, DEFAULT_CLAIM_SECONDS = "ENGAGE_INBOX_CLAIM_SECONDS", 30.0
BUSY = "busy"  # another process holds the resident's claim
STALE_CLAIMS = timedelta(hours=1)  # expired this long: left by a process that died
MAX_BACKOFF_SECONDS = 300
TURN_TIMEOUT = 300.0  # a Rasa turn that takes longer is treated as failed
BATCH = 50
MAX_RETRACKED = 10_000  # ids remembered so a repair is tried once per process
REPLAY_LABEL = b"engage/inbox-replay/v1"
# Not text (a photo, an empty or unreadable message...): no NLU guess, straight to the engine
# (every intent's rule runs action_engage), which reads `kind` and answers kindly.
NOT_TEXT_INTENT = "inform"
NEW, DUE, ALL = "new", "due", "all"  # when process() may start: see there


def replay_token(secret: str) -> str:
    """The bearer token `engage inbox replay` sends: derived from the secret, never stored."""
    return hmac.new(secret.encode(), REPLAY_LABEL, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds after each failed attempt, at most five minutes."""
    return timedelta(seconds=min(2 ** max(attempts, 1), MAX_BACKOFF_SECONDS))


@dataclass
class Counts:
    processed: int = 0  # applied (or erased meanwhile)
    retrying: int = 0  # failed this time, will be tried again
    abandoned: int = 0  # failed too often: status `failed`, until a replay revives it

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.processed + other.processed, self.retrying + other.retrying,
                      self.abandoned + other.abandoned)


@dataclass(frozen=True)
class _Route:
    on_new_message: OnNewMessage
    output_channel: OutputChannel


@dataclass(frozen=True)
class _Row:
    """What processing needs of a row, read in a closed transaction."""

    id: int
    channel: str
    pseudonym: str
    kind: str
    body: str
    attempts: int

    @classmethod
    def of(cls, row: InboxMessage) -> _Row:
        return cls(row.id, row.channel, row.pseudonym, row.kind, row.body, row.attempts)


def user_message(row: _Row, output_channel: OutputChannel) -> UserMessage:
    parse_data = None
    if row.kind != "text":
        parse_data = {"text": row.body, "entities": [],
                      "intent": {"name": NOT_TEXT_INTENT, "confidence": 1.0}}
    return UserMessage(row.body, output_channel, row.pseudonym, parse_data=parse_data,
                       input_channel=row.channel,
                       metadata={"inbox_id": row.id, "kind": row.kind})


class InboxProcessor:
    """One per Rasa process (see `inbox_processor()`), shared by every provider channel."""

    def __init__(self, factory: sessionmaker, *, poll: float = DEFAULT_POLL,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, turn_timeout: float = TURN_TIMEOUT,
                 after_turns: Callable[[], None] = kick_sender,
                 claim_seconds: float = DEFAULT_CLAIM_SECONDS) -> None:
        self.factory = factory
        self.poll = poll
        self.lease = timedelta(seconds=claim_seconds)
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: set[str] = set()  # residents this process has claimed
        self._retracked: set[int] = set()  # applied rows handed to Rasa again for the tracker
        self._renewer: asyncio.Task | None = None
        self.max_attempts = max_attempts
        self.turn_timeout = turn_timeout
        self.after_turns = after_turns
        self._routes: dict[str, _Route] = {}
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None

    @classmethod
    def from_env(cls, factory: sessionmaker | None = None) -> InboxProcessor:
        return cls(factory or bootstrap.sessions(),
                   poll=float(settings.value(POLL_ENV) or DEFAULT_POLL),
                   max_attempts=int(settings.value(MAX_ATTEMPTS_ENV) or DEFAULT_MAX_ATTEMPTS),
                   claim_seconds=float(settings.value(CLAIM_ENV) or DEFAULT_CLAIM_SECONDS))

    def register(self, channel: str, on_new_message: OnNewMessage,
                 output_channel: OutputChannel) -> None:
        """A channel's blueprint says how its messages reach Rasa and how Rasa answers."""
        self._routes[channel] = _Route(on_new_message, output_channel)

    # --- scheduling --------------------------------------------------------------------------

    def kick(self, pseudonym: str) -> asyncio.Task:
        """Process this resident's pending messages soon, in the background."""
        self.start()
        task = asyncio.get_running_loop().create_task(self.process(pseudonym))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def start(self) -> None:
        """Start the retry loop in the running event loop, once."""
        running = asyncio.get_running_loop()
        task = self._loop_task
        if task is not None and not task.done() and task.get_loop() is running:
            return
        self._loop_task = running.create_task(self._retry_forever())
        self._renewer = running.create_task(self._renew_forever())

    async def stop(self) -> None:
        """Stop the loop and any turn in progress; unfinished messages stay pending, and the
        residents this process held are free for another replica at once."""
        tasks = [t for t in [self._loop_task, self._renewer, *self._tasks]
                 if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop_task = self._renewer = None
        held, self._held = list(self._held), set()
        try:
            await asyncio.to_thread(self._release_all, held)
        except Exception:  # the claims expire by themselves
            logger.warning("Could not release %d inbox claim(s) on the way out", len(held))

    async def idle(self) -> None:
        """Wait for the kicked work in progress (tests, orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _renew_forever(self) -> None:
        """Keep this process's claims alive while it works on them (a turn may be slow)."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                if self._held:
                    await asyncio.to_thread(self._renew, list(self._held))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("Inbox claims not renewed (database unavailable?)", exc_info=True)

    async def _retry_forever(self) -> None:
        rounds = 0
        while True:
            try:
                if rounds % max(int(60 / max(self.poll, 0.1)), 1) == 0:
                    await asyncio.to_thread(self._drop_stale_claims)
                rounds += 1
                await self.process_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end the loop
                logger.exception("Inbox retry loop failed; trying again in %.0fs", self.poll)
            await asyncio.sleep(self.poll)

    # --- processing --------------------------------------------------------------------------

    async def process_due(self) -> Counts:
        due = await asyncio.to_thread(self._due)
        return await self._process_all(due, DUE)

    async def replay(self, include_failed: bool = False) -> dict[str, int]:
        """Every pending message now, due or not (and abandoned ones too if asked)."""
        revived, everyone = await asyncio.to_thread(self._everyone, include_failed)
        counts = Counts()
        for start in range(0, len(everyone), BATCH):
            counts += await self._process_all(everyone[start:start + BATCH], ALL)
        left, failed = await asyncio.to_thread(self._totals)
        return {"residents": len(everyone), **asdict(counts), "revived": revived,
                "pending": left, "failed": failed}

    async def _process_all(self, pseudonyms: list[str], mode: str) -> Counts:
        results = await asyncio.gather(*(self.process(p, mode) for p in pseudonyms))
        return sum(results, Counts())

    async def process(self, pseudonym: str, mode: str = NEW) -> Counts:
        """This resident's pending messages in order, until one is not applied.

        When to start (`mode`): NEW (a message just arrived: go unless the oldest is backing
        off after a failure), DUE (the retry loop: only if the oldest's time has come, which
        for a new message is after CLAIM, so it never races its receiving process), ALL (a
        replay: now). Once started, the later messages follow at once."""
        counts = Counts()
        lock = self._locks.get(pseudonym)
        if lock is None:
            lock = self._locks[pseudonym] = asyncio.Lock()
        async with lock:
            await self._process_claimed(pseudonym, mode, counts)
        if counts.processed:
            self.after_turns()
        return counts

    async def _process_claimed(self, pseudonym: str, mode: str, counts: Counts) -> None:
        """Claim the resident, hand their messages over one by one, let go (see `_next`)."""
        row = await asyncio.to_thread(self._next, pseudonym, mode, True)
        if not isinstance(row, _Row):
            return  # nothing to do, or another process is on it
        self._held.add(pseudonym)
        released = False
        try:
            while isinstance(row, _Row):
                error = await self._hand_to_rasa(row)
                if await asyncio.to_thread(self._done, row.id):
                    counts.processed += 1
                elif await asyncio.to_thread(self._failed, row, error or
                                             "not applied: still pending after the turn"):
                    counts.abandoned += 1
                else:
                    counts.retrying += 1  # the rest waits: order per resident
                    return
                row = await asyncio.to_thread(self._next, pseudonym, ALL)
            released = True  # `_next` let the claim go with its last look
        finally:
            if not released:
                await self._let_go(pseudonym)
            self._held.discard(pseudonym)

    async def _let_go(self, pseudonym: str) -> None:
        try:
            await asyncio.to_thread(self._release_all, [pseudonym])
        except Exception:  # it expires by itself
            logger.warning("Could not release the inbox claim of a resident", exc_info=True)

    # --- database work (blocking: run in a thread, Rasa's event loop keeps serving) ---------

    def _due(self) -> list[str]:
        with transaction(self.factory) as session:
            return InboxRepository(session).due_pseudonyms(utcnow(), limit=BATCH)

    def _everyone(self, include_failed: bool) -> tuple[int, list[str]]:
        with transaction(self.factory) as session:
            inbox = InboxRepository(session)
            revived = inbox.revive_failed() if include_failed else 0
            return revived, inbox.pending_pseudonyms()

    def _totals(self) -> tuple[int, int]:
        with transaction(self.factory) as session:
            inbox = InboxRepository(session)
            return inbox.count(PENDING), inbox.count(FAILED)

    def _next(self, pseudonym: str, mode: str, claim: bool = False) -> _Row | str | None:
        """The resident's next message to hand to Rasa, in one transaction. With `claim`
        (the first call), take the resident's claim first: BUSY if another process has it.
        When there is nothing (more) to do, the claim goes, and then the resident's messages
        are read once more: one recorded by another replica while we held the claim (its
        kick found the claim taken) is ours after all, and the claim is taken back."""
        now = utcnow()
        with transaction(self.factory) as session:
            inbox = InboxRepository(session)
            if claim and not inbox.claim(pseudonym, self.owner, self.lease, now):
                return BUSY
            rows = inbox.pending_for(pseudonym, now if mode == DUE else None,
                                     untracked_too=claim)
            if claim and (orphan := self._untracked(rows)) is not None:
                return orphan
            rows = [row for row in rows if row.status == PENDING]
            head = rows[0] if rows else None
            if head is not None and mode == NEW and head.attempts and head.next_attempt_at > now:
                head = None  # a new message does not cut the oldest's backoff short
            if head is not None:
                return _Row.of(head)
            inbox.release(pseudonym, self.owner)
            if mode != DUE and inbox.has_ready(pseudonym, now) and \
                    inbox.claim(pseudonym, self.owner, self.lease, now):
                return _Row.of(inbox.pending_for(pseudonym)[0])
            return None

    def _untracked(self, rows: list[InboxMessage]) -> _Row | None:
        """The oldest applied message among `rows` whose turn a dead process never saved, to
        be handed to Rasa again (once per process: a second failure is left for a later
        claim)."""
        row = next((r for r in rows if r.status != PENDING and r.id not in self._retracked),
                   None)
        if row is None:
            return None
        if len(self._retracked) >= MAX_RETRACKED:
            self._retracked.clear()
        self._retracked.add(row.id)
        logger.warning("Inbox message %s was applied but never reached the tracker store "
                       "(its Rasa process died mid-turn?): handing it to Rasa again", row.id)
        return _Row.of(row)

    def _renew(self, pseudonyms: list[str]) -> None:
        with transaction(self.factory) as session:
            InboxRepository(session).renew(pseudonyms, self.owner, self.lease)

    def _release_all(self, pseudonyms: list[str]) -> None:
        with transaction(self.factory) as session:
            inbox = InboxRepository(session)
            for pseudonym in pseudonyms:
                inbox.release(pseudonym, self.owner)

    def _drop_stale_claims(self) -> None:
        with transaction(self.factory) as session:
            InboxRepository(session).drop_expired_claims(STALE_CLAIMS)

    def _done(self, row_id: int) -> bool:
        with transaction(self.factory) as session:
            return InboxRepository(session).is_processed(row_id)

    async def _hand_to_rasa(self, row: _Row) -> str | None:
        """Rasa's turn for this message; the error, if it raised."""
        route = self._routes.get(row.channel)
        if route is None:
            return f"channel {row.channel!r} is not served by this process"
        try:
            with metrics.TURN_SECONDS.labels(row.channel).time():
                await asyncio.wait_for(
                    route.on_new_message(user_message(row, route.output_channel)),
                    self.turn_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # whatever it was, the row stays and is retried
            logger.exception("Inbox message %s: Rasa's turn failed", row.id)
            return f"{type(error).__name__}: {error}"
        return None

    def _failed(self, row: _Row, error: str) -> bool:
        """Count a failed attempt. True when it was the last one allowed (row abandoned)."""
        attempts = row.attempts + 1
        with transaction(self.factory) as session:
            inbox = InboxRepository(session)
            if attempts >= self.max_attempts:
                inbox.abandon(row.id, error)
                logger.error("Inbox message %s abandoned after %d attempts (%s); "
                             "`engage inbox replay` can revive it", row.id, attempts, error)
                return True
            wait = backoff(attempts)
            inbox.mark_failed(row.id, error, wait)
        logger.warning("Inbox message %s not applied (attempt %d: %s); retry in %ss",
                       row.id, attempts, error, int(wait.total_seconds()))
        return False


def inbox_processor() -> InboxProcessor:
    """This process's processor (bot.bootstrap), on ENGAGE_DATABASE_URL."""
    return bootstrap.shared("inbox", lambda: InboxProcessor.from_env(bootstrap.sessions()))


def attach(blueprint: Blueprint, processor: InboxProcessor) -> None:
    """Run the processor's retry loop while the server runs (every channel attaches; the loop
    starts once), on a server whose request bodies are capped."""
    cap_request_size(blueprint)

    @blueprint.listener("after_server_start")
    async def _start(*_: Any) -> None:
        processor.start()
        sender.start_in_background()

    @blueprint.listener("before_server_stop")
    async def _stop(*_: Any) -> None:
        await processor.stop()
        await sender.stop_background()


# --- the replay endpoint --------------------------------------------------------------------

def authorised(request: Request, secret: str | None) -> bool:
    given = request.headers.get("authorization") or ""
    scheme, _, token = given.partition(" ")
    if not secret or scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(token.strip().encode(), replay_token(secret).encode())


class InboxReplayInput(InputChannel):
    """`POST /webhooks/inbox/replay`: process every pending inbox message now.

    Body (optional): {"failed": true} to revive abandoned messages too. Answers the counts.
    """

    def __init__(self, processor: InboxProcessor | None = None,
                 secret: str | None = None) -> None:
        self._processor = processor
        self._secret = secret

    @classmethod
    def name(cls) -> str:
        return "inbox"

    @property
    def processor(self) -> InboxProcessor:
        return self._processor or inbox_processor()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = Blueprint("engage_inbox_replay", __name__)
        processor = self.processor
        attach(hook, processor)

        @hook.route("/replay", methods=["POST"])
        async def replay(request: Request) -> HTTPResponse:
            if not authorised(request, self._secret or config.read_secret()):
                return response.json({"error": "A valid replay token is required."}, status=403)
            try:
                options = load_json(request.body) if request.body else {}
            except ValueError:  # not UTF-8, too deep, not JSON, a key twice
                options = None
            if not isinstance(options, dict) or type(options.get("failed", False)) is not bool:
                return response.json({"error": 'The body must be a JSON object, such as '
                                      '{"failed": true}.'}, status=400)
            return response.json(await processor.replay(options.get("failed", False)))

        return hook
