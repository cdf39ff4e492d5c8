"""What became of each invitation, in officers' words: queued, sent, delivered or failed.

"Sent" means handed to the provider (Twilio or Telegram took the message), never merely queued.
The state is derived, not stored: the invitation row says whether the service queued the
first message (the worker's part), and that message's outbox row (dedupe key
`invite:<invitation id>:0`) says what the provider did with it (the sender's and the delivery
report's part). Nobody has to copy a status from one row to the other, so they cannot disagree,
and the service, the sender and the status callback stay as they are.

- queued: not yet handed to the provider, with why (the worker has not run it, quiet hours,
  a start time to come, a retry, the channel not set up here, the bot's sender not there yet);
- sent: the provider took it, no delivery report (yet: Telegram sends none);
- delivered: the provider reported it delivered;
- failed: with the reason (why the worker or the service could not send it, or the
  provider's refusal).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import clock, quiet
from bot.outbound.providers import CHANNEL_WORDS, missing_settings, not_set_up
from bot.store.models import CampaignVersion, Invitation, OutboxMessage, utcnow

QUEUED, SENT, DELIVERED, FAILED = "queued", "sent", "delivered", "failed"
STATES = (QUEUED, SENT, DELIVERED, FAILED)
WORKER, SENDER = "worker", "sender"  # who a waiting invitation waits for
CHUNK = 500

WAITING_FOR_WORKER = "waiting for the worker to take it"
WAITING_FOR_SENDER = "with the bot, waiting to be handed to the provider"
PROVIDER_REFUSED = "the provider refused it"
NO_REASON = "no reason given"
_OUTBOX_SENT = ("sent",)
_OUTBOX_DELIVERED = ("delivered",)
_OUTBOX_FAILED = ("failed", "undelivered")


@dataclass(frozen=True)
class State:
    """One invitation's state. `waits_for`: WORKER or SENDER, for a queued one."""

    state: str
    reason: str | None = None
    waits_for: str | None = None


@dataclass
class InvitationCounts:
    """Invitations by state, and the reasons of the waiting and failed ones."""

    residents: int = 0  # contacts invited (each counted once, in the state of their latest)
    invitations: int = 0  # invitation rows, re-invitations included
    states: Counter = field(default_factory=Counter)
    reasons: dict[str, Counter] = field(default_factory=lambda: {QUEUED: Counter(),
                                                                  FAILED: Counter()})
    waits_for: Counter = field(default_factory=Counter)

    def add(self, state: State) -> None:
        self.states[state.state] += 1
        if state.state in self.reasons:
            self.reasons[state.state][state.reason or NO_REASON] += 1
        if state.waits_for:
            self.waits_for[state.waits_for] += 1

    def __getitem__(self, state: str) -> int:
        return self.states.get(state, 0)


@dataclass(frozen=True)
class _Row:
    id: int
    pseudonym: str
    channel: str
    status: str
    reason: str | None
    due_at: datetime
    campaign_id: int
    reinvitation: int
    message_status: str | None
    message_error: str | None
    quiet_tz: str | None
    quiet_hours: str | None


def _first_message_key() -> sa.sql.ColumnElement:
    return sa.literal("invite:") + sa.cast(Invitation.id, sa.String) + sa.literal(":0")


def _rows(session: Session, *where: sa.sql.ColumnElement) -> list[_Row]:
    query = (session.query(Invitation.id, Invitation.pseudonym, Invitation.channel,
                           Invitation.status, Invitation.reason, Invitation.due_at,
                           Invitation.campaign_id, Invitation.reinvitation,
                           OutboxMessage.status, OutboxMessage.last_error,
                           OutboxMessage.quiet_tz, OutboxMessage.quiet_hours)
             .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == _first_message_key())
             .filter(*where))
    return [_Row(*values) for values in query]


