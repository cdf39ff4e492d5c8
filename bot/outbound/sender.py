"""OutboxSender: sends due outbox rows through the channel providers, with retries.

Runs in the Rasa process. Residents are served side by side, each one's messages strictly in
order: a message waiting for a retry holds back that resident's later ones. Each channel has
its own rate limit, shared through the database (bot.outbound.pacing, key `send:<channel>`) so
it holds however many Rasa processes send. Campaign-initiated rows (quiet_tz set, not a reply)
wait out the quiet hours of their campaign's time zone (bot.clock time); replies never wait.
The address is decrypted from the vault just before the send and is never logged or stored
elsewhere (provider error texts are scrubbed of it).

A sender that dies between the provider's acceptance and its own record (a killed replica)
leaves its rows claimed until the lease runs out. The sender that takes such a row over asks
the provider first (Twilio lists recent messages to the address) and records the message it
finds instead of sending it twice. Telegram cannot be asked: there a takeover resends.

Database work runs in a thread so the event loop (Rasa's) keeps serving webhooks meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot import bootstrap, metrics, quiet
from bot import clock as quiet_clock
from bot.campaigns.model import DEFAULT_QUIET_HOURS, DEFAULT_TIMEZONE
from bot.channels.pseudonyms import forget_pseudonym
from bot.outbound.pacing import reserve
from bot.outbound.providers import (
    Outgoing,
    ProviderSender,
    RetryableError,
    SendError,
    build_providers,
)
from bot.outbound.ratelimit import DEFAULT_RATES, TokenBucket, rates_from_env
from bot.settings import environ
from bot.store import outbox
from bot.store.db import transaction
from bot.store.models import Contact, InboxMessage, OutboxMessage, utcnow
from bot.store.vault import ContactVault

logger = logging.getLogger(__name__)
LOOKUP_SKEW = timedelta(minutes=5)  # the provider's clock against ours
_running: OutboxSender | None = None  # the sender whose run() loop is live in this process


def kick() -> None:
    """Wake this process's running sender, if any, without waiting for it: for code that
    has just queued rows (bot.channels.outbox_output, the inbox processor)."""
    if _running is not None:
        _running.wake()


@dataclass(frozen=True)
class SenderSettings:
    poll_seconds: float = 1.0  # ENGAGE_OUTBOX_POLL
    max_attempts: int = 8  # ENGAGE_SEND_MAX_ATTEMPTS, then the row is failed
    backoff_base: float = 1.0  # ENGAGE_SEND_BACKOFF: first retry after this, then doubling
    backoff_cap: float = 60.0  # ENGAGE_SEND_BACKOFF_MAX
    rates: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    batch: int = 200  # rows claimed per pass
    concurrency: int = 16  # residents served at once
    # A claimed row is taken again after this if its sender died (a killed replica); a live
    # sender renews the lease of the rows it still holds every third of it.
    lease_seconds: float = 30.0
    quiet_recheck: float = quiet.DEFAULT_RECHECK  # ENGAGE_QUIET_RECHECK: held rows look again
    # ENGAGE_SHARED_PACING (default on): pace through the database, across processes; off:
    # an in-process token bucket (one sending process only; saves a write per message).
    shared_pacing: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SenderSettings:
        env = environ() if env is None else env
        return cls(
            poll_seconds=float(env.get("ENGAGE_OUTBOX_POLL") or 1.0),
            max_attempts=int(env.get("ENGAGE_SEND_MAX_ATTEMPTS") or 8),
            backoff_base=float(env.get("ENGAGE_SEND_BACKOFF") or 1.0),
            backoff_cap=float(env.get("ENGAGE_SEND_BACKOFF_MAX") or 60.0),
            rates=rates_from_env(env),
            quiet_recheck=quiet.recheck_seconds(env),
            shared_pacing=(env.get("ENGAGE_SHARED_PACING") or "1").lower()
            not in ("0", "false", "no", "off"),
        )

    def backoff(self, failures: int) -> float:
        """1, 2, 4 ... seconds (times backoff_base) after the 1st, 2nd, 3rd failure, capped."""
        return min(self.backoff_cap, self.backoff_base * 2 ** max(0, failures - 1))


@dataclass(frozen=True)
class Job:
    """What a pass needs of a claimed row, detached from its session."""

    id: int
    channel: str
    pseudonym: str
    body: str
    buttons: list[Any] | None
    template: str | None
    attempts: int
    inbox_id: int | None
    forget_contact_after: bool
    created_at: datetime
    # Claimed before, by a sender whose lease ran out (killed mid-send?): it may have gone.
    uncertain: bool = False

    @classmethod
    def of(cls, row: OutboxMessage) -> Job:
        return cls(row.id, row.channel, row.pseudonym, row.body, row.buttons, row.template,
                   row.attempts, row.inbox_id, bool(row.forget_contact_after), row.created_at,
                   row.status == outbox.SENDING)


class OutboxSender:
    def __init__(self, factory: sessionmaker, secret: str,
                 providers: Mapping[str, ProviderSender],
                 settings: SenderSettings | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 quiet_clock: Callable[[], datetime] = quiet_clock.now) -> None:
        self.factory, self.secret, self.clock = factory, secret, clock
        self.quiet_clock = quiet_clock  # bot.clock.now: tests move it in running processes
        self.providers = dict(providers)
        self.settings = settings or SenderSettings()
        self.buckets = {channel: TokenBucket(self.settings.rates.get(channel, 1.0))
                        for channel in self.providers}
        self._pass_lock = asyncio.Lock()
        self._queued_pass: asyncio.Future[int] | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    @classmethod
    def from_env(cls, factory: sessionmaker | None = None, secret: str | None = None,
                 env: Mapping[str, str] | None = None) -> OutboxSender:
        """The sender for the Rasa process: a provider for every configured channel."""
        providers = build_providers(env)
        logger.info("Outbound sender for: %s", ", ".join(sorted(providers)) or "no channel")
        return cls(factory or bootstrap.sessions(), secret or bootstrap.secret(), providers,
                   SenderSettings.from_env(env))

    # Running

    async def kick(self) -> int:
        """Send what is due now; returns how many rows were handled. Kicks during a pass share
        the one pass queued after it, so a burst of kicks costs at most two passes."""
        if self._queued_pass is None:
            self._queued_pass = asyncio.ensure_future(self._next_pass())
        return await asyncio.shield(self._queued_pass)

    async def _next_pass(self) -> int:
        async with self._pass_lock:
            self._queued_pass = None
            total = 0
            while True:
                jobs = await asyncio.to_thread(self._claim_due)
                renewing = asyncio.ensure_future(self._renew_while_sending(jobs))
                try:
                    total += await self._send(jobs)
                finally:
                    renewing.cancel()
                if len(jobs) < self.settings.batch:
                    return total

    async def _renew_while_sending(self, jobs: list[Job]) -> None:
        """Keep this pass's rows leased while it works through them (paced, a batch can take
        longer than the lease)."""
        if not jobs:
            return
        lease = timedelta(seconds=self.settings.lease_seconds)
        ids = [job.id for job in jobs]
        while True:
            await asyncio.sleep(self.settings.lease_seconds / 3)
            try:
                await asyncio.to_thread(self._renew, ids, lease)
            except Exception:  # noqa: BLE001 - the next round tries again
                logger.warning("Outbox leases not renewed (database unavailable?)")

    def wake(self) -> None:
        """Ask run() for a pass now, without waiting for it; safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Pass after pass, every ENGAGE_OUTBOX_POLL seconds (or sooner when woken)."""
        global _running
        self._loop, self._stopping, _running = asyncio.get_running_loop(), False, self
        try:
            while not self._stopping:
                try:
                    await self.kick()
                except Exception:  # a database outage must not end the loop
                    logger.exception("Outbox pass failed; trying again in %.1fs",
                                     self.settings.poll_seconds)
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()
        finally:
            if _running is self:
                _running = None

    def stop(self) -> None:
        self._stopping = True
        self.wake()

    async def close(self) -> None:
        """Stop the loop, let a pass under way finish, then close the provider clients."""
        self.stop()
        pending = self._queued_pass
        if pending is not None:
            await asyncio.gather(pending, return_exceptions=True)
        async with self._pass_lock:
            for provider in self.providers.values():
                await provider.close()

    # One pass

    def _claim_due(self) -> list[Job]:
        now = self.clock()
        lease = timedelta(seconds=self.settings.lease_seconds)
        claimed: list[Job] = []
        with transaction(self.factory) as session:
            held_back: set[str] = set()
            quiet_held: set[str] = set()  # residents whose campaign rows wait for the morning
            held = 0
            for row in outbox.due(session, now, self.settings.batch, list(self.providers)):
                if row.pseudonym in held_back:
                    continue
                campaign_row = row.quiet_tz is not None and row.inbox_id is None
                if campaign_row and row.pseudonym in quiet_held:
                    continue
                if campaign_row and self._hold_for_quiet(session, row, now):
                    quiet_held.add(row.pseudonym)
                    held += 1
                    continue
                if outbox.claim(session, row.id, now, lease):
                    claimed.append(Job.of(row))
                else:  # another sender has it: keep this resident's order
                    held_back.add(row.pseudonym)
        if held:
            logger.info("Quiet hours: %d campaign message(s) held; looking again within %.0fs",
                        held, self.settings.quiet_recheck)
        return claimed

    def _hold_for_quiet(self, session: Session, row: OutboxMessage, now: datetime) -> bool:
        """Defer a campaign row that is due in its quiet hours; no attempt is counted. The
        row is looked at again after min(rest of the quiet hours, ENGAGE_QUIET_RECHECK)."""
        start, end = (row.quiet_hours or "-".join(DEFAULT_QUIET_HOURS)).split("-", 1)
        tz = str(row.quiet_tz)
        clock_now = self.quiet_clock()
        try:
            until = quiet.quiet_until(clock_now, tz, start, end)
        except ValueError as error:  # a bad zone or window must not send at night
            logger.warning("Outbox %s: %s; using %s and the default quiet hours", row.id,
                           error, DEFAULT_TIMEZONE)
            until = quiet.quiet_until(clock_now, DEFAULT_TIMEZONE)
        if until is None:
            return False
        wait = min((until - clock_now).total_seconds(), self.settings.quiet_recheck)
        outbox.defer(session, row.id, now + timedelta(seconds=max(wait, 0.0)))
        logger.debug("Outbox %s on %s held for quiet hours; looking again in %.0fs", row.id,
                     row.channel, wait)
        return True

    async def _send(self, jobs: list[Job]) -> int:
        residents: dict[str, list[Job]] = {}
        for job in jobs:
            residents.setdefault(job.pseudonym, []).append(job)
        gate = asyncio.Semaphore(self.settings.concurrency)
        done = await asyncio.gather(*(self._send_resident(queue, gate)
                                      for queue in residents.values()))
        return sum(done)

    async def _send_resident(self, queue: list[Job], gate: asyncio.Semaphore) -> int:
        async with gate:
            for index, job in enumerate(queue):
                try:
                    sent = await self._send_one(job)
                except Exception:  # the database is away: the rest go back to the queue
                    with suppress(Exception):  # (else their leases run out)
                        await _database(self._release, [later.id for later in queue[index + 1:]])
                    raise
                if not sent:  # waits for a retry: the rest wait too
                    rest = [later.id for later in queue[index + 1:]]
                    await asyncio.to_thread(self._release, rest)
                    return index + 1
            return len(queue)

    async def _send_one(self, job: Job) -> bool:
        """False when the row was put back for a retry."""
        prepared = await _database(self._prepare, job)
        if isinstance(prepared, str):
            await _database(self._record_failure, job, SendError(prepared), None)
            return True
        if job.uncertain and (found := await self._already_sent(job, prepared)):
            logger.warning("Outbox %s had gone before its sender stopped (found at the "
                           "provider as %s): recorded, not sent again", job.id, found)
            await _database(self._record_sent, job, found)
            return True
        await self._pace(job.channel)
        try:
            provider_id = await self.providers[job.channel].send(prepared)
        except SendError as error:
            return await _database(self._record_failure, job, error, prepared.address)
        except Exception as error:  # a bug or an unforeseen client error: retry, bounded
            logger.exception("Outbox %s: unexpected error from the %s sender", job.id,
                             job.channel)
            failure = RetryableError(f"unexpected {type(error).__name__}")
            return await _database(self._record_failure, job, failure, prepared.address)
        # Sent: the record must follow, or the lease would run out and send it again.
        await _database(self._record_sent, job, provider_id)
        return True

    async def _already_sent(self, job: Job, prepared: Outgoing) -> str | None:
        """The provider's id for this row if an earlier sender sent it but died before
        recording it: a message to the same address with the same text, made since the row
        was, that no other row of the resident is recorded as. None when the provider cannot
        say (Telegram cannot list sent messages: there a resend may repeat one)."""
        find = getattr(self.providers[job.channel], "find_sent", None)
        if find is None:
            return None
        try:
            candidates = await find(prepared, job.created_at - LOOKUP_SKEW)
            if not candidates:
                return None
            known = await _database(self._recorded_ids, job.pseudonym, candidates)
        except Exception:  # noqa: BLE001 - cannot tell: sending again beats losing it
            logger.warning("Outbox %s: could not ask the provider whether it went; sending",
                           job.id, exc_info=True)
            return None
        fresh = [sid for sid in candidates if sid not in known]
        return fresh[-1] if fresh else None  # the oldest: rows go in order

    def _recorded_ids(self, pseudonym: str, candidates: list[str]) -> set[str]:
        with transaction(self.factory) as session:
            return set(session.execute(sa.select(OutboxMessage.provider_message_id).where(
                OutboxMessage.pseudonym == pseudonym,
                OutboxMessage.provider_message_id.in_(candidates))).scalars())

    async def _pace(self, channel: str) -> None:
        """Wait for this channel's next slot (see SenderSettings.shared_pacing)."""
        if not self.settings.shared_pacing:
            await self.buckets[channel].acquire()
            return
        rate = self.settings.rates.get(channel, 1.0)
        wait = await _database(reserve, self.factory, f"send:{channel}", rate)
        if wait > 0:
            await asyncio.sleep(wait)

    # Database steps (in a worker thread)

    def _prepare(self, job: Job) -> Outgoing | str:
        """The decrypted address and what the provider must know, or why not to send."""
        provider = self.providers[job.channel]
        with transaction(self.factory) as session:
            contact = session.query(Contact).filter_by(pseudonym=job.pseudonym).one_or_none()
            if contact is None:
                return provider.no_address
            if contact.opted_out_at is not None and job.inbox_id is None:
                return "the resident has opted out (only replies to their own messages go)"
            address = ContactVault(session, self.secret).address_of(job.pseudonym)
            last_inbound = session.query(sa.func.max(InboxMessage.received_at)).filter(
                InboxMessage.pseudonym == job.pseudonym, InboxMessage.channel == job.channel
            ).scalar()
        if address is None:
            return provider.no_address
        return Outgoing(address, job.body, job.buttons, job.template, last_inbound, self.clock())

    def _record_sent(self, job: Job, provider_id: str) -> None:
        with transaction(self.factory) as session:
            outbox.mark_sent(session, job.id, provider_id, self.clock())
            if job.forget_contact_after:
                self._forget(session, job)
        logger.info("Outbox %s sent on %s as %s", job.id, job.channel, provider_id)
        metrics.MESSAGES_OUT.labels(job.channel).inc()
        self._forgotten(job)

    def _record_failure(self, job: Job, error: SendError, address: str | None) -> bool:
        """Schedule a retry (returns False) or fail the row for good (True)."""
        reason = scrub(error.reason, address)
        metrics.SEND_FAILURES.labels(job.channel).inc()
        failures = job.attempts + 1
        retry = error.retryable and failures < self.settings.max_attempts
        delay = max(self.settings.backoff(failures), error.retry_after or 0.0)
        with transaction(self.factory) as session:
            if retry:
                outbox.mark_retry(session, job.id, reason,
                                  self.clock() + timedelta(seconds=delay))
            else:
                if error.retryable:
                    reason = f"gave up after {failures} attempts: {reason}"
                outbox.mark_failed(session, job.id, reason)
            if error.opted_out:
                ContactVault(session, self.secret).mark_opted_out(job.pseudonym)
            if not retry and job.forget_contact_after:
                self._forget(session, job)
        if retry:
            logger.warning("Outbox %s on %s: %s; retry %d in %.1fs", job.id, job.channel,
                           reason, failures, delay)
            return False
        logger.warning("Outbox %s on %s failed: %s", job.id, job.channel, reason)
        self._forgotten(job)
        return True

    def _renew(self, row_ids: list[int], lease: timedelta) -> None:
        with transaction(self.factory) as session:
            outbox.renew(session, row_ids, self.clock(), lease)

    def _release(self, row_ids: list[int]) -> None:
        if row_ids:
            with transaction(self.factory) as session:
                outbox.release(session, row_ids, self.clock())

    @staticmethod
    def _forget(session: Session, job: Job) -> None:
        """After an erasure's confirmation: the address goes, and so do this last row and the
        DELETE message it answers (both name the pseudonym; the erasure itself keeps only
        the bare fact)."""
        session.query(Contact).filter_by(pseudonym=job.pseudonym).delete(
            synchronize_session=False)
        session.query(OutboxMessage).filter_by(id=job.id).delete(synchronize_session=False)
        if job.inbox_id is not None:
            session.query(InboxMessage).filter_by(id=job.inbox_id, pseudonym=job.pseudonym
                                                  ).delete(synchronize_session=False)

    @staticmethod
    def _forgotten(job: Job) -> None:
        if job.forget_contact_after:  # the connectors' cache of known pseudonyms
            forget_pseudonym(job.pseudonym)


