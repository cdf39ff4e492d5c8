"""The worker's tasks: invitations, the sweep that finds lost ones, reminders, the daily purge.

Each task is a thin huey wrapper round a function that does the work (`invite_once`,
`sweep_once`, `remind_due`, `purge_once`) and can be called, and tested, without a consumer.

Invitations are never sent twice and never lost:
- a task first *claims* its invitation (status queued and no live claim -> claimed_until =
  now + ENGAGE_INVITE_LEASE, attempts + 1) in one conditional UPDATE, so of two workers
  running the same invitation only one triggers it while the claim lasts;
- the conversation service (in the action server) records the invitation as sent in the same
  transaction as the messages it queues, and does nothing for one already sent or failed;
- a claim that runs out (a worker killed mid-send) lets the sweep enqueue it again;
- after ENGAGE_INVITE_MAX_ATTEMPTS claims the invitation is failed with the last reason, and
  at once when Rasa refuses the worker's token (a setting to fix; a relaunch tries again).

Quiet hours and reminder due times use bot.clock.now() (movable by tests); claims, due times
and backoff use real time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from huey import crontab
from huey.api import Huey
from sqlalchemy.orm import sessionmaker

from bot import bootstrap, clock, quiet
from bot.campaigns.model import DEFAULT_TIMEZONE
from bot.outbound.pacing import reserve, take_turn
from bot.outbound.ratelimit import rates_from_env
from bot.settings import environ
from bot.store.db import transaction
from bot.store.models import (
    CampaignVersion,
    Contact,
    Invitation,
    Launch,
    Participant,
    utcnow,
)
from bot.worker import rasa_client
from bot.worker.queue import huey

logger = logging.getLogger(__name__)

# trigger(pseudonym, intent, entities, output_channel); raises on failure
Trigger = Callable[[str, str, Mapping[str, Any], str], None]
Sleep = Callable[[float], None]

INVITE_INTENT, REMIND_INTENT = "EXTERNAL_invite", "EXTERNAL_remind"
QUEUED, SENT, FAILED = "queued", "sent", "failed"
SWEEP_GRACE = timedelta(seconds=60)  # a launch enqueues right after inserting: leave it time
PERIODIC_BUDGET = 50.0  # seconds a periodic run may work; the next run goes on from there


@dataclass(frozen=True)
class InviteSettings:
    lease: float = 120.0  # ENGAGE_INVITE_LEASE
    max_attempts: int = 8  # ENGAGE_INVITE_MAX_ATTEMPTS
    backoff_base: float = 5.0  # ENGAGE_INVITE_BACKOFF: first retry after this, then doubling
    backoff_cap: float = 300.0  # ENGAGE_INVITE_BACKOFF_MAX
    rates: Mapping[str, float] | None = None  # channel rates (ENGAGE_RATE_SMS, ...)
    quiet_recheck: float = quiet.DEFAULT_RECHECK  # ENGAGE_QUIET_RECHECK

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> InviteSettings:
        env = environ() if env is None else env
        return cls(lease=float(env.get("ENGAGE_INVITE_LEASE") or 120.0),
                   max_attempts=int(env.get("ENGAGE_INVITE_MAX_ATTEMPTS") or 8),
                   backoff_base=float(env.get("ENGAGE_INVITE_BACKOFF") or 5.0),
                   backoff_cap=float(env.get("ENGAGE_INVITE_BACKOFF_MAX") or 300.0),
                   rates=rates_from_env(env), quiet_recheck=quiet.recheck_seconds(env))

    def channel_rate(self, channel: str) -> float:
        return float((self.rates or rates_from_env({})).get(channel, 1.0))

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempt - 1))


@dataclass(frozen=True)
class Outcome:
    """What one run of a task did. `retry_in`: run the task again after that many seconds."""

    state: str  # sent, triggered, failed, done, missing, claimed, quiet, not_due, retry
    retry_in: float | None = None
    reason: str | None = None


def _factory() -> sessionmaker:
    return bootstrap.sessions()


def quiet_hold(definition: Mapping[str, Any], recheck: float) -> float | None:
    """Seconds to wait when it is the campaign's quiet hours now (bot.clock), else None."""
    tz, start, end = quiet.campaign_window(definition)
    now = clock.now()
    try:
        until = quiet.quiet_until(now, tz, start, end)
    except ValueError as error:  # never send at night because of a typo: default zone
        logger.warning("Quiet hours: %s; using %s 21:00-08:00", error, DEFAULT_TIMEZONE)
        until = quiet.quiet_until(now, DEFAULT_TIMEZONE)
    if until is None:
        return None
    return max(0.0, min((until - now).total_seconds(), recheck))


