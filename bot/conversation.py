"""The service layer for one resident message: load state, run the engine, store the changes.

Called by the Rasa custom action with the pseudonym Rasa knows the resident by; it never sees
a phone number. One message is one database transaction, so a failure leaves nothing half-done
and the same message can be processed again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot import config, engine
from bot.campaigns.model import Campaign
from bot.catalogue import Catalogue
from bot.engine import Context, Event, Outcome, Phase, Reply
from bot.store.db import session_factory, transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import CampaignVersion, Contact, Participant, utcnow
from bot.store.repository import ConsentRepository, ParticipantRepository, ResponseRepository

logger = logging.getLogger(__name__)
RESTARTABLE = {Phase.OPTED_OUT, Phase.DECLINED, Phase.ERASED}
TALLY_TTL_SECONDS = 10.0


@dataclass
class TurnResult:
    messages: list[str]
    erased: bool = False
    events: list[Event] = field(default_factory=list)


class ConversationService:
    def __init__(self, factory: sessionmaker, catalogue: Catalogue | None = None) -> None:
        self.factory = factory
        self.catalogue = catalogue or Catalogue()
        self._tallies: dict[tuple[str, str], tuple[float, dict[str, int]]] = {}

    def handle(self, pseudonym: str, channel: str, text: str,
               intent: str | None = None, confidence: float = 0.0) -> TurnResult:
        with transaction(self.factory) as session:
            self.catalogue.refresh(session)
            current = ParticipantRepository(session).latest_for(pseudonym)
            started = self.catalogue.for_keyword(session, text)
            if started is not None:
                row, campaign = started
                if current is not None and self._same_campaign(current, row) and \
                        Phase(current.phase) not in RESTARTABLE:
                    _, campaign = self.catalogue.version(session, current.campaign_id)
                    state = engine.ParticipantState.from_dict(current.state)
                    outcome = engine.resume(campaign, state, self._context(session, campaign, state))
                    return self._apply(session, current, campaign, outcome, text)
                participant = self._enrol(session, pseudonym, channel, row, campaign)
                return self._apply(session, participant, campaign, engine.start(campaign), text)
            if current is None:
                return self._stranger(session, pseudonym, text, intent)
            _, campaign = self.catalogue.version(session, current.campaign_id)
            state = engine.ParticipantState.from_dict(current.state)
            outcome = engine.handle(campaign, state, Reply(text, intent, confidence),
                                    self._context(session, campaign, state))
            return self._apply(session, current, campaign, outcome, text)

    @staticmethod
    def _same_campaign(participant: Participant, row: CampaignVersion) -> bool:
        return participant.campaign.slug == row.slug

    def _enrol(self, session: Session, pseudonym: str, channel: str,
               row: CampaignVersion, campaign: Campaign) -> Participant:
        language = campaign.default_language
        return ParticipantRepository(session).add(
            Participant(pseudonym=pseudonym, campaign_id=row.id, channel=channel,
                        language=language, phase=Phase.CHOOSING_LANGUAGE.value,
                        state={}, consent="none", status="in_progress")
        )

    def _stranger(self, session: Session, pseudonym: str, text: str, intent: str | None) -> TurnResult:
        """Someone who is in no campaign: tell them how to start, or honour their STOP."""
        if engine.is_opt_out(text) or intent == "stop":
            session.query(Contact).filter_by(pseudonym=pseudonym).update({"opted_out_at": utcnow()})
            return TurnResult([engine.phrase("opted_out", "en")], events=[Event.OPTED_OUT])
        if engine.is_erase(text) or intent == "erase":
            erase_pseudonym(session, pseudonym, "resident", include_tracker=False)
            return TurnResult([engine.phrase("erased", "en")], erased=True,
                              events=[Event.ERASE_REQUESTED])
        keywords = self.catalogue.keywords()
        if not keywords:
            return TurnResult([engine.phrase("no_campaigns", "en")])
        return TurnResult([engine.phrase("how_to_start", "en", keywords=", ".join(keywords))])

    def _context(self, session: Session, campaign: Campaign, state: engine.ParticipantState) -> Context:
        targets = {step.of for step in campaign.steps if step.type == "reflect" and step.of}
        if not targets or state.phase not in (Phase.IN_STEP, Phase.AWAITING_WHY):
            return Context()
        return Context(tallies={step_id: self._tally(session, campaign.id, step_id)
                                for step_id in targets})

    def _tally(self, session: Session, slug: str, step_id: str) -> dict[str, int]:
        key, now = (slug, step_id), time.monotonic()
        cached = self._tallies.get(key)
        if cached and now - cached[0] < TALLY_TTL_SECONDS:
            return cached[1]
        counts = dict(ResponseRepository(session).tallies(slug, step_id))
        self._tallies[key] = (now, counts)
        return counts

    def _apply(self, session: Session, participant: Participant, campaign: Campaign,
               outcome: Outcome, text: str) -> TurnResult:
        if Event.ERASE_REQUESTED in outcome.events:
            erase_pseudonym(session, participant.pseudonym, "resident", include_tracker=False)
            return TurnResult(outcome.messages, erased=True, events=outcome.events)
        state = outcome.state
        participant.state = state.to_dict()
        participant.phase = state.phase.value
        participant.language = state.language
        participant.consent = state.consent
        participant.status = state.status
        consents = ConsentRepository(session)
        for event in outcome.events:
            if event is Event.CONSENT_GIVEN:
                consents.record(participant, campaign.consent_version, "given")
            elif event is Event.CONSENT_DECLINED:
                consents.record(participant, campaign.consent_version, "declined")
            elif event is Event.OPTED_OUT:
                consents.withdraw(participant)
                session.query(Contact).filter_by(pseudonym=participant.pseudonym).update(
                    {"opted_out_at": utcnow()})
            elif event is Event.COMPLETED:
                participant.completed_at = utcnow()
        if outcome.answers:
            session.flush()
            if consents.has_given(participant):
                responses = ResponseRepository(session)
                for answer in outcome.answers:
                    responses.save(participant, answer.step_id, answer.raw, answer.value,
                                   answer.language, answer.skipped)
            else:
                logger.warning("Dropped %d answer(s) given without consent", len(outcome.answers))
        return TurnResult(outcome.messages, events=outcome.events)


_service: ConversationService | None = None


def service_from_env() -> ConversationService:
    """One service per process, on the database named by ENGAGE_DATABASE_URL."""
    global _service
    if _service is None:
        _service = ConversationService(session_factory(config.database_url()))
    return _service
