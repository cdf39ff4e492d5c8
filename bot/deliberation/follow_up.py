"""Closing the loop: residents who asked, at the end of a campaign with `follow_up: true`,
to hear what happened are sent staff's short "you said, we did" message, in their language,
once each, through the launch path: a row per resident (`FollowUpSend`), which the worker
sends paced, outside the campaign's quiet hours, through Rasa and the outbox (a WhatsApp
template where WhatsApp needs one), never to anyone who stopped or was erased.

Who is sent it: each resident's latest participation in the campaign that is still Agreed
(consent given and not withdrawn, bot.stages) and opted in, whose contact is kept and has not
opted out, on a channel the bot can write to first (not the web chat), and who has not been
sent this campaign's follow-up before (a unique index: once per resident, whatever message).
The conversation service checks it all again when the message is queued.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.campaigns.model import Campaign
from bot.deliberation.texts import checked_texts
from bot.language import endonym
from bot.outbound.providers import CHANNEL_WORDS
from bot.stages import answers_count, counted, latest_participations
from bot.store.db import transaction
from bot.store.models import (
    CampaignVersion,
    Contact,
    FollowUp,
    FollowUpOptIn,
    FollowUpSend,
    OutboxMessage,
    Participant,
    utcnow,
)
from bot.text import normalise_for_sms, sms_segments

MAX_MESSAGE = 320  # characters: "short", at most two SMS in GSM-7
QUEUED, SENT, FAILED = "queued", "sent", "failed"

# Why an opted-in resident is not sent it, in the words staff see.
WITHDREW = "withdrew (said STOP after agreeing): their answers are no longer used"
ERASED = "no contact details any more (erased)"
OPTED_OUT = "opted out (said STOP)"
ALREADY = "already sent this campaign's follow-up"
WEB_CHAT = "took part on the web chat, which cannot be written to later"
OTHER_CHANNEL = "not on the channel chosen (--channel)"


def no_template(language: str) -> str:
    return (f"on WhatsApp, and no WhatsApp template was given for {endonym(language)} "
            f"({language}): WhatsApp only lets us write first with an approved one")


class FollowUpError(ValueError):
    """A mistake in what staff asked for; nothing was changed."""


@dataclass
class Counts:
    opted_in: int = 0  # Agreed residents who asked to hear what happened
    queued: int = 0  # waiting: for the worker, quiet hours, or the provider
    told: int = 0  # handed to the provider ("told what happened")
    failed: int = 0


def counts(session: Session, slug: str) -> Counts:
    """The loop's figures for the funnel and the console."""
    ids = [p.id for p in counted(session, slug)]
    found = Counts()
    if ids:
        found.opted_in = session.query(FollowUpOptIn).filter(
            FollowUpOptIn.participant_id.in_(ids)).count()
    key = sa.literal("follow-up:") + sa.cast(FollowUpSend.id, sa.String) + sa.literal(":0")
    for status, message in (session.query(FollowUpSend.status, OutboxMessage.status)
                            .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == key)
                            .filter(FollowUpSend.slug == slug)):
        if status == FAILED or message in ("failed", "undelivered"):
            found.failed += 1
        elif status == SENT and message in (None, "sent", "delivered"):
            found.told += 1  # handed to the provider (no row: purged since, after sending)
        else:
            found.queued += 1
    return found


def count_lines(found: Counts) -> list[str]:
    """For `engage campaign status`: the loop, after the residents' stages."""
    return ["", "Hearing what happened (you said, we did)",
            f"  Asked to hear what happened   {found.opted_in:>5}",
            f"  Told what happened            {found.told:>5}",
            *([f"  Waiting to be sent            {found.queued:>5}"] if found.queued else []),
            *([f"  Failed                        {found.failed:>5}"] if found.failed else [])]


def record_answer(session: Session, participant: Participant, yes: bool) -> None:
    """The resident's answer to "can we text you later about what happened?": a yes is an
    opt-in row (in their language), a no leaves none."""
    row = session.query(FollowUpOptIn).filter_by(participant_id=participant.id).one_or_none()
    if yes and row is None:
        session.add(FollowUpOptIn(participant_id=participant.id, language=participant.language,
                                  opted_in_at=utcnow()))
    elif yes:
        row.language, row.opted_in_at = participant.language, utcnow()
    elif row is not None:
        session.delete(row)


# -- the plan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    participant_id: int
    pseudonym: str
    channel: str
    language: str


@dataclass
class Plan:
    slug: str
    campaign: Campaign
    messages: dict[str, str]
    whatsapp: dict[str, str]
    recipients: list[Recipient] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)

    def by_channel_and_language(self) -> Counter:
        return Counter((r.channel, r.language) for r in self.recipients)