# --- invitations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Invite:
    id: int
    pseudonym: str
    channel: str
    status: str
    due_at: datetime
    claimed_until: datetime | None
    window: dict[str, Any]  # the campaign's timezone and quiet_hours
    launch_rate: float | None


# (database, campaign version) -> its quiet-hours settings. Versions never change, and a held
# invitation is looked at every minute all night: no need to load its definition each time.
_WINDOWS: dict[tuple[str, int], dict[str, Any]] = {}


def _campaign_window(factory: sessionmaker, session: Any, campaign_id: int) -> dict[str, Any]:
    key = (str(factory.kw.get("bind").url), campaign_id)
    if key not in _WINDOWS:
        definition = session.query(CampaignVersion.definition).filter(
            CampaignVersion.id == campaign_id).scalar() or {}
        _WINDOWS[key] = {name: definition[name] for name in ("timezone", "quiet_hours")
                         if name in definition}
    return _WINDOWS[key]


def _load_invitation(factory: sessionmaker, invitation_id: int) -> _Invite | None:
    with transaction(factory) as session:
        found = (session.query(Invitation, Launch.rate_per_second)
                 .outerjoin(Launch, Launch.id == Invitation.launch_id)
                 .filter(Invitation.id == invitation_id).one_or_none())
        if found is None:
            return None
        row, rate = found
        return _Invite(row.id, row.pseudonym, row.channel, row.status, row.due_at,
                       row.claimed_until, _campaign_window(factory, session, row.campaign_id),
                       rate)


def _claimable(invitation_id: int, now: datetime) -> list[Any]:
    return [Invitation.id == invitation_id, Invitation.status == QUEUED,
            sa.or_(Invitation.claimed_until.is_(None), Invitation.claimed_until <= now)]


def _claim(factory: sessionmaker, invitation_id: int, now: datetime,
           lease: float) -> int | None:
    """Take the invitation for `lease` seconds; returns this attempt's number, or None when it
    is not ours to send (someone holds it, or it is no longer queued). The UPDATE comes first:
    SQLite takes its write lock, PostgreSQL the row lock, before anything is read."""
    with transaction(factory) as session:
        taken = session.query(Invitation).filter(*_claimable(invitation_id, now)).update(
            {Invitation.claimed_until: now + timedelta(seconds=lease),
             Invitation.attempts: Invitation.attempts + 1}, synchronize_session=False)
        if not taken:
            return None
        return int(session.query(Invitation.attempts).filter(
            Invitation.id == invitation_id).scalar())


def _hold(factory: sessionmaker, invitation_id: int, until: datetime,
          reason: str | None = None) -> None:
    """Keep our claim until `until` (a retry's backoff, a long pacing wait)."""
    values: dict[Any, Any] = {Invitation.claimed_until: until}
    if reason is not None:
        values[Invitation.reason] = reason
    with transaction(factory) as session:
        session.query(Invitation).filter(
            Invitation.id == invitation_id, Invitation.status == QUEUED
        ).update(values, synchronize_session=False)


