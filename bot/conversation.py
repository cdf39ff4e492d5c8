"""The service layer for one resident message: load state, run the engine, store the changes.

Called by the Rasa custom action with the pseudonym Rasa knows the resident by; it never sees
a phone number. One message is one database transaction, so a failure leaves nothing half-done
and the same message can be processed again.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import bootstrap, engine
from bot.campaigns.keywords import keyword_of
from bot.campaigns.model import Campaign
from bot.campaigns.sms import for_channel
from bot.catalogue import Catalogue, Version
from bot.engine import ASKS_BEFORE_SWITCHING, Context, Event, Outcome, Phase, Reply, vocabulary
from bot.language import SUPPORTED
from bot.launch.eligibility import (
    campaign_statuses,
    invitation_language,
    invitation_template,
    why_not_invite,
)
from bot.store.db import transaction
from bot.store.erase import erase_pseudonym
from bot.store.models import (
    CampaignVersion,
    Contact,
    FollowUpSend,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    Response,
    utcnow,
)
from bot.store.repository import (
    ConsentRepository,
    ParticipantRepository,
    ResponseRepository,
    lock_resident,
)

logger = logging.getLogger(__name__)
RESTARTABLE = {Phase.OPTED_OUT, Phase.DECLINED, Phase.ERASED}
TALLY_TTL_SECONDS = 10.0


REPLY_OVER_HTTP = {"rest"}  # every other channel replies through the outbox
WHATSAPP = "twilio_whatsapp"

@dataclass
class TurnResult:
    messages: list[str]
    erased: bool = False
    events: list[Event] = field(default_factory=list)
    buttons: list[str] | None = None
    queued: bool = False  # the messages went to the outbox, not back through Rasa
    template: str | None = None  # WhatsApp Content template (HX...) for the last message


class ConversationService:
    def __init__(self, factory: sessionmaker, catalogue: Catalogue | None = None,
                 tally_ttl: float = TALLY_TTL_SECONDS) -> None:
        self.factory = factory
        self.catalogue = catalogue or Catalogue()
        self.tally_ttl = tally_ttl  # how long reflect steps reuse a count of answers
        self._tallies: dict[tuple[str, str], tuple[float, dict[str, int]]] = {}

    def handle(self, pseudonym: str, channel: str, text: str, intent: str | None = None,
               confidence: float = 0.0, inbox_id: int | None = None,
               kind: str = "text") -> TurnResult:
        """One message, one transaction: the conversation's changes, the inbox row marked
        processed and the reply queued in the outbox all commit together, or none do."""
        with transaction(self.factory) as session:
            lock_resident(session, pseudonym)  # first: their turns run one at a time
            if inbox_id is not None and not self._unprocessed(session, inbox_id):
                return TurnResult([])  # a replay of a message already applied
            reply = Reply(text, intent, confidence, kind=kind)
            result = self._turn(session, pseudonym, channel, reply)
            if result.erased:
                self._erase(session, pseudonym, channel, inbox_id, confirm=bool(result.messages))
            else:
                ParticipantRepository(session).note_resident_wrote(pseudonym)
            if inbox_id is not None:
                session.query(InboxMessage).filter_by(id=inbox_id).update(
                    {"status": "processed", "processed_at": utcnow()})
            if channel not in REPLY_OVER_HTTP:
                self._queue(session, channel, pseudonym, result, inbox_id)
            return result

    @staticmethod
    def _erase(session: Session, pseudonym: str, channel: str, inbox_id: int | None,
               confirm: bool) -> None:
        """The resident asked for their data to go. A provider channel still needs the
        address and this message's inbox row to send the confirmation: the sender forgets
        both once it is sent (the confirmation's row has `forget_contact_after`)."""
        confirm_later = confirm and channel not in REPLY_OVER_HTTP
        erase_pseudonym(session, pseudonym, "resident", include_tracker=False,
                        keep_contact=confirm_later,
                        keep_inbox_id=inbox_id if confirm_later else None)

    def invite(self, invitation_id: int) -> TurnResult:
        """Start the conversation an invitation stands for, in one transaction.

        Idempotent: an invitation already sent or failed is left alone, so a second trigger
        (a retried request, two workers) sends nothing. The invitation row is locked first, so
        two concurrent calls run one after the other; the outbox's unique dedupe keys are the
        last guard. Anything that makes it impossible marks it failed with the reason."""
        try:
            with transaction(self.factory) as session:
                invitation = self._lock(session, Invitation, invitation_id)
                if invitation is None or invitation.status != "queued":
                    return TurnResult([])
                return self._invite(session, invitation)
        except IntegrityError:  # a concurrent call got there first: it sent the invitation
            logger.info("Invitation %s was sent by a concurrent call", invitation_id)
            return TurnResult([])

    def _invite(self, session: Session, invitation: Invitation) -> TurnResult:
        pseudonym, channel = invitation.pseudonym, invitation.channel
        lock_resident(session, pseudonym)  # a message of theirs may be joining right now
        contact = session.query(Contact).filter_by(pseudonym=pseudonym).one_or_none()
        self.catalogue.refresh(session)  # a version nobody has joined yet may be re-published
        version, campaign = self.catalogue.version(session, invitation.campaign_id)
        status = session.query(CampaignVersion.status).filter_by(id=version.id).scalar()
        language = invitation_language(campaign, contact.language if contact else None)
        template = invitation_template(campaign, language)
        statuses = campaign_statuses(session, pseudonym, version.slug,
                                     again=invitation.reinvitation > 0)
        reason = why_not_invite(contact, campaign, statuses=statuses, closed=status == "closed")
        if reason is not None:
            invitation.status, invitation.reason = "failed", reason
            return TurnResult([])
        participant = self._enrol(session, pseudonym, channel, version, campaign)
        known = contact.language if contact is not None else None
        outcome = engine.start(campaign, known, invited=True)
        result = self._apply(session, participant, campaign, outcome, channel)
        result.template = template if channel == WHATSAPP else None
        self._queue_initiated(session, channel, pseudonym, result, f"invite:{invitation.id}",
                              campaign, first_template=result.template)
        invitation.status, invitation.sent_at, invitation.reason = "sent", utcnow(), None
        return result

    def remind(self, participant_id: int) -> TurnResult:
        """The one reminder to a resident who agreed but has not finished, in one transaction:
        a short hello and the question they were on. Nothing for anyone else (stopped,
        finished, not yet agreed, erased, closed campaign), and never a second time."""
        try:
            with transaction(self.factory) as session:
                participant = self._lock(session, Participant, participant_id)
                if participant is None or participant.reminded_at is not None:
                    return TurnResult([])
                return self._remind(session, participant)
        except IntegrityError:
            logger.info("Participant %s was reminded by a concurrent call", participant_id)
            return TurnResult([])

    def _remind(self, session: Session, participant: Participant) -> TurnResult:
        channel, pseudonym = participant.channel, participant.pseudonym
        contact = session.query(Contact).filter_by(pseudonym=pseudonym).one_or_none()
        if contact is None or contact.opted_out_at is not None or channel in REPLY_OVER_HTTP:
            return TurnResult([])
        if participant.status != "in_progress" or participant.consent != "given":
            return TurnResult([])
        self.catalogue.refresh(session)
        _, campaign = self.catalogue.version(session, participant.campaign_id)
        if participant.campaign.status == "closed" or campaign.reminder_after_hours is None:
            return TurnResult([])
        state = engine.ParticipantState.from_dict(participant.state)
        outcome = engine.remind(campaign, state,
                                self._context(session, campaign, state, participant.pseudonym))
        if not outcome.messages:
            return TurnResult([])
        participant.state = outcome.state.to_dict()  # an unanswered switch offer is let go
        result = TurnResult(for_channel(campaign, state.language, channel, outcome.messages),
                            buttons=outcome.buttons,
                            template=self._template(campaign, outcome.state, channel, outcome))
        self._queue_initiated(session, channel, pseudonym, result, f"remind:{participant.id}",
                              campaign)
        participant.reminded_at = utcnow()
        return result

    def follow_up(self, send_id: int) -> TurnResult:
        """Staff's "you said, we did" message to one resident who asked for it, in one
        transaction: queued once (keyed), held in quiet hours, with the WhatsApp template
        where WhatsApp needs one; for anyone who stopped, withdrew or was erased nothing is
        queued and the row is failed with the reason (bot.deliberation.follow_up)."""
        from bot.deliberation.follow_up import Ready, ready

        try:
            with transaction(self.factory) as session:
                row = self._lock(session, FollowUpSend, send_id)
                if row is None or row.status != "queued":
                    return TurnResult([])
                lock_resident(session, row.pseudonym)
                found = ready(session, row)
                if not isinstance(found, Ready):
                    row.status, row.reason, row.claimed_until = "failed", found, None
                    return TurnResult([])
                result = TurnResult([found.text])
                self._queue_initiated(session, row.channel, row.pseudonym, result,
                                      f"follow-up:{row.id}", found.campaign,
                                      first_template=found.template)
                row.status, row.sent_at, row.reason = "sent", utcnow(), None
                return result
        except IntegrityError:  # a concurrent call got there first: it queued the message
            logger.info("Follow-up %s was queued by a concurrent call", send_id)
            return TurnResult([])

    @staticmethod
    def _lock(session: Session, model: type, row_id: int):
        """Take the row's write lock before reading it (a no-op UPDATE: a row lock on
        PostgreSQL, the database write lock on SQLite), so a concurrent call waits and then
        sees what this one did."""
        table = model.__table__
        keep = {column.name: table.c[column.name] for column in table.columns
                if column.onupdate is not None}
        keep["id"] = table.c.id
        session.execute(sa.update(table).where(table.c.id == row_id).values(**keep))
        return session.get(model, row_id)

    @staticmethod
    def _queue_initiated(session: Session, channel: str, pseudonym: str, result: TurnResult,
                         key: str, campaign: Campaign,
                         first_template: str | None = None) -> None:
        """Queue messages the bot starts (invitation, reminder): held in the campaign's quiet
        hours, keyed so a repeat can never queue them twice. A WhatsApp template carries the
        whole first message as its one variable ({{1}}), so it has no buttons of its own."""
        last = len(result.messages) - 1
        for number, body in enumerate(result.messages):
            if number == 0 and first_template is not None:
                template, buttons = first_template, None
            elif number == last:
                template = result.template if first_template is None else None
                buttons = result.buttons
            else:
                template, buttons = None, None
            session.add(OutboxMessage(
                channel=channel, pseudonym=pseudonym, body=body, buttons=buttons,
                template=template, quiet_tz=campaign.timezone,
                quiet_hours="-".join(campaign.quiet_hours), dedupe_key=f"{key}:{number}"))
        session.flush()
        result.queued = True

    @staticmethod
    def _unprocessed(session: Session, inbox_id: int) -> bool:
        row = session.get(InboxMessage, inbox_id)
        return row is not None and row.status != "processed"

    @staticmethod
    def _queue(session: Session, channel: str, pseudonym: str, result: TurnResult,
               inbox_id: int | None) -> None:
        last = len(result.messages) - 1
        for number, body in enumerate(result.messages):
            session.add(OutboxMessage(
                channel=channel, pseudonym=pseudonym, body=body, inbox_id=inbox_id,
                buttons=result.buttons if number == last else None,
                template=result.template if number == last else None,
                dedupe_key=f"inbox:{inbox_id}:{number}" if inbox_id is not None else None,
                forget_contact_after=result.erased and number == last,
            ))
        result.queued = True

    def _turn(self, session: Session, pseudonym: str, channel: str, reply: Reply) -> TurnResult:
        text = reply.text
        self.catalogue.refresh(session)
        participants = ParticipantRepository(session)
        current = participants.latest_for(pseudonym)
        started = self.catalogue.for_keyword(session, text) if reply.kind == "text" else None
        if started is not None and current is not None and \
                Phase(current.phase) in ASKS_BEFORE_SWITCHING and \
                current.campaign.slug != started[0].slug:
            # Another campaign's keyword part-way through this one: an answer to the
            # question they are on wins, else they are asked first (engine.keyword_elsewhere).
            _, campaign = self.catalogue.version(session, current.campaign_id)
            state = engine.ParticipantState.from_dict(current.state)
            outcome = engine.keyword_elsewhere(
                campaign, state, reply, keyword_of(text),
                self._context(session, campaign, state, pseudonym))
            if Event.SWITCHED not in outcome.events:
                return self._apply(session, current, campaign, outcome, channel)
            return self._switch(session, pseudonym, channel, current, outcome, keyword_of(text))
        if started is not None:
            return self._start(session, pseudonym, channel, *started)
        closed = self.catalogue.closed_for_keyword(session, text) \
            if started is None and reply.kind == "text" else None
        if closed is not None:
            return self._closed(session, pseudonym, closed, channel)
        if current is None:
            return self._stranger(session, pseudonym, reply)
        _, campaign = self.catalogue.version(session, current.campaign_id)
        state = engine.ParticipantState.from_dict(current.state)
        outcome = engine.handle(campaign, state, reply,
                                self._context(session, campaign, state, pseudonym))
        if Event.SWITCHED in outcome.events:  # yes to "PARKS is a different survey"
            return self._switch(session, pseudonym, channel, current, outcome,
                                state.switch_offered or "")
        if Event.RESUBSCRIBED in outcome.events and current.campaign.status == "closed" and \
                self.catalogue.live_for_slug(session, campaign.id) is None:
            # START after STOP, but the campaign has closed: nothing to join, nothing changes.
            return self._closed(session, pseudonym, (Version.of(current.campaign), campaign),
                                channel)
        if Event.RESUBSCRIBED in outcome.events:  # START after STOP: fresh consent, newest version
            session.query(Contact).filter_by(pseudonym=pseudonym).update({"opted_out_at": None})
            version, newest = self.catalogue.live_for_slug(session, campaign.id) or \
                (Version.of(current.campaign), campaign)
            if newest is not campaign:
                outcome = engine.start(newest)
                outcome.events.append(Event.RESUBSCRIBED)
            current = self._enrol(session, pseudonym, channel, version, newest)
            campaign = newest
        return self._apply(session, current, campaign, outcome, channel)

    def _start(self, session: Session, pseudonym: str, channel: str, version: Version,
               campaign: Campaign) -> TurnResult:
        """A campaign's keyword: where they were in it, or its start."""
        theirs = ParticipantRepository(session).in_campaign(pseudonym, version.slug)
        if theirs is not None and Phase(theirs.phase) not in RESTARTABLE:
            return self._resume(session, theirs, channel)  # back to where they were
        participant = self._enrol(session, pseudonym, channel, version, campaign)
        return self._apply(session, participant, campaign, engine.start(campaign), channel)

    def _switch(self, session: Session, pseudonym: str, channel: str, current: Participant,
                outcome: Outcome, keyword: str) -> TurnResult:
        """They said yes to starting the campaign of `keyword` part-way through this one:
        this one is kept as it was (without the offer, and without touching `updated_at`, so
        the other becomes the one they are talking to) and the other starts, or resumes."""
        current.state = outcome.state.to_dict()
        target = self.catalogue.for_keyword(session, keyword)
        if target is None:  # it closed while they were being asked
            closed = self.catalogue.closed_for_keyword(session, keyword)
            if closed is not None:
                return self._closed(session, pseudonym, closed, channel)
            return TurnResult([self._how_to_start(outcome.state.language)],
                              events=outcome.events)
        result = self._start(session, pseudonym, channel, *target)
        result.events = [*outcome.events, *result.events]
        return result

    def _resume(self, session: Session, participant: Participant, channel: str) -> TurnResult:
        """Their campaign's keyword again, part-way through: where they were."""
        _, campaign = self.catalogue.version(session, participant.campaign_id)
        state = engine.ParticipantState.from_dict(participant.state)
        outcome = engine.resume(campaign, state,
                                self._context(session, campaign, state, participant.pseudonym))
        return self._apply(session, participant, campaign, outcome, channel)

    def _closed(self, session: Session, pseudonym: str, closed: tuple[Version, Campaign],
                channel: str) -> TurnResult:
        """The keyword of a closed campaign: someone part-way through may finish; anyone else
        is told kindly that it has closed and what happens with the results."""
        version, campaign = closed
        theirs = ParticipantRepository(session).in_campaign(pseudonym, version.slug)
        if theirs is not None and theirs.status == "in_progress" and \
                Phase(theirs.phase) not in RESTARTABLE:
            return self._resume(session, theirs, channel)
        language = campaign.default_language
        if theirs is not None and theirs.language in campaign.languages:
            language = theirs.language
        title = campaign.title.get(language) or campaign.title[campaign.default_language]
        thanks = campaign.thanks.get(language) or campaign.thanks[campaign.default_language]
        return TurnResult([engine.phrase("campaign_closed", language, title=title), thanks])

    @staticmethod
    def _enrol(session: Session, pseudonym: str, channel: str, version: Version,
               campaign: Campaign) -> Participant:
        """Their one participation in this version, begun (again) from the start."""
        return ParticipantRepository(session).start_afresh(
            pseudonym, version.id, channel, campaign.default_language)

    def _stranger(self, session: Session, pseudonym: str, reply: Reply) -> TurnResult:
        """Someone who is in no campaign: tell them how to start, or honour STOP, DELETE and
        HELP, in the language of their word (or the one they gave when they agreed to be
        contacted). After STOP only HELP, DELETE and START are answered."""
        text, intent = reply.text, reply.intent
        contact = session.query(Contact).filter_by(pseudonym=pseudonym).one_or_none()
        stopped = contact is not None and contact.opted_out_at is not None
        known = vocabulary.language_of(text) if reply.kind == "text" else None
        language = known or (contact.language if contact is not None else None)
        say = engine.phrase
        if reply.kind != "text":
            return TurnResult([] if stopped else [say("can_only_read_text", language or "en")])
        sure = reply.confidence >= engine.MIN_CONFIDENCE  # a model's guess must be confident
        if engine.is_opt_out(text) or (intent == "stop" and sure):
            session.query(Contact).filter_by(pseudonym=pseudonym).update({"opted_out_at": utcnow()})
            return TurnResult([say("opted_out", language or "en")], events=[Event.OPTED_OUT])
        if engine.is_erase(text) or (intent == "erase" and sure):
            return TurnResult([say("erased", language or "en")], erased=True,
                              events=[Event.ERASE_REQUESTED])
        if stopped and engine.is_resubscribe(text):
            contact.opted_out_at = None
            return TurnResult([self._how_to_start(language)], events=[Event.RESUBSCRIBED])
        if stopped:
            return TurnResult([say("help_stopped", language or "en")] if engine.is_help(text)
                              else [])
        if engine.is_help(text):
            return TurnResult([self._how_to_start(language or "en")])
        return TurnResult([self._how_to_start(language)])

    def _how_to_start(self, language: str | None) -> str:
        """The live campaigns' keywords: in the resident's language when it is known, else a
        short, language-neutral line (the keywords, then HELP in each language offered)."""
        keywords = self.catalogue.keywords(language)
        if not keywords:
            return engine.phrase("no_campaigns", language or "en")
        if language is not None:
            return engine.phrase("how_to_start", language, keywords=", ".join(keywords))
        offered = {code for campaign in self.catalogue.live() for code in campaign.languages}
        helps = [vocabulary.help_word(code) for code in SUPPORTED if code in offered]
        return "\n".join([" / ".join(keywords), " / ".join(helps)])

    def _context(self, session: Session, campaign: Campaign, state: engine.ParticipantState,
                 pseudonym: str | None = None) -> Context:
        targets = {step.of for step in campaign.steps if step.type == "reflect" and step.of}
        if not targets or state.phase not in (Phase.IN_STEP, Phase.AWAITING_WHY):
            return Context()
        return Context(tallies={step_id: self._tally(session, campaign.id, step_id)
                                for step_id in targets},
                       reasons=self._reasons(session, campaign, state, pseudonym),
                       seed=zlib.crc32((pseudonym or "").encode()))

    @staticmethod
    def _reasons(session: Session, campaign: Campaign, state: engine.ParticipantState,
                 pseudonym: str | None) -> dict[str, list[tuple[str, str]]]:
        """Approved reasons of other Agreed residents for each reflect step with `quotes`,
        in this resident's language, with the choice each author made (bot.deliberation:
        nothing unapproved, rejected or of a withdrawn resident can be among them)."""
        from bot.deliberation.moderation import approved_quotes

        found: dict[str, list[tuple[str, str]]] = {}
        for step in campaign.steps:
            if step.type != "reflect" or not step.quotes or step.of is None:
                continue
            quotes = approved_quotes(session, campaign.id, f"{step.of}.why")
            if not quotes:
                continue
            chosen = dict(session.query(Response.participant_id, Response.value).filter(
                Response.participant_id.in_([q.participant_id for q in quotes]),
                Response.step_id == step.of))
            found[step.id] = [(str(chosen.get(q.participant_id)), words) for q in quotes
                              if q.pseudonym != pseudonym
                              and (words := q.in_language(state.language))]
        return found

    def _tally(self, session: Session, slug: str, step_id: str) -> dict[str, int]:
        key, now = (slug, step_id), time.monotonic()
        cached = self._tallies.get(key)
        if cached and now - cached[0] < self.tally_ttl:
            return cached[1]
        counts = dict(ResponseRepository(session).tallies(slug, step_id))
        self._tallies[key] = (now, counts)
        return counts

    def _apply(self, session: Session, participant: Participant, campaign: Campaign,
               outcome: Outcome, channel: str) -> TurnResult:
        if Event.ERASE_REQUESTED in outcome.events:  # handle() erases, nothing to update
            return TurnResult(outcome.messages, erased=True, events=outcome.events)
        state = outcome.state
        participant.updated_at = utcnow()  # every turn: latest_for() follows the conversation
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
            elif event in (Event.FOLLOW_UP_YES, Event.FOLLOW_UP_NO):
                from bot.deliberation.follow_up import record_answer

                session.flush()
                record_answer(session, participant, event is Event.FOLLOW_UP_YES)
        if outcome.answers:
            session.flush()
            if consents.has_given(participant):
                responses = ResponseRepository(session)
                for answer in outcome.answers:
                    responses.save(participant, answer.step_id, answer.raw, answer.value,
                                   answer.language, answer.skipped)
            else:
                logger.warning("Dropped %d answer(s) given without consent", len(outcome.answers))
        return TurnResult(for_channel(campaign, state.language, channel, outcome.messages),
                          events=outcome.events, buttons=outcome.buttons,
                          template=self._template(campaign, state, channel, outcome))

    @staticmethod
    def _template(campaign: Campaign, state: engine.ParticipantState, channel: str,
                  outcome: Outcome) -> str | None:
        return whatsapp_template(campaign, state, channel, outcome)


def whatsapp_template(campaign: Campaign, state: engine.ParticipantState, channel: str,
                      outcome: Outcome) -> str | None:
    """The campaign's WhatsApp buttons, when the turn's last message asks the current
    step (it carries buttons only then) and that step has a template in this language.
    (The console's preview asks this too, to show what WhatsApp shows.)"""
    if channel != WHATSAPP or not outcome.buttons or not outcome.messages:
        return None
    if state.phase is not Phase.IN_STEP or state.step_id is None:
        return None
    if state.switch_offered is not None:  # the last message asks about another campaign
        return None
    return campaign.whatsapp_template(state.step_id, state.language)


def service_from_env() -> ConversationService:
    """The process's service (bot.bootstrap), on the database named by ENGAGE_DATABASE_URL."""
    return bootstrap.shared("conversation", lambda: ConversationService(bootstrap.sessions()))