DATABASE_TRIES = 6  # 0.2 + 0.4 + ... about 6 s in all


async def _database(step: Callable[..., Any], *args: Any) -> Any:
    """A database step of a send, in a worker thread, tried again when the connection was
    lost (PostgreSQL restarted, an idle connection ended): the pool gives a fresh one. A
    row left `sending` waits out its lease (5 minutes), so a dropped connection must not
    leave it there, above all once the provider has taken the message."""
    for attempt in range(DATABASE_TRIES):
        try:
            return await asyncio.to_thread(step, *args)
        except sa.exc.DBAPIError as error:
            if not (error.connection_invalidated or isinstance(error, sa.exc.OperationalError)) \
                    or attempt == DATABASE_TRIES - 1:
                raise
            logger.warning("Outbox: the database connection was lost (%s); trying again",
                           type(error.orig).__name__)
            await asyncio.sleep(0.2 * 2 ** attempt)
    raise AssertionError("unreachable")


def scrub(reason: str, address: str | None) -> str:
    """Provider errors may quote the number ("The 'To' number +44... is not valid")."""
    if not address:
        return reason
    bare = address.removeprefix("whatsapp:")
    for form in sorted({address, bare, bare.lstrip("+")}, key=len, reverse=True):
        if len(form) >= 4:
            reason = reason.replace(form, "<address>")
    return reason


_background: asyncio.Task | None = None


def start_in_background() -> None:
    """Start this process's sender loop once (the Rasa process, when its channels start)."""
    global _background
    if _background is None or _background.done():
        _background = asyncio.get_running_loop().create_task(OutboxSender.from_env().run())


async def stop_background() -> None:
    global _background
    if _background is not None and _running is not None:
        await _running.close()
    _background = None