def _fail(factory: sessionmaker, invitation_id: int, reason: str) -> None:
    with transaction(factory) as session:
        session.query(Invitation).filter(
            Invitation.id == invitation_id, Invitation.status == QUEUED
        ).update({Invitation.status: FAILED, Invitation.reason: reason[:500],
                  Invitation.claimed_until: None}, synchronize_session=False)


def _status(factory: sessionmaker, invitation_id: int) -> tuple[str | None, str | None]:
    with transaction(factory) as session:
        found = session.query(Invitation.status, Invitation.reason).filter(
            Invitation.id == invitation_id).one_or_none()
        return (found[0], found[1]) if found else (None, None)


def invite_once(factory: sessionmaker, invitation_id: int, trigger: Trigger | None = None,
                settings: InviteSettings | None = None, sleep: Sleep = time.sleep) -> Outcome:
    """One run of the invitation task: claim, quiet hours, pacing, trigger, record.

    In quiet hours nothing is claimed: the caller runs it again after min(rest of the quiet
    hours, ENGAGE_QUIET_RECHECK). A failed trigger holds the claim for the backoff and asks to
    run again; at the last attempt the invitation is failed with the reason. A trigger that
    succeeds without the service recording the invitation keeps the claim until the lease
    runs out; the sweep then tries again.
    """
    settings = settings or InviteSettings.from_env()
    trigger = trigger or rasa_client.trigger_intent
    invite = _load_invitation(factory, invitation_id)
    if invite is None:
        return Outcome("missing")
    if invite.status != QUEUED:
        return Outcome("done", reason=invite.status)
    now = utcnow()
    if invite.due_at > now:
        return Outcome("not_due", retry_in=(invite.due_at - now).total_seconds())
    if invite.claimed_until is not None and invite.claimed_until > now:
        # Another run holds it. Look again once its claim ends: if that run's worker died,
        # this task takes over then, without waiting for the sweep.
        return Outcome("claimed", retry_in=(invite.claimed_until - now).total_seconds() + 1)
    wait = quiet_hold(invite.window, settings.quiet_recheck)
    if wait is not None:
        logger.debug("Invitation %s: quiet hours; looking again in %.0fs", invitation_id, wait)
        return Outcome("quiet", retry_in=wait)

    attempt = _claim(factory, invitation_id, now, settings.lease)
    if attempt is None:
        return Outcome("claimed", retry_in=settings.lease + 1)
    if attempt > settings.max_attempts:
        _, last = _status(factory, invitation_id)
        reason = (f"gave up after {settings.max_attempts} attempts: "
                  f"{last or 'Rasa accepted the trigger but the invitation was not recorded'}")
        _fail(factory, invitation_id, reason)
        logger.warning("Invitation %s failed: %s", invitation_id, reason)
        return Outcome(FAILED, reason=reason)

    channel_rate = settings.channel_rate(invite.channel)
    rate = min(invite.launch_rate or channel_rate, channel_rate)
    pause = reserve(factory, f"invite:{invite.channel}", rate)
    if pause > settings.lease / 2:  # a long wait must not let the claim run out meanwhile
        _hold(factory, invitation_id, utcnow() + timedelta(seconds=pause + settings.lease))
    if pause > 0:
        sleep(pause)

    try:
        trigger(invite.pseudonym, INVITE_INTENT, {"invitation": str(invitation_id)},
                invite.channel)
    except Exception as error:  # noqa: BLE001 - every failure is retried, then recorded
        reason = str(error) if isinstance(error, rasa_client.RasaError) else \
            f"unexpected {type(error).__name__}"
        if isinstance(error, rasa_client.RasaRefusedToken):  # a setting: no retry mends it
            _fail(factory, invitation_id, reason)
            logger.error("Invitation %s failed: %s", invitation_id, reason)
            return Outcome(FAILED, reason=reason)
        if attempt >= settings.max_attempts:
            reason = f"gave up after {attempt} attempts: {reason}"
            _fail(factory, invitation_id, reason)
            logger.warning("Invitation %s failed: %s", invitation_id, reason)
            return Outcome(FAILED, reason=reason)
        delay = settings.backoff(attempt)
        _hold(factory, invitation_id, utcnow() + timedelta(seconds=delay), reason)
        logger.warning("Invitation %s on %s, attempt %d: %s; retry in %.0fs", invitation_id,
                       invite.channel, attempt, reason, delay)
        return Outcome("retry", retry_in=delay, reason=reason)

    status, reason = _status(factory, invitation_id)
    if status in (SENT, FAILED):
        logger.info("Invitation %s on %s: %s%s", invitation_id, invite.channel, status,
                    f" ({reason})" if reason else "")
        return Outcome(status, reason=reason)
    logger.warning("Invitation %s: Rasa took the trigger but the invitation is still %s; "
                   "the sweep tries again after the claim (%.0fs)", invitation_id, status,
                   settings.lease)
    return Outcome("triggered")


