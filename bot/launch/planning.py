"""Who a launch invites: the audience staff named (a contact group, or a CSV of contacts
already imported), everyone left out with a plain reason, channels not set up, the first
message each contact gets, and whether it is quiet hours.

Reading only: `plan_launch` changes nothing. Every mistake raises LaunchError.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot import clock as bot_clock
from bot import engine, quiet
from bot.campaigns.model import Campaign
from bot.campaigns.versions import version_ids, versions
from bot.contacts_import import CHANNELS  # what staff type -> the connectors' channel
from bot.errors import LaunchError, UnknownCampaign
from bot.language import endonym
from bot.launch.eligibility import why_not_invite
from bot.outbound.providers import CHANNEL_WORDS, missing_settings, not_set_up
from bot.outbound.render import render_text
from bot.stages import stages_of
from bot.store.models import (
    CampaignVersion,
    Contact,
    ContactGroupMember,
    InboxMessage,
    Invitation,
    Participant,
    utcnow,
)

MENU = "menu"  # the language key of contacts whose language is not known
MENU_WORDS = "not known: gets the language menu"
AT_FORMAT = "%Y-%m-%d %H:%M"
RATE_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0,
              "h": 3600.0, "hr": 3600.0, "hour": 3600.0}
CHUNK = 500  # rows per IN (...) query and per insert batch
# An invitation row's status: queued for the worker, sent (the service queued its messages for
# the provider), failed. What officers see is derived from it (bot.launch.status).
ROW_QUEUED, ROW_SENT, ROW_FAILED = "queued", "sent", "failed"

# Why a contact in the audience is not invited, beyond the one rule (bot.launch.eligibility).
ALREADY_INVITED = "already invited to this version of the campaign"
INVITED_EARLIER = "already invited to an earlier version of the campaign"


# -- reading what staff typed -----------------------------------------------------------------

def parse_rate(text: str | None) -> float | None:
    """"1/s", "30/min", "100/h" -> invitations per second."""
    if text is None:
        return None
    count, _, unit = text.strip().lower().partition("/")
    unit = unit.strip()
    if unit != "s":
        unit = unit.removesuffix("s")  # "30/mins", "2/hours"
    try:
        number = float(count)
    except ValueError:
        number = -1.0
    if unit not in RATE_UNITS or not number > 0 or number == float("inf"):
        raise LaunchError(f"--rate '{text}' is not a rate I can read: write it like 1/s, "
                          "30/min or 100/h (invitations per second, minute or hour).")
    return number / RATE_UNITS[unit]


def parse_at(text: str | None, tz: str, now: datetime | None = None) -> datetime | None:
    """"2026-12-01 10:00" in the campaign's time zone -> naive UTC; it must be in the future."""
    if text is None:
        return None
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise LaunchError(f"the campaign's time zone '{tz}' is not one I know; fix "
                          "`timezone:` in the campaign file and publish it again.") from None
    try:
        local = datetime.strptime(text.strip(), AT_FORMAT)
    except ValueError:
        raise LaunchError(f"--at '{text}' is not a date and time I can read: write it like "
                          f"\"2026-12-01 10:00\" ({tz} time).") from None
    moment = local.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
    now = now or utcnow()
    if moment <= now:
        here = now.replace(tzinfo=timezone.utc).astimezone(zone).strftime(AT_FORMAT)
        raise LaunchError(f"--at {text} has already passed (it is now {here} in {tz}). "
                          "Give a time in the future, or leave --at out to start now.")
    return moment


def parse_channel(text: str | None) -> str | None:
    if text is None:
        return None
    channel = CHANNELS.get(text.strip().lower())
    if channel is None:
        raise LaunchError(f"--channel '{text}' is not a channel: use sms, whatsapp or telegram.")
    return channel


# -- the audience -----------------------------------------------------------------------------

@dataclass
class Audience:
    """Who staff named: pseudonyms in order (no repeats), and CSV rows that match no contact."""

    label: str
    pseudonyms: list[str] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line, what it said)