def _campaign(session: Session, slug: str) -> Campaign:
    row = (session.query(CampaignVersion).filter_by(slug=slug)
           .order_by(CampaignVersion.version.desc()).first())
    if row is None:
        raise FollowUpError(f"no campaign called '{slug}'. See `engage campaign list`.")
    campaign = Campaign.from_dict(row.definition)
    if not campaign.follow_up:
        raise FollowUpError(f"{slug} does not ask residents whether they want to hear what "
                            "happened (add follow_up: true to the campaign file), so nobody "
                            "has asked for a follow-up.")
    return campaign


def clean_messages(campaign: Campaign, messages: Mapping[str, str]) -> dict[str, str]:
    """Staff's message per language: plain SMS characters (curly quotes and dashes made
    plain), at most MAX_MESSAGE characters, only in the campaign's languages."""
    found = checked_texts(campaign.languages, messages, MAX_MESSAGE, "The message",
                          lambda text: normalise_for_sms(" ".join(text.split())), FollowUpError)
    if not found:
        raise FollowUpError("write the message first, in each language residents chose.")
    return found


def clean_templates(campaign: Campaign, whatsapp: Mapping[str, str] | None) -> dict[str, str]:
    found = {}
    for code, sid in (whatsapp or {}).items():
        sid = str(sid or "").strip()
        if not sid:
            continue
        if code not in campaign.languages:
            raise FollowUpError(f"'{code}' is not one of the campaign's languages.")
        if not (sid.startswith("HX") and sid[2:].isalnum() and len(sid) <= 64):
            raise FollowUpError(f"the WhatsApp template for {endonym(code)} should be an "
                                "approved Content template's id, like HX0123456789abcdef.")
        found[code] = sid
    return found


def _sent_before(session: Session, slug: str, names: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(names), 500):
        found |= {name for (name,) in session.query(FollowUpSend.pseudonym).filter(
            FollowUpSend.slug == slug, FollowUpSend.pseudonym.in_(names[start:start + 500]))}
    return found


def plan(session: Session, slug: str, messages: Mapping[str, str],
         whatsapp: Mapping[str, str] | None = None, channel: str | None = None) -> Plan:
    """Who would be sent the message and who not (with why), reading only. Raises
    FollowUpError when a language of those it would be sent to has no message."""
    campaign = _campaign(session, slug)
    result = Plan(slug, campaign, clean_messages(campaign, messages),
                  clean_templates(campaign, whatsapp))
    versions = [v for (v,) in session.query(CampaignVersion.id).filter_by(slug=slug)]
    latest = latest_participations(session, versions)
    opted = {row.participant_id: row for row in session.query(FollowUpOptIn).filter(
        FollowUpOptIn.participant_id.in_([p.id for p in latest]))}
    people = [p for p in latest if p.id in opted]
    names = [p.pseudonym for p in people]
    contacts = {c.pseudonym: c for c in session.query(Contact).filter(
        Contact.pseudonym.in_(names))}
    before = _sent_before(session, slug, names)
    for participant in people:
        language = opted[participant.id].language
        if language not in campaign.languages:
            language = campaign.default_language
        contact = contacts.get(participant.pseudonym)
        reason = None
        if not answers_count(participant):
            reason = WITHDREW
        elif contact is None:
            reason = ERASED
        elif contact.opted_out_at is not None:
            reason = OPTED_OUT
        elif participant.pseudonym in before:
            reason = ALREADY
        elif participant.channel not in CHANNEL_WORDS:
            reason = WEB_CHAT
        elif channel is not None and participant.channel != channel:
            reason = OTHER_CHANNEL
        elif participant.channel == "twilio_whatsapp" and language not in result.whatsapp:
            reason = no_template(language)
        if reason is not None:
            result.excluded[reason] += 1
        else:
            result.recipients.append(Recipient(participant.id, participant.pseudonym,
                                               participant.channel, language))
    missing = Counter(r.language for r in result.recipients if r.language not in result.messages)
    if missing:
        raise FollowUpError("write the message in every language of those it goes to: "
                            + ", ".join(f"{endonym(code)} ({code}, {n} resident(s))"
                                        for code, n in sorted(missing.items())) + ".")
    return result