def sweep_once(factory: sessionmaker, in_queue: Iterable[int], enqueue: Callable[[int], None],
               now: datetime | None = None) -> list[int]:
    """Enqueue every queued invitation that is due, unclaimed, older than a minute, and has
    no task waiting in the queue (a task lost with a killed worker). Returns their ids."""
    now = now or utcnow()
    waiting = set(in_queue)
    with transaction(factory) as session:
        ids = [row_id for (row_id,) in session.query(Invitation.id).filter(
            Invitation.status == QUEUED, Invitation.due_at <= now,
            Invitation.queued_at <= now - SWEEP_GRACE,
            sa.or_(Invitation.claimed_until.is_(None), Invitation.claimed_until <= now),
        ).order_by(Invitation.id)]
    lost = [row_id for row_id in ids if row_id not in waiting]
    for row_id in lost:
        enqueue(row_id)
    return lost


# --- reminders ------------------------------------------------------------------------------

def _reminder_campaigns(factory: sessionmaker) -> dict[int, dict[str, Any]]:
    """Live campaign versions with a reminder: id -> definition."""
    with transaction(factory) as session:
        rows = session.query(CampaignVersion.id, CampaignVersion.definition).filter(
            CampaignVersion.status == "live").all()
    return {row_id: dict(definition) for row_id, definition in rows
            if ((definition or {}).get("reminder") or {}).get("after_hours") is not None}


def due_reminders(factory: sessionmaker, campaign_id: int, after_hours: float,
                  now: datetime) -> list[tuple[int, str, str]]:
    """(participant id, pseudonym, channel) of those due a reminder in one campaign version:
    consented, in progress, never reminded, not on the web chat, contact kept and not opted
    out, and quiet since `after_hours` before `now` (bot.clock time)."""
    with transaction(factory) as session:
        return [tuple(row) for row in session.query(
            Participant.id, Participant.pseudonym, Participant.channel
        ).join(Contact, Contact.pseudonym == Participant.pseudonym).filter(
            Participant.campaign_id == campaign_id, Participant.consent == "given",
            Participant.status == "in_progress", Participant.reminded_at.is_(None),
            Participant.channel != "rest", Contact.opted_out_at.is_(None),
            Participant.updated_at < now - timedelta(hours=after_hours),
        ).order_by(Participant.id)]


def _still_unreminded(factory: sessionmaker, participant_id: int) -> bool:
    with transaction(factory) as session:
        return session.query(Participant.id).filter(
            Participant.id == participant_id, Participant.reminded_at.is_(None)).first() \
            is not None


