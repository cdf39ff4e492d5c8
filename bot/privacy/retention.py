"""Retention purge: delete what is past each campaign's retention period, in every store.

Each campaign version's definition carries `retention_days`, counted from when the data was
made (an answer from when it was given). `purge` deletes, in one transaction:

- responses answered before their campaign's boundary (now - retention_days);
- participants with no response left whose whole participation (started, the resident's last
  message, completed) is before their campaign's boundary, with their consent records.
  Activity is the resident's own messages (`last_message_at`): an invitation or a reminder
  changes the row (`updated_at`) but does not keep it longer;
- Rasa tracker events (table `events`) of senders with no participant left: older than the
  boundary of the participations just purged, or, for any other sender, older than the longest
  retention of any campaign;
- inbox and outbox messages older than the longest retention, and those of senders with no
  participant left older than the boundary of the participations just purged;
- vault entries (contacts) no longer needed: no participant, no group membership, no queued
  invitation, no message still waiting in the inbox or outbox, and no opt-out to honour (the
  vault entry is what keeps an opted-out number from being invited again).

Nothing else is touched: erasure markers, the audit log and contact sources stay. Running it
twice deletes nothing the second time. The worker will run it daily (a later change); staff run
it with `engage purge`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.store.db import transaction
from bot.store.erase import RASA_EVENTS_TABLE
from bot.store.models import (
    CampaignVersion,
    ConsentRecord,
    Contact,
    ContactGroupMember,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    Response,
    utcnow,
)

INBOX_WAITING = ("pending",)
OUTBOX_WAITING = ("queued", "sending")
INVITATION_WAITING = ("queued",)


@dataclasses.dataclass
class PurgeReport:
    """How many rows were (or, in a dry run, would be) deleted, per table."""

    responses: int = 0
    consent_records: int = 0
    participants: int = 0
    events: int = 0
    inbox: int = 0
    outbox: int = 0
    contacts: int = 0
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "dry_run"}

    @property
    def total(self) -> int:
        return sum(self.counts().values())


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _epoch(moment: datetime) -> float:
    """Rasa stores event timestamps as Unix seconds."""
    return moment.replace(tzinfo=timezone.utc).timestamp()


def boundaries(session: Session, now: datetime) -> dict[int, datetime]:
    """Campaign version id -> the moment before which its data is past retention."""
    return {
        version_id: now - timedelta(days=int(definition["retention_days"]))
        for version_id, definition in session.query(CampaignVersion.id, CampaignVersion.definition)
    }


@dataclasses.dataclass(frozen=True)
class Retention:
    """One campaign version's retention, for staff to read."""

    slug: str
    version: int
    title: str
    status: str  # live or closed
    days: int
    boundary: datetime  # data made before this (naive UTC) is past retention


def retention_periods(session: Session, now: datetime | None = None) -> list[Retention]:
    """Every published campaign version's retention period and its boundary at `now`."""
    limits = boundaries(session, _naive_utc(now or utcnow()))
    rows = session.query(CampaignVersion).order_by(CampaignVersion.slug, CampaignVersion.version)
    found = []
    for row in rows:
        title = row.definition.get("title") or {}
        found.append(Retention(row.slug, row.version, next(iter(title.values()), row.slug),
                               row.status, int(row.definition["retention_days"]), limits[row.id]))
    return found


def _by_boundary(purged: dict[str, datetime]) -> dict[datetime, list[str]]:
    groups: dict[datetime, list[str]] = defaultdict(list)
    for sender, boundary in purged.items():
        groups[boundary].append(sender)
    return groups


def _orphans(session: Session, purged: dict[str, datetime]) -> dict[str, datetime]:
    """The just-purged pseudonyms that have no participation left in any campaign."""
    if not purged:
        return {}
    remaining = {name for (name,) in session.query(Participant.pseudonym).filter(
        Participant.pseudonym.in_(list(purged))).distinct()}
    return {name: boundary for name, boundary in purged.items() if name not in remaining}


def _delete_events(session: Session, oldest: datetime | None,
                   purged: dict[str, datetime]) -> int:
    bind = session.get_bind()
    inspector = sa.inspect(bind)
    if not inspector.has_table(RASA_EVENTS_TABLE):
        return 0
    columns = {column["name"] for column in inspector.get_columns(RASA_EVENTS_TABLE)}
    orphan = "sender_id NOT IN (SELECT pseudonym FROM participants)"
    deleted = 0
    if "timestamp" not in columns:  # not Rasa's schema: forget just-purged senders entirely
        for sender in purged:
            deleted += session.execute(
                sa.text(f"DELETE FROM {RASA_EVENTS_TABLE} WHERE sender_id = :s AND {orphan}"),
                {"s": sender}).rowcount or 0
        return deleted
    if oldest is not None:
        deleted += session.execute(
            sa.text(f"DELETE FROM {RASA_EVENTS_TABLE} WHERE timestamp < :t AND {orphan}"),
            {"t": _epoch(oldest)}).rowcount or 0
    for boundary, senders in _by_boundary(purged).items():
        deleted += session.execute(
            sa.text(f"DELETE FROM {RASA_EVENTS_TABLE} WHERE timestamp < :t AND {orphan} "
                    "AND sender_id IN :senders").bindparams(sa.bindparam("senders", expanding=True)),
            {"t": _epoch(boundary), "senders": senders}).rowcount or 0
    return deleted


