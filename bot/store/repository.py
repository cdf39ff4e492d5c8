"""Repositories: the only place that knows how campaigns, participants and answers are stored."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.campaigns.model import Campaign
from bot.store.models import CampaignVersion, ConsentRecord, Participant, Response, utcnow


def checksum(definition: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PublishResult:
    slug: str
    version: int
    action: str  # "created", "updated" (no one had taken part yet) or "unchanged"

    def __str__(self) -> str:
        return f"{self.slug}: version {self.version} {self.action}"


class CampaignRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self, slug: str) -> CampaignVersion | None:
        return (
            self.session.query(CampaignVersion)
            .filter_by(slug=slug)
            .order_by(CampaignVersion.version.desc())
            .first()
        )

    def publish(self, campaign: Campaign) -> PublishResult:
        """Publish a definition. A version anyone has taken part in is never changed. Raises
        CampaignInvalid, storing nothing, when an option text is another live campaign's
        keyword or a keyword is another's option text (residents would change campaign)."""
        from bot.campaigns.keywords import keyword_clashes
        from bot.campaigns.problems import CampaignInvalid

        others = [Campaign.from_dict(row.definition) for row in self.live_versions()
                  if row.slug != campaign.id]
        clashes = keyword_clashes(campaign, others, file=campaign.id)
        if clashes:
            raise CampaignInvalid(clashes)
        definition = campaign.to_dict()
        digest = checksum(definition)
        current = self.latest(campaign.id)
        if current is not None and current.checksum == digest:
            return PublishResult(campaign.id, current.version, "unchanged")
        if current is not None and not self._has_participants(current.id):
            current.definition, current.checksum = definition, digest
            current.published_at = utcnow()
            return PublishResult(campaign.id, current.version, "updated")
        version = (current.version + 1) if current else 1
        status = current.status if current else "live"
        self.session.add(
            CampaignVersion(slug=campaign.id, version=version, definition=definition,
                            checksum=digest, status=status)
        )
        self.session.flush()
        return PublishResult(campaign.id, version, "created")

    def _has_participants(self, campaign_id: int) -> bool:
        """Whether a resident has taken part (staff trying it in the console do not count)."""
        return self.session.query(Participant.id).filter_by(
            campaign_id=campaign_id, is_test=False).first() is not None

    def live_versions(self) -> list[CampaignVersion]:
        """The newest version of every campaign that is open for new residents."""
        newest = (
            self.session.query(CampaignVersion.slug, sa.func.max(CampaignVersion.version).label("v"))
            .group_by(CampaignVersion.slug)
            .subquery()
        )
        return (
            self.session.query(CampaignVersion)
            .join(newest, sa.and_(CampaignVersion.slug == newest.c.slug,
                                  CampaignVersion.version == newest.c.v))
            .filter(CampaignVersion.status == "live")
            .all()
        )

    def revision(self) -> tuple[int, int]:
        """Changes whenever anything is published, so caches know when to reload."""
        count, newest = self.session.query(
            sa.func.count(CampaignVersion.id), sa.func.max(CampaignVersion.published_at)
        ).one()
        return count, hash(newest)


# Every message runs these. They are built once: on SQLite, building a query and working out
# its cache key cost more than running it (docs/benchmarks.md, "Half the CPU per message").
_LOCK_ON_SQLITE = sa.text("UPDATE participants SET id = id WHERE pseudonym = :p")
_ORDER_LATEST = (Participant.updated_at.desc(), Participant.id.desc())
# The participation's campaign row comes with it (the relationship is joined), but not that
# row's definition: a large JSON document every turn decoded and nobody read (the engine
# reads the campaign from the catalogue). Asking for it still loads it.
_LATEST_FOR = (sa.select(Participant)
               .options(joinedload(Participant.campaign).defer(CampaignVersion.definition))
               .where(Participant.pseudonym == sa.bindparam("pseudonym"))
               .order_by(*_ORDER_LATEST).limit(1))
_LATEST_ID = (sa.select(Participant.id).where(Participant.pseudonym == sa.bindparam("who"))
              .order_by(*_ORDER_LATEST).limit(1).scalar_subquery())
_NOTE_WROTE = (sa.update(Participant).where(Participant.id == _LATEST_ID)
               .values(last_message_at=sa.bindparam("wrote_at"))
               .execution_options(synchronize_session=False))
_GIVEN = (sa.select(ConsentRecord.id)
          .where(ConsentRecord.participant_id == sa.bindparam("participant"),
                 ConsentRecord.decision == "given", ConsentRecord.withdrawn_at.is_(None))
          .limit(1))
_ANSWER = sa.select(Response).where(Response.participant_id == sa.bindparam("participant"),
                                    Response.step_id == sa.bindparam("step"))