def describe(found: Plan, rate: float | None = None, now: datetime | None = None) -> str:
    """What sending would do, for a dry run: counts, who is left out and why, each message
    with its SMS segments, and when sending would start (quiet hours)."""
    from bot.launch.describing import when_words

    out = [f"Dry run: nothing has been queued or changed.\n\nCampaign: {found.slug}",
           f"Would send \"you said, we did\" to: {len(found.recipients)}"]
    for (channel, language), number in sorted(found.by_channel_and_language().items()):
        out.append(f"  {CHANNEL_WORDS[channel]:<9} {language} ({endonym(language)}): {number}")
    out += ["", f"Not sent to: {sum(found.excluded.values())}"]
    out += [f"  {number:>6}  {reason}" for reason, number in found.excluded.most_common()]
    out += ["", "The message"]
    for code, text in sorted(found.messages.items()):
        segments = sms_segments(text)
        template = f"; WhatsApp template {found.whatsapp[code]}" if code in found.whatsapp \
            else ""
        out.append(f"  {code} ({endonym(code)}): {segments.segments} SMS segment(s), "
                   f"{segments.characters} characters, {segments.encoding}{template}")
        out.append(f"    | {text}")
    out += ["", when_words(found, None, rate, now)]
    return "\n".join(out)


# -- sending -----------------------------------------------------------------------------------

Enqueue = Callable[[int], None]


@dataclass
class SendResult:
    plan: Plan
    follow_up_id: int | None
    send_ids: list[int]


def default_enqueue(send_id: int) -> None:
    from bot.worker.tasks import enqueue_follow_up

    enqueue_follow_up(send_id)


def send(factory: sessionmaker, slug: str, messages: Mapping[str, str],
         whatsapp: Mapping[str, str] | None = None, by: str | None = None,
         rate: str | None = None, channel: str | None = None,
         enqueue: Enqueue | None = None) -> SendResult:
    """Record the message and one row per recipient in one transaction (audited as
    "follow-up"), then hand each to the worker. Someone sent it meanwhile (another send at
    the same time) is skipped by the unique index, not sent twice."""
    from bot.errors import LaunchError, QueueUnreachable
    from bot.launch.planning import parse_channel, parse_rate

    try:
        per_second = parse_rate(rate)
        channel_name = parse_channel(channel)
    except LaunchError as error:
        raise FollowUpError(str(error)) from None
    with transaction(factory) as session:
        found = plan(session, slug, messages, whatsapp, channel_name)
        if not found.recipients:
            return SendResult(found, None, [])
        row = FollowUp(slug=slug, messages=found.messages, whatsapp=found.whatsapp or None,
                       rate_per_second=per_second, created_by=by or audit.actor())
        session.add(row)
        session.flush()
        ids = []
        for recipient in found.recipients:
            try:
                with session.begin_nested():
                    item = FollowUpSend(follow_up_id=row.id, slug=slug,
                                        participant_id=recipient.participant_id,
                                        pseudonym=recipient.pseudonym,
                                        channel=recipient.channel, status=QUEUED,
                                        due_at=utcnow())
                    session.add(item)
                    session.flush()
                ids.append(item.id)
            except IntegrityError:
                found.excluded[ALREADY] += 1
        audit.record(session, "follow-up", slug, {
            "follow_up_id": row.id, "queued": len(ids), "languages": sorted(found.messages),
            "excluded": dict(found.excluded), "rate_per_second": per_second}, who=by)
        follow_up_id = row.id
    push = enqueue or default_enqueue
    try:
        for send_id in ids:
            push(send_id)
    except Exception as error:  # the queue's own words help most; nothing is lost
        raise QueueUnreachable(
            f"the follow-ups are saved, but the task queue did not take them ({error}). The "
            "worker picks saved ones up by itself within a few minutes of starting: check "
            "it runs (`make run`, or `engage worker`).") from error
    return SendResult(found, follow_up_id, ids)


@dataclass
class Ready:
    """One follow-up as it is about to be queued: the words, and the template on WhatsApp."""

    text: str
    template: str | None
    campaign: Campaign


NO_LONGER_ASKED = "no longer asked to hear what happened"


def ready(session: Session, row: FollowUpSend) -> Ready | str:
    """Everything checked again when the worker sends it, or why it must not be sent."""
    participant = session.get(Participant, row.participant_id)
    contact = session.query(Contact).filter_by(pseudonym=row.pseudonym).one_or_none()
    opt_in = session.query(FollowUpOptIn).filter_by(participant_id=row.participant_id) \
        .one_or_none()
    if participant is None or contact is None:
        return ERASED
    if contact.opted_out_at is not None:
        return OPTED_OUT
    if not answers_count(participant):
        return WITHDREW
    if opt_in is None:
        return NO_LONGER_ASKED
    message = session.get(FollowUp, row.follow_up_id)
    campaign = Campaign.from_dict(participant.campaign.definition)
    language = opt_in.language
    text = (message.messages or {}).get(language)
    if text is None:
        return f"no message in {endonym(language)} ({language})"
    template = (message.whatsapp or {}).get(language)
    if row.channel == "twilio_whatsapp" and template is None:
        return no_template(language)
    return Ready(text, template if row.channel == "twilio_whatsapp" else None, campaign)