def read_audience(session: Session, audience: str, secret: str | None) -> Audience:
    """A CSV file of contacts already imported, or the name of a contact group."""
    path = Path(audience)
    if path.is_file():
        return _from_file(session, path, secret)
    if audience.lower().endswith(".csv") or os.sep in audience:
        raise LaunchError(f"no such file: {audience}")
    names = [name for (name,) in session.query(ContactGroupMember.pseudonym)
             .filter(ContactGroupMember.group_name == audience)
             .order_by(ContactGroupMember.id)]
    if not names:
        groups = sorted(name for (name,) in session.query(ContactGroupMember.group_name).distinct())
        known = f" The groups are: {', '.join(groups)}." if groups else " There are no groups yet."
        raise LaunchError(f"no contact group or file called '{audience}'.{known} Import "
                          "residents first with `engage contacts import FILE --group NAME`.")
    return Audience(f"group {audience}", list(dict.fromkeys(names)))


def contact_groups(session: Session) -> list[tuple[str, int]]:
    """Every contact group a launch can name, with how many contacts it holds (for choosing)."""
    return [(name, number) for name, number in session.query(
        ContactGroupMember.group_name, sa.func.count(ContactGroupMember.id))
        .group_by(ContactGroupMember.group_name).order_by(ContactGroupMember.group_name)]


def named_group(session: Session, name: str) -> str:
    """`name` if it is a contact group, else LaunchError listing the groups (the console names
    groups only: a file on the server is never an audience there)."""
    groups = [group for group, _ in contact_groups(session)]
    if name.strip() in groups:
        return name.strip()
    known = f" The groups are: {', '.join(groups)}." if groups else " There are no groups yet."
    raise LaunchError(f"there is no contact group called '{name.strip()[:64]}'.{known} Import "
                      "residents into a group first (Contacts).")


def _from_file(session: Session, path: Path, secret: str | None) -> Audience:
    """Each row's number (or chat id) as the pseudonyms `engage contacts import` gave it, on
    every channel; a row that is no imported contact on any channel is listed."""
    from bot.contacts_import import (
        ADDRESS_COLUMNS,
        TELEGRAM_COLUMNS,
        ImportProblem,
        csv_rows,
        default_region,
        normalise_chat_id,
        normalise_phone,
        read_text,
    )
    from bot.privacy import pseudonym

    if not secret:
        raise LaunchError("a file audience needs the secret key (ENGAGE_SECRET_KEY) to find "
                          "the contacts it lists.")
    try:  # the contacts import's own careful reading: NUL bytes, huge fields, encodings
        lines = list(csv_rows(read_text(path), path))
    except ImportProblem as problem:
        raise LaunchError(str(problem)) from None
    header = [name.strip().lower() for name in (lines[0][1] if lines else [])]
    column = next((header.index(name) for name in (*ADDRESS_COLUMNS, *TELEGRAM_COLUMNS)
                   if name in header), None)
    if column is None:
        raise LaunchError(f"{path} has no column called phone, number, mobile or chat_id "
                          "(the first row must name the columns).")
    region = default_region()
    rows: list[tuple[int, str, list[str]]] = []
    for line, values in lines[1:]:
        if not any(value.strip() for value in values):
            continue
        raw = (values[column] if column < len(values) else "").strip()
        candidates = []
        phone, _ = normalise_phone(raw, region)
        if phone is not None:
            candidates += [pseudonym(secret, "twilio_sms", phone),
                           pseudonym(secret, "twilio_whatsapp", phone)]
        chat, _ = normalise_chat_id(raw)
        if chat is not None:
            candidates.append(pseudonym(secret, "telegram", chat))
        rows.append((line, raw, candidates))
    known = _existing(session, [name for _, _, names in rows for name in names])
    result = Audience(f"file {path.name}")
    for line, raw, candidates in rows:
        found = [name for name in candidates if name in known]
        if not found:
            result.unknown.append((line, raw))
        result.pseudonyms += found
    result.pseudonyms = list(dict.fromkeys(result.pseudonyms))
    return result


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(session: Session, names: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(names))):
        found |= {name for (name,) in session.query(Contact.pseudonym)
                  .filter(Contact.pseudonym.in_(chunk))}
    return found


