"""Running a launch: record one Launch and one Invitation per contact and campaign (whatever
its version), hand every invitation still waiting to the worker, and watch it send them.

A second launch, or a launch of a new version, adds none for the same people unless staff
ask for re-invitations. Every mistake raises LaunchError before anything is stored.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.errors import LaunchError, QueueUnreachable
from bot.launch.planning import (
    CHUNK,
    ROW_QUEUED,
    Plan,
    Target,
    _select_in,
    parse_at,
    parse_channel,
    parse_rate,
    plan_launch,
    quiet_words,
    refusal,
    unknown_rows,
    unsendable,
)
from bot.launch.status import DELIVERED, FAILED, QUEUED, SENDER, SENT, states_of
from bot.store.db import transaction
from bot.store.models import (
    Invitation,
    Launch,
    utcnow,
)

Enqueue = Callable[[int, "datetime | None"], None]


# -- the real launch --------------------------------------------------------------------------

@dataclass
class LaunchResult:
    plan: Plan
    launch_id: int | None
    created: int  # new invitations
    invitation_ids: list[int]  # every invitation handed to the worker
    due_at: datetime | None
    channels: dict[int, str] = field(default_factory=dict)  # invitation id -> channel
    unsendable: dict[str, tuple[int, list[str]]] = field(default_factory=dict)

    def sendable_ids(self) -> list[int]:
        """The invitations on channels the bot can send on (as far as this process sees)."""
        return [i for i in self.invitation_ids if self.channels.get(i) not in self.unsendable]


def default_enqueue(invitation_id: int, due_at: datetime | None) -> None:
    """Hand one invitation to the worker's queue (imported here: the queue is only needed by
    a real launch, not by a dry run)."""
    from bot.worker.tasks import enqueue_invitation

    enqueue_invitation(invitation_id, due_at)


def launch(factory: sessionmaker, slug: str, audience: str, *, channel: str | None = None,
           at: str | None = None, rate: str | None = None, by: str | None = None,
           secret: str | None = None, enqueue: Enqueue | None = None,
           reinvite: bool = False, queue_anyway: bool = False,
           env: Mapping[str, str] | None = None) -> LaunchResult:
    """Record the launch and its invitations in one transaction, then enqueue every
    invitation to this campaign still waiting for the audience (new, from an earlier launch
    whose task was lost, or of an earlier version: those move to this version, since nobody
    has seen them yet). Raises LaunchError, changing nothing, for any mistake, and for
    targets on a channel that is not set up in `env` (default: this process's environment)
    unless `queue_anyway`."""
    channel_name = parse_channel(channel)
    per_second = parse_rate(rate)
    with transaction(factory) as session:
        plan = plan_launch(session, slug, audience, channel_name, secret, reinvite)
        if plan.audience.unknown:
            raise LaunchError(unknown_rows(plan.audience))
        due_at = parse_at(at, plan.campaign.timezone)
        if not plan.targets:
            return LaunchResult(plan, None, 0, [], due_at)
        blocked = unsendable(plan, env)
        if blocked and not queue_anyway:
            raise LaunchError(refusal(plan, env) or "")
        row = Launch(campaign_id=plan.version_id, audience=plan.audience.label[:256],
                     channel=channel_name, rate_per_second=per_second,
                     due_at=due_at or utcnow(), created_by=by or audit.actor())
        session.add(row)
        session.flush()  # also opens the transaction before any savepoint (SQLite)
        moved = _move_to_this_version(session, plan)
        created = _insert(session, plan, row, due_at or row.due_at)
        audit.record(session, "launch", slug, {
            "version": plan.version, "audience": plan.audience.label,
            "channel": channel, "rate_per_second": per_second,
            "at": due_at.isoformat() if due_at else None, "new_invitations": created,
            "waiting_from_earlier": len(plan.waiting), "moved_from_earlier_versions": moved,
            "tried_again_after_failing": len(plan.retried), "reinvite": reinvite,
            "reinvited": len(plan.reinvited), "queue_anyway": bool(blocked),
            "excluded": dict(plan.excluded), "launch_id": row.id}, who=by)
        launch_id = row.id
    with transaction(factory) as session:
        waiting = _waiting(session, plan)
    send = enqueue or default_enqueue
    try:
        for invitation_id, due, _ in waiting:
            send(invitation_id, due)
    except Exception as error:  # the queue's own words help most; nothing is lost
        raise QueueUnreachable(
            f"the invitations are saved, but the task queue did not take them ({error}). "
            "The worker picks up saved invitations by itself within a few minutes of "
            "starting: check it runs (`make run`, or `engage worker`).") from error
    return LaunchResult(plan, launch_id, created, [i for i, _, _ in waiting], due_at,
                        {i: c for i, _, c in waiting}, blocked)


def _move_to_this_version(session: Session, plan: Plan) -> int:
    """Invitations of an earlier version still waiting, and not held by a worker, become
    invitations to this one: nobody has seen them, so they go out as the campaign is now."""
    ids = [target.invitation_id for target in plan.waiting
           if target.version_id != plan.version_id]
    now, moved = utcnow(), 0
    for start in range(0, len(ids), CHUNK):
        moved += session.query(Invitation).filter(
            Invitation.id.in_(ids[start:start + CHUNK]), Invitation.status == ROW_QUEUED,
            sa.or_(Invitation.claimed_until.is_(None), Invitation.claimed_until <= now),
        ).update({Invitation.campaign_id: plan.version_id}, synchronize_session=False)
    return moved


def _insert(session: Session, plan: Plan, launch_row: Launch, due_at: datetime) -> int:
    """Insert the new invitations; one that appeared meanwhile (a launch at the same time,
    of this version or another) is skipped, not an error: unique per (campaign slug, contact,
    re-invitation number)."""
    def invitation(target: Target) -> Invitation:
        return Invitation(campaign_id=plan.version_id, slug=plan.slug,
                          pseudonym=target.pseudonym, reinvitation=target.reinvitation,
                          channel=target.channel, status=ROW_QUEUED, due_at=due_at,
                          launch_id=launch_row.id)

    created = 0
    new = plan.new
    for start in range(0, len(new), CHUNK):
        batch = new[start:start + CHUNK]
        try:
            with session.begin_nested():
                session.add_all([invitation(target) for target in batch])
            created += len(batch)
            continue
        except IntegrityError:
            pass
        for target in batch:  # someone else inserted some of these: one at a time
            try:
                with session.begin_nested():
                    session.add(invitation(target))
                created += 1
            except IntegrityError:
                continue
    return created


def _waiting(session: Session, plan: Plan) -> list[tuple[int, datetime, str]]:
    """(id, due, channel) of the audience's invitations to this campaign still waiting."""
    names = [target.pseudonym for target in plan.targets]
    return sorted(tuple(row) for row in _select_in(
        session, [Invitation.id, Invitation.due_at, Invitation.channel], Invitation.pseudonym,
        names, Invitation.slug == plan.slug, Invitation.status == ROW_QUEUED))


# -- watching the worker and the sender ------------------------------------------------------

@dataclass
class Progress:
    """Invitations by state. "sent" is handed to the provider, never merely queued."""

    total: int
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    with_sender: int = 0  # queued ones the worker has done, waiting for the bot's sender
    failed_reasons: Counter = field(default_factory=Counter)
    queued_reasons: Counter = field(default_factory=Counter)

    @property
    def handed(self) -> int:
        """Handed to the provider: sent, and delivered since."""
        return self.sent + self.delivered

    @property
    def done(self) -> int:
        return self.handed + self.failed

    def bar(self, width: int = 30) -> str:
        filled = int(width * self.done / self.total) if self.total else width
        return (f"[{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total}  "
                f"sent {self.handed}  failed {self.failed}  queued {self.queued}")


def count(factory: sessionmaker, ids: Sequence[int],
          env: Mapping[str, str] | None = None) -> Progress:
    progress = Progress(len(ids))
    with transaction(factory) as session:
        states = states_of(session, ids, env)
    for state in states.values():
        if state.state == QUEUED:
            progress.queued += 1
            progress.queued_reasons[state.reason] += 1
            progress.with_sender += state.waits_for == SENDER
        elif state.state == SENT:
            progress.sent += 1
        elif state.state == DELIVERED:
            progress.delivered += 1
        elif state.state == FAILED:
            progress.failed += 1
            progress.failed_reasons[state.reason] += 1
    return progress


STALL_HINT = ("Nothing has moved for {seconds:.0f} seconds. {who}{quiet}")
WORKER_HINT = ("Is the worker running? Start everything with `make run`, or just the worker "
               "with `engage worker`.")
SENDER_HINT = ("{count} invitation(s) are with the bot but not handed to the provider yet. Is "
               "the bot running (`make run`), with the channel set up the same way as here?")


def watch(factory: sessionmaker, ids: Sequence[int], plan: Plan, out: TextIO | None = None,
          interval: float = 1.0, stall_after: float = 30.0,
          sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic,
          env: Mapping[str, str] | None = None) -> Progress:
    """A progress bar on `out` until every invitation is handed to the provider or failed.
    Says first when it is quiet hours (nothing moves until they end). Returns the last
    counts; Ctrl-C (KeyboardInterrupt) is left to the caller: the worker carries on."""
    out = out or sys.stderr
    tty = getattr(out, "isatty", lambda: False)()
    quiet_line = quiet_words(plan.campaign)
    if quiet_line:
        out.write(f"{quiet_line} The bar moves then; Ctrl-C stops watching, and the worker "
                  "sends them anyway.\n")
        out.flush()
    progress = count(factory, ids, env)
    last_change, last_line, hinted = clock(), "", False
    while True:
        line = progress.bar()
        if line != last_line:
            out.write(("\r" + line) if tty else (line + "\n"))
            out.flush()
            last_line = line
        if progress.done >= progress.total:
            break
        sleep(interval)
        now_counts = count(factory, ids, env)
        if (now_counts.done, now_counts.with_sender) != (progress.done, progress.with_sender):
            last_change, hinted = clock(), False
        elif not hinted and clock() - last_change >= stall_after:
            out.write(("\n" if tty else "") + stall_hint(now_counts, plan,
                                                          clock() - last_change) + "\n")
            out.flush()
            hinted, last_line = True, ""
        progress = now_counts
    if tty:
        out.write("\n")
    return progress


def stall_hint(progress: Progress, plan: Plan, seconds: float) -> str:
    """Why nothing may be moving: the worker, the bot's sender, or quiet hours."""
    who = []
    if progress.queued > progress.with_sender:
        who.append(WORKER_HINT)
    if progress.with_sender:
        who.append(SENDER_HINT.format(count=progress.with_sender))
    quiet_line = quiet_words(plan.campaign)
    return STALL_HINT.format(seconds=seconds, who=" ".join(who),
                             quiet=f" ({quiet_line})" if quiet_line else "")


def done_words(progress: Progress, slug: str) -> str:
    """The last line of a watched launch: what the provider took, and what failed (why)."""
    line = (f"Done: {progress.handed} invitation(s) sent (handed to the phone company or app"
            + (f"; {progress.delivered} delivered so far" if progress.delivered else "")
            + f"), {progress.failed} failed")
    if not progress.failed:
        return line + "."
    reasons = "".join(f"\n  {number:>6}  {reason}"
                      for reason, number in progress.failed_reasons.most_common(5))
    return f"{line}:{reasons}\nMore with `engage campaign status {slug}`."