def _windows(session: Session, campaign_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    ids = sorted(set(campaign_ids))
    return {row_id: quiet.campaign_window(definition) for row_id, definition in
            session.query(CampaignVersion.id, CampaignVersion.definition)
            .filter(CampaignVersion.id.in_(ids))} if ids else {}


class _Judge:
    """Works out states against one moment and one environment (for the whole count)."""

    def __init__(self, windows: Mapping[int, tuple[str, str, str]],
                 env: Mapping[str, str] | None, now: datetime | None) -> None:
        self.windows, self.env = windows, env
        self.quiet_now = now or clock.now()  # quiet hours: the movable clock
        self.real_now = utcnow()  # due times are real time
        self._missing: dict[str, list[str]] = {}

    def missing(self, channel: str) -> list[str]:
        if channel not in self._missing:
            self._missing[channel] = missing_settings(channel, self.env) \
                if channel in CHANNEL_WORDS else []
        return self._missing[channel]

    def quiet(self, tz: str, start: str, end: str) -> str | None:
        until = quiet.quiet_until_safe(self.quiet_now, tz, start, end)
        if until is None:
            return None
        return f"held in quiet hours until {quiet.local_time(until, tz)} ({tz})"

    def state(self, row: _Row) -> State:
        if row.status == "failed":
            return State(FAILED, row.reason or NO_REASON)
        if row.status == "queued":
            tz, start, end = self.windows.get(row.campaign_id) or quiet.campaign_window(None)
            if row.due_at > self.real_now:
                when = quiet.local_time(row.due_at, tz, "%Y-%m-%d %H:%M")
                return State(QUEUED, f"starts at {when} ({tz})", WORKER)
            held = self.quiet(tz, start, end)
            if held:
                return State(QUEUED, held, WORKER)
            if row.reason:
                return State(QUEUED, f"trying again: {row.reason}", WORKER)
            return State(QUEUED, WAITING_FOR_WORKER, WORKER)
        return self.message_state(row)

    def message_state(self, row: _Row) -> State:
        """An invitation the service has queued: what its first message's row says."""
        status = row.message_status
        if status is None or status in _OUTBOX_SENT:  # no row: purged since, after sending
            return State(SENT)
        if status in _OUTBOX_DELIVERED:
            return State(DELIVERED)
        if status in _OUTBOX_FAILED:
            return State(FAILED, row.message_error or PROVIDER_REFUSED)
        missing = self.missing(row.channel)
        if missing:
            return State(QUEUED, not_set_up(row.channel, missing) + " here", SENDER)
        if row.quiet_tz:
            start, _, end = (row.quiet_hours or "").partition("-")
            held = self.quiet(row.quiet_tz, start or quiet.DEFAULT_START,
                              end or quiet.DEFAULT_END)
            if held:
                return State(QUEUED, held, SENDER)
        if row.message_error:
            return State(QUEUED, f"the provider has not taken it yet, trying again: "
                                  f"{row.message_error}", SENDER)
        return State(QUEUED, WAITING_FOR_SENDER, SENDER)


def states_of(session: Session, invitation_ids: Sequence[int],
              env: Mapping[str, str] | None = None,
              now: datetime | None = None) -> dict[int, State]:
    """The state of each of these invitations (id -> State); unknown ids are left out.
    `env`: whose channel settings decide "not set up" (default: this process's); `now`: the
    quiet-hours clock (default bot.clock.now())."""
    rows: list[_Row] = []
    ids = list(invitation_ids)
    for start in range(0, len(ids), CHUNK):
        rows += _rows(session, Invitation.id.in_(ids[start:start + CHUNK]))
    judge = _Judge(_windows(session, (row.campaign_id for row in rows)), env, now)
    return {row.id: judge.state(row) for row in rows}


def invitation_counts(session: Session, version_ids: Sequence[int],
                      env: Mapping[str, str] | None = None,
                      now: datetime | None = None) -> InvitationCounts:
    """Everyone invited to these campaign versions, each in the state of their latest
    invitation (a re-invitation, or a new try after a failure, replaces the earlier one)."""
    counts = InvitationCounts()
    if not version_ids:
        return counts
    rows = _rows(session, Invitation.campaign_id.in_(list(version_ids)))
    latest: dict[str, _Row] = {}
    for row in rows:
        known = latest.get(row.pseudonym)
        if known is None or (row.reinvitation, row.id) > (known.reinvitation, known.id):
            latest[row.pseudonym] = row
    judge = _Judge(_windows(session, version_ids), env, now)
    counts.invitations, counts.residents = len(rows), len(latest)
    for row in latest.values():
        counts.add(judge.state(row))
    return counts


STATE_WORDS = {
    QUEUED: "not yet handed to the phone company or app",
    SENT: "handed to the phone company or app; no delivery report (yet)",
    DELIVERED: "the phone company reported it delivered",
    FAILED: "not sent, or refused",
}


def invitation_lines(counts: InvitationCounts) -> list[str]:
    """The "Invitations" part of `engage campaign status`."""
    out = ["Invitations"]
    if not counts.residents:
        return out + ["  none sent (residents joined by keyword only)"]
    again = counts.invitations - counts.residents
    out.append(f"  invited:   {counts.residents}"
               + (f"  ({again} re-invitation(s) or new tries; each resident counted once, "
                  "by their latest invitation)" if again else ""))
    for state in STATES:
        out.append(f"  {state + ':':<10} {counts[state]}  ({STATE_WORDS[state]})")
        for reason, number in counts.reasons.get(state, Counter()).most_common():
            out.append(f"    {number:>5}  {reason}")
    return out