# -- the plan ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One contact to invite. `language`: their language if the campaign has it, else MENU.
    `invitation_id`: their invitation to this campaign already waiting (from an earlier
    launch), of version `version_id`. For a new invitation, `reinvitation` numbers it (0: the
    first) and `after` says what became of their last one: ROW_FAILED (never sent: tried
    again) or ROW_SENT (staff asked for a re-invitation)."""

    pseudonym: str
    channel: str
    language: str
    invitation_id: int | None = None
    version_id: int | None = None
    reinvitation: int = 0
    after: str | None = None


@dataclass
class Plan:
    slug: str
    version_id: int  # the campaign version (row id) invitations are for
    version: int  # its number, for staff
    campaign: Campaign
    audience: Audience
    channel: str | None
    reinvite: bool = False
    targets: list[Target] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)  # reason -> how many

    @property
    def new(self) -> list[Target]:
        return [target for target in self.targets if target.invitation_id is None]

    @property
    def waiting(self) -> list[Target]:
        return [target for target in self.targets if target.invitation_id is not None]

    @property
    def retried(self) -> list[Target]:
        return [target for target in self.new if target.after == ROW_FAILED]

    @property
    def reinvited(self) -> list[Target]:
        return [target for target in self.new if target.after == ROW_SENT]

    def by_channel_and_language(self) -> Counter:
        return Counter((target.channel, target.language) for target in self.targets)

    def by_channel(self) -> Counter:
        return Counter(target.channel for target in self.targets)


def find_campaign(session: Session, slug: str) -> tuple[CampaignVersion, Campaign]:
    try:
        row = versions(session, slug)[-1]
    except UnknownCampaign:
        raise LaunchError(f"no campaign called '{slug}'. See `engage campaign list`, or "
                          "publish it with `engage campaign publish FILE`.") from None
    if row.status == "closed":
        raise LaunchError(f"{slug} is closed: it takes no new residents, so nobody can be "
                          "invited. Publish a new campaign to ask again.")
    return row, Campaign.from_dict(row.definition)


@dataclass(frozen=True)
class _Earlier:
    """A contact's latest invitation to this campaign, whatever its version."""

    id: int
    status: str
    version_id: int
    reinvitation: int


def _latest_invitations(session: Session, slug: str, names: Sequence[str]) -> dict[str, _Earlier]:
    latest: dict[str, _Earlier] = {}
    for name, row_id, status, version_id, number in _select_in(
            session, [Invitation.pseudonym, Invitation.id, Invitation.status,
                      Invitation.campaign_id, Invitation.reinvitation],
            Invitation.pseudonym, names, Invitation.slug == slug):
        known = latest.get(name)
        if known is None or (number, row_id) > (known.reinvitation, known.id):
            latest[name] = _Earlier(row_id, status, version_id, number)
    return latest


def plan_launch(session: Session, slug: str, audience: str, channel: str | None = None,
                secret: str | None = None, reinvite: bool = False) -> Plan:
    """Who would be invited and who not (with why), reading only. Each contact is invited to
    a campaign once, whatever its version: with `reinvite`, those whose invitation was sent
    are invited again; one whose last invitation failed before anything was sent is tried
    again anyway (they never got it)."""
    row, campaign = find_campaign(session, slug)
    people = read_audience(session, audience, secret)
    plan = Plan(slug, row.id, row.version, campaign, people, channel, reinvite)
    names = people.pseudonyms
    contacts = _rows_by_pseudonym(session, Contact, names)
    invited = _latest_invitations(session, slug, names)
    taking_part: dict[str, set[str]] = {}
    for name, status, consent, wrote_at in _select_in(
            session, [Participant.pseudonym, Participant.status, Participant.consent,
                      Participant.last_message_at],
            Participant.pseudonym, names,
            Participant.campaign_id.in_(version_ids(session, slug))):
        if plan.reinvite and not stages_of(consent, status, wrote_at):
            continue  # invited before and never replied: a re-invitation is for them
        taking_part.setdefault(name, set()).add(status)
    telegram = [name for name, contact in contacts.items() if contact.channel == "telegram"]
    wrote = {name for (name,) in _select_in(session, [InboxMessage.pseudonym],
                                             InboxMessage.pseudonym, telegram)}
    wrote |= {name for (name,) in _select_in(session, [Participant.pseudonym],
                                              Participant.pseudonym, telegram)}
    for name in names:
        contact = contacts.get(name)
        earlier = invited.get(name)
        reason = _exclusion(plan, contact, earlier, taking_part.get(name), wrote)
        if reason is not None:
            plan.excluded[reason] += 1
            continue
        known = contact.language if contact.language in campaign.languages else None
        language = known or MENU
        if earlier is None:
            plan.targets.append(Target(name, contact.channel, language))
        elif earlier.status == ROW_QUEUED:
            plan.targets.append(Target(name, contact.channel, language, earlier.id,
                                       earlier.version_id))
        else:
            after = ROW_FAILED if earlier.status == ROW_FAILED else ROW_SENT
            plan.targets.append(Target(name, contact.channel, language,
                                       reinvitation=earlier.reinvitation + 1, after=after))
    return plan