def remind_due(factory: sessionmaker, trigger: Trigger | None = None,
               settings: InviteSettings | None = None, sleep: Sleep = time.sleep,
               budget: float = PERIODIC_BUDGET) -> list[int]:
    """Trigger the one reminder for everyone due one (outside their campaign's quiet hours,
    paced per channel). Returns the participant ids triggered. Stops after `budget` seconds,
    or when Rasa is unreachable; the next run goes on. The service sets reminded_at, so a
    participant is never reminded twice."""
    settings = settings or InviteSettings.from_env()
    trigger = trigger or rasa_client.trigger_intent
    started = time.monotonic()
    done: list[int] = []
    for campaign_id, definition in _reminder_campaigns(factory).items():
        if quiet_hold(definition, settings.quiet_recheck) is not None:
            continue  # the next run (every minute) looks again
        hours = float(definition["reminder"]["after_hours"])
        for participant_id, pseudonym, channel in due_reminders(factory, campaign_id, hours,
                                                                clock.now()):
            if time.monotonic() - started > budget:
                return done
            if not _still_unreminded(factory, participant_id):
                continue
            pause = reserve(factory, f"remind:{channel}", settings.channel_rate(channel))
            if pause > 0:
                sleep(pause)
            try:
                trigger(pseudonym, REMIND_INTENT, {"participant": str(participant_id)}, channel)
            except Exception as error:  # noqa: BLE001 - logged; the next run tries again
                logger.warning("Reminder for participant %s on %s: %s", participant_id,
                               channel, error if isinstance(error, rasa_client.RasaError)
                               else type(error).__name__)
                return done
            done.append(participant_id)
            logger.info("Reminder for participant %s on %s triggered", participant_id, channel)
    return done


# --- retention ------------------------------------------------------------------------------

def purge_once(factory: sessionmaker) -> dict[str, int]:
    """The retention purge, recorded in the audit log with actor "worker"."""
    from bot.privacy.retention import purge_now

    counts = purge_now(factory, who="worker").counts()
    logger.info("Retention purge: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


# --- the huey tasks -------------------------------------------------------------------------

def queued_invitation_ids(queue: Huey) -> set[int]:
    """Invitation ids with a send_invitation task waiting in the queue or its schedule."""
    ids: set[int] = set()
    for task in [*queue.pending(), *queue.scheduled()]:
        if task.name == "send_invitation" and task.args:
            ids.add(int(task.args[0]))
    return ids


def enqueue_invitation(invitation_id: int, due_at: datetime | None = None) -> None:
    """Queue the invitation's task, to run at `due_at` (naive UTC) if that is in the future.

    Use this rather than send_invitation.schedule(eta=...): huey reads a naive eta as local
    time, and due times here are UTC."""
    if due_at is not None and due_at > utcnow():
        send_invitation.schedule((invitation_id,), eta=due_at.replace(tzinfo=timezone.utc))
    else:
        send_invitation(invitation_id)


@huey.task(retries=3, retry_delay=10)
def send_invitation(invitation_id: int) -> None:
    """Send one invitation (see invite_once); runs itself again when asked to."""
    outcome = invite_once(_factory(), invitation_id)
    if outcome.retry_in is not None:
        send_invitation.schedule((invitation_id,), delay=max(outcome.retry_in, 0.1))


@huey.periodic_task(crontab(minute="*"))
def sweep_invitations() -> None:
    """Every minute: re-enqueue invitations whose task was lost (one worker per minute)."""
    factory = _factory()
    if not take_turn(factory, "periodic:sweep_invitations", PERIODIC_BUDGET):
        return
    lost = sweep_once(factory, queued_invitation_ids(huey), send_invitation)
    if lost:
        logger.info("Sweep: %d queued invitation(s) had no task; queued again", len(lost))


@huey.periodic_task(crontab(minute="*"))
def send_reminders() -> None:
    """Every minute: the reminders that are due (one worker per minute)."""
    factory = _factory()
    if take_turn(factory, "periodic:send_reminders", PERIODIC_BUDGET + 5):
        remind_due(factory)


@huey.periodic_task(crontab(minute="0", hour="3"))
def daily_purge() -> None:
    """Daily at 03:00 UTC: the retention purge (one worker per day)."""
    factory = _factory()
    if take_turn(factory, "periodic:daily_purge", 3600):
        purge_once(factory)