def _forget_in_state(session: Session, expired: list[tuple[int, str]]) -> None:
    """The engine's saved state keeps answers for conditions and revisits: an answer past
    retention goes from there too, not only from the responses table."""
    steps: dict[int, set[str]] = {}
    for participant_id, step_id in expired:
        steps.setdefault(participant_id, set()).add(step_id)
    for participant in session.query(Participant).filter(Participant.id.in_(list(steps))):
        state = dict(participant.state or {})
        answers = {step: value for step, value in (state.get("answers") or {}).items()
                   if step not in steps[participant.id]}
        # Not a change anyone made: keep updated_at as it was.
        session.query(Participant).filter_by(id=participant.id).update(
            {"state": {**state, "answers": answers}, "updated_at": participant.updated_at},
            synchronize_session=False)


def purge(session: Session, now: datetime | None = None, dry_run: bool = False,
          who: str | None = None) -> PurgeReport:
    """Delete everything past retention at `now` (naive UTC; default: the current time).

    Records an audit entry ("purge", with the counts). With `dry_run` the deletions are counted
    and then rolled back with the session's transaction, and nothing is audited: give it a
    session of its own.
    """
    now = _naive_utc(now or utcnow())
    report = PurgeReport(dry_run=dry_run)
    limits = boundaries(session, now)
    oldest = min(limits.values()) if limits else None  # the longest retention's boundary

    for version_id, boundary in limits.items():
        expired = session.query(Response).filter(
            Response.campaign_id == version_id, Response.answered_at < boundary)
        _forget_in_state(session, expired.with_entities(Response.participant_id,
                                                        Response.step_id).all())
        report.responses += expired.delete(synchronize_session=False)

    purged: dict[str, datetime] = {}  # pseudonym -> the latest boundary it may keep events to
    for version_id, boundary in limits.items():
        has_response = sa.exists().where(Response.participant_id == Participant.id)
        rows = session.query(Participant.id, Participant.pseudonym).filter(
            Participant.campaign_id == version_id,
            Participant.started_at < boundary,
            sa.func.coalesce(Participant.last_message_at, Participant.started_at) < boundary,
            sa.or_(Participant.completed_at.is_(None), Participant.completed_at < boundary),
            ~has_response,
        ).all()
        if not rows:
            continue
        ids = [row.id for row in rows]
        report.consent_records += session.query(ConsentRecord).filter(
            ConsentRecord.participant_id.in_(ids)).delete(synchronize_session=False)
        report.participants += session.query(Participant).filter(
            Participant.id.in_(ids)).delete(synchronize_session=False)
        for row in rows:  # several campaigns: keep events to the longest retention among them
            purged[row.pseudonym] = min(boundary, purged.get(row.pseudonym, boundary))

    report.events = _delete_events(session, oldest, purged)

    if oldest is not None:
        report.outbox = session.query(OutboxMessage).filter(
            OutboxMessage.created_at < oldest).delete(synchronize_session=False)
        report.inbox = session.query(InboxMessage).filter(
            InboxMessage.received_at < oldest).delete(synchronize_session=False)
    for boundary, senders in _by_boundary(_orphans(session, purged)).items():
        # Message texts are answers too: a purged participation's go with its campaign's period.
        report.outbox += session.query(OutboxMessage).filter(
            OutboxMessage.pseudonym.in_(senders), OutboxMessage.created_at < boundary
        ).delete(synchronize_session=False)
        report.inbox += session.query(InboxMessage).filter(
            InboxMessage.pseudonym.in_(senders), InboxMessage.received_at < boundary
        ).delete(synchronize_session=False)

    pseudonym = Contact.pseudonym
    needed = [
        sa.select(Participant.pseudonym).where(Participant.pseudonym == pseudonym).exists(),
        sa.select(ContactGroupMember.pseudonym)
        .where(ContactGroupMember.pseudonym == pseudonym).exists(),
        sa.select(Invitation.pseudonym).where(
            Invitation.pseudonym == pseudonym, Invitation.status.in_(INVITATION_WAITING)).exists(),
        sa.select(InboxMessage.pseudonym).where(
            InboxMessage.pseudonym == pseudonym, InboxMessage.status.in_(INBOX_WAITING)).exists(),
        sa.select(OutboxMessage.pseudonym).where(
            OutboxMessage.pseudonym == pseudonym, OutboxMessage.status.in_(OUTBOX_WAITING)).exists(),
    ]
    report.contacts = session.query(Contact).filter(
        Contact.opted_out_at.is_(None), *[~clause for clause in needed]
    ).delete(synchronize_session=False)

    if dry_run:
        session.rollback()
    else:
        audit.record(session, "purge", None, {**report.counts(), "at": now.isoformat()}, who=who)
    return report


def purge_now(sessions: sessionmaker, dry_run: bool = False, who: str | None = None,
              now: datetime | None = None) -> PurgeReport:
    """`engage purge` and the worker's daily run: `purge` in its own transaction (rolled
    back for a dry run, which changes nothing)."""
    with transaction(sessions) as session:
        return purge(session, now=now, dry_run=dry_run, who=who)