@dataclass
class DryRun:
    """What a launch would do: its plan, and when and how fast it would send."""

    plan: Plan
    at: datetime | None  # naive UTC; None: now
    rate: float | None  # invitations per second; None: each channel's own rate


def dry_run(sessions: sessionmaker, slug: str, audience: str, *, channel: str | None = None,
            at: str | None = None, rate: str | None = None, secret: str | None = None,
            reinvite: bool = False) -> DryRun:
    """`engage campaign launch --dry-run`: the plan, reading only (rolled back whatever
    happens). Raises LaunchError for any mistake, as the real launch would."""
    channel_name, per_second = parse_channel(channel), parse_rate(rate)
    session = sessions()
    try:
        plan = plan_launch(session, slug.strip(), audience, channel_name, secret,
                           reinvite=reinvite)
    finally:
        session.rollback()
        session.close()
    if plan.audience.unknown:
        raise LaunchError(unknown_rows(plan.audience))
    return DryRun(plan, parse_at(at, plan.campaign.timezone), per_second)

def _exclusion(plan: Plan, contact: Contact | None, earlier: _Earlier | None,
               statuses: set[str] | None, wrote: set[str]) -> str | None:
    """Why this contact is not invited, or None: the one rule (bot.launch.eligibility), with
    what only the launch knows (--channel, invitations sent before, Telegram contacts who
    never wrote)."""
    sent_before = earlier is not None and earlier.status not in (ROW_QUEUED, ROW_FAILED)
    invited_before = None
    if sent_before and not plan.reinvite:
        invited_before = ALREADY_INVITED if earlier.version_id == plan.version_id \
            else INVITED_EARLIER
    return why_not_invite(contact, plan.campaign, statuses=statuses, only_channel=plan.channel,
                          invited_before=invited_before,
                          telegram_wrote=contact is not None and contact.pseudonym in wrote)


def unsendable(plan: Plan,
               env: Mapping[str, str] | None = None) -> dict[str, tuple[int, list[str]]]:
    """Channels of the plan's targets that the bot's sender could not send on, given the
    settings in `env` (default: this process's; the bot must be started with the same):
    channel -> (targets on it, the settings missing)."""
    found: dict[str, tuple[int, list[str]]] = {}
    for channel, number in sorted(plan.by_channel().items()):
        missing = missing_settings(channel, env)
        if missing:
            found[channel] = (number, missing)
    return found


def unsendable_lines(plan: Plan, env: Mapping[str, str] | None = None,
                     would: bool = True) -> list[str]:
    """Lines like "SMS is not set up: ... are not set; nothing would be sent to the 5 SMS
    contact(s)."."""
    lines = []
    for channel, (number, missing) in unsendable(plan, env).items():
        verb = "would be" if would else "can be"
        lines.append(f"{not_set_up(channel, missing)}; nothing {verb} sent to the {number} "
                     f"{CHANNEL_WORDS[channel]} contact(s).")
    return lines


def _select_in(session: Session, columns: list, key, names: Sequence[str], *where) -> list:
    found: list = []
    for chunk in _chunks(list(names)):
        found += session.query(*columns).filter(key.in_(chunk), *where).distinct().all()
    return found