def lock_resident(session: Session, pseudonym: str) -> None:
    """Make this transaction the only one working on this resident until it ends, so two of
    their messages (or a message and an invitation) run one after the other and the second
    sees what the first did. PostgreSQL: a transaction-level advisory lock on the pseudonym.
    SQLite: the database's write lock, taken by a write that changes nothing; it must come
    before any read, or a concurrent writer's commit makes this transaction's write fail."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = int(hashlib.sha256(pseudonym.encode()).hexdigest()[:15], 16)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite":
        session.execute(_LOCK_ON_SQLITE, {"p": pseudonym})


class ParticipantRepository:
    """One participation per resident per campaign version (uq_participant_version)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_for(self, pseudonym: str) -> Participant | None:
        """The participation the resident is in now: the one they last wrote to (every turn
        touches updated_at), so returning to an earlier campaign carries on there."""
        return self.session.execute(_LATEST_FOR, {"pseudonym": pseudonym}).scalars().first()

    def note_resident_wrote(self, pseudonym: str) -> None:
        """The resident's own message was just handled: their latest participation records
        when. Only this counts as activity ("started", retention); invitations, reminders and
        staff changes move `updated_at` but never this."""
        # One UPDATE of the row latest_for() would pick, after the turn's own changes (which
        # decide which row that is): no participation loaded again for it (benchmarks).
        self.session.flush()
        self.session.execute(_NOTE_WROTE, {"who": pseudonym, "wrote_at": utcnow()})

    def in_campaign(self, pseudonym: str, slug: str) -> Participant | None:
        """Their most recent participation in any version of one campaign."""
        return (
            self.session.query(Participant)
            .join(CampaignVersion, CampaignVersion.id == Participant.campaign_id)
            .filter(Participant.pseudonym == pseudonym, CampaignVersion.slug == slug)
            .order_by(Participant.updated_at.desc(), Participant.id.desc())
            .first()
        )

    def for_version(self, pseudonym: str, campaign_id: int) -> Participant | None:
        return (self.session.query(Participant)
                .filter_by(pseudonym=pseudonym, campaign_id=campaign_id).one_or_none())

    def start_afresh(self, pseudonym: str, campaign_id: int, channel: str,
                     language: str) -> Participant:
        """Their participation in this version, new or begun again from the language menu.
        Beginning again (after STOP, a refusal or an erasure of answers) keeps the row and
        its consent history, and drops its old answers: nothing from before carries over.
        A concurrent insert that wins (IntegrityError) is read back and begun again."""
        fresh = {"channel": channel, "language": language,
                 "phase": "choosing_language", "state": {}, "consent": "none",
                 "status": "in_progress", "completed_at": None}
        participant = self.for_version(pseudonym, campaign_id)
        if participant is None:
            try:
                with self.session.begin_nested():
                    participant = Participant(pseudonym=pseudonym, campaign_id=campaign_id,
                                              **fresh)
                    self.session.add(participant)
                return participant
            except IntegrityError:
                participant = self.for_version(pseudonym, campaign_id)
                if participant is None:
                    raise
        self.session.query(Response).filter_by(participant_id=participant.id).delete(
            synchronize_session=False)
        for name, value in fresh.items():
            setattr(participant, name, value)
        participant.updated_at = utcnow()
        self.session.flush()
        return participant

    def add(self, participant: Participant) -> Participant:
        self.session.add(participant)
        self.session.flush()
        return participant

    def for_campaign(self, slug: str) -> list[Participant]:
        return (
            self.session.query(Participant)
            .join(CampaignVersion)
            .filter(CampaignVersion.slug == slug)
            .order_by(Participant.id)
            .all()
        )


class ConsentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, participant: Participant, consent_version: str, decision: str) -> None:
        self.session.add(
            ConsentRecord(
                participant_id=participant.id, campaign_id=participant.campaign_id,
                consent_version=consent_version, decision=decision,
                channel=participant.channel, language=participant.language,
            )
        )

    def has_given(self, participant: Participant) -> bool:
        return self.session.execute(_GIVEN, {"participant": participant.id}).first() is not None

    def withdraw(self, participant: Participant) -> None:
        self.session.query(ConsentRecord).filter_by(
            participant_id=participant.id, decision="given", withdrawn_at=None
        ).update({"withdrawn_at": utcnow()})


class ResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, participant: Participant, step_id: str, raw: str, value: Any,
             language: str, skipped: bool) -> None:
        """Idempotent per (participant, step): a replayed message never adds a second answer."""
        existing = self.session.execute(
            _ANSWER, {"participant": participant.id, "step": step_id}).scalars().one_or_none()
        if existing is None:
            self.session.add(
                Response(participant_id=participant.id, campaign_id=participant.campaign_id,
                         step_id=step_id, raw_text=raw, value=value, language=language,
                         skipped=skipped)
            )
        else:
            existing.raw_text, existing.value, existing.skipped = raw, value, skipped
            existing.language, existing.answered_at = language, utcnow()

    def tallies(self, slug: str, step_id: str) -> Counter[str]:
        """How many residents chose each value so far, across every version of the campaign
        (staff's test conversations are not residents)."""
        rows = (
            self.session.query(Response.value)
            .join(CampaignVersion, CampaignVersion.id == Response.campaign_id)
            .join(Participant, Participant.id == Response.participant_id)
            .filter(CampaignVersion.slug == slug, Response.step_id == step_id,
                    Response.skipped.is_(False), Participant.is_test.is_(False))
            .all()
        )
        return Counter(str(value) for (value,) in rows if value is not None)

    def for_participant(self, participant_id: int) -> list[Response]:
        return self.session.query(Response).filter_by(participant_id=participant_id).all()