def _rows_by_pseudonym(session: Session, model: type, names: Sequence[str]) -> dict:
    rows: dict = {}
    for chunk in _chunks(list(names)):
        for row in session.query(model).filter(model.pseudonym.in_(chunk)):
            rows[row.pseudonym] = row
    return rows


def refusal(plan: Plan, env: Mapping[str, str] | None = None) -> str | None:
    """Why a real launch must not go ahead on channels that are not set up, or None."""
    lines = unsendable_lines(plan, env, would=False)
    if not lines:
        return None
    return (" ".join(lines) + " Set the channel up (the bot must be started with the same "
            "settings), leave it out with --channel, or add --queue-anyway to queue the "
            "invitations now: they are sent once it is set up. Nothing was changed.")


def unknown_rows(audience: Audience, limit: int = 20) -> str:
    lines = [f"{len(audience.unknown)} row(s) of the file are not imported contacts, so "
             "nothing was queued:"]
    for line, value in audience.unknown[:limit]:
        lines.append(f"  line {line}: {value!r}")
    if len(audience.unknown) > limit:
        lines.append(f"  ... and {len(audience.unknown) - limit} more")
    lines.append("Import them first with `engage contacts import FILE --channel sms --source "
                 "\"...\"`, or take them out of the file.")
    return "\n".join(lines)


# -- what a plan sends, and when -------------------------------------------------------

def invitation_text(campaign: Campaign, language: str) -> str:
    """The first message a contact gets: MENU for the language menu."""
    outcome = engine.start(campaign, None if language == MENU else language, invited=True)
    return render_text(outcome.messages[0])


def language_words(language: str) -> str:
    return MENU_WORDS if language == MENU else f"{language} ({endonym(language)})"


def target_notes(plan: Plan) -> str:
    """What follows the number invited: " (2 already waiting from an earlier launch; ...)"."""
    notes = []
    if plan.waiting:
        notes.append(f"{len(plan.waiting)} already waiting from an earlier launch")
    if plan.retried:
        notes.append(f"{len(plan.retried)} whose earlier invitation failed before it was sent: "
                     "tried again")
    if plan.reinvited:
        notes.append(f"{len(plan.reinvited)} invited before: --reinvite invites them again")
    return f" ({'; '.join(notes)})" if notes else ""


def quiet_now(campaign: Campaign, now: datetime | None = None) -> datetime | None:
    """The end (naive UTC) of the campaign's quiet hours if it is quiet hours now (bot.clock,
    which tests move), else None."""
    start, end = campaign.quiet_hours
    return quiet.quiet_until_safe(now or bot_clock.now(), campaign.timezone, start, end)


def _day_and_time(moment: datetime, tz: str, now: datetime) -> str:
    """Like "08:00 tomorrow" or "08:00 on Tue 02 Dec", in the campaign's time zone."""
    moment_day = quiet.local_time(moment, tz, "%Y-%m-%d")
    today = quiet.local_time(now, tz, "%Y-%m-%d")
    clock_time = quiet.local_time(moment, tz)
    if moment_day == today:
        return f"{clock_time} today"
    tomorrow = quiet.local_time(now + timedelta(days=1), tz, "%Y-%m-%d")
    if moment_day == tomorrow:
        return f"{clock_time} tomorrow"
    return f"{clock_time} on {quiet.local_time(moment, tz, '%a %d %b')}"


def quiet_words(campaign: Campaign, now: datetime | None = None) -> str | None:
    """Like "It is quiet hours in Europe/London now (22:15 there; quiet hours 21:00-08:00): nothing
    is sent until 08:00 tomorrow." or None outside quiet hours."""
    now = now or bot_clock.now()
    until = quiet_now(campaign, now)
    if until is None:
        return None
    tz = campaign.timezone
    return (f"It is quiet hours in {tz} now ({quiet.local_time(now, tz)} there; quiet hours "
            f"{'-'.join(campaign.quiet_hours)}): nothing is sent until "
            f"{_day_and_time(until, tz, now)}.")
