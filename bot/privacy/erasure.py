"""Erasing a resident at staff's request (`engage erase`, the console): find their
pseudonym(s) from what staff know (the pseudonym in an export, their number or chat id, or
their Telegram username), then erase everything held about each, in every store, each in its
own transaction with its audit entry.

What staff typed (a number, a chat id, a username) is never repeated: not in an error's
words, not in the audit log. The console shows these errors as they are."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from bot import audit
from bot.errors import BadRequest, NoSecret, StaffError
from bot.privacy import normalise_username, pseudonym
from bot.store.db import transaction
from bot.store.erase import RASA_EVENTS_TABLE, erase_pseudonym
from bot.store.models import (
    CampaignVersion,
    ConsentRecord,
    Contact,
    ContactGroupMember,
    ContactSource,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    Response,
)
from bot.store.vault import ContactVault

NOTHING = "Nothing was erased."


class NotHeld(StaffError, LookupError):
    """Nobody is held under what staff gave (nothing was erased)."""


@dataclass(frozen=True)
class Erased:
    pseudonym: str
    held: bool  # something was held about them (now gone)


def find_residents(sessions: sessionmaker, secret: str | None, *, participant: str | None = None,
                   address: str | None = None, channel: str = "sms",
                   telegram_username: str | None = None) -> list[str]:
    """The pseudonyms to erase for one of `participant`, `address` (on `channel`: sms,
    whatsapp, telegram or rest) or `telegram_username`. Raises NoSecret, BadRequest or
    StaffError (no such contact), each saying nothing was erased."""
    if participant:
        return [participant.strip()]
    how = "by Telegram username" if telegram_username is not None else "by address"
    if not secret:
        raise NoSecret(f"erasing {how} needs the secret key (ENGAGE_SECRET_KEY).")
    if telegram_username is not None:
        username = normalise_username(telegram_username)
        if not username:
            raise BadRequest(f"give the Telegram username, like @sam_smith. {NOTHING}")
        with transaction(sessions) as session:
            names = ContactVault(session, secret).with_handle(username)
        if not names:
            raise NotHeld("no Telegram contact with that username is held (they may never "
                          "have written to the bot, may have changed their username since, "
                          f"or may already be erased). Try --address with their chat id. {NOTHING}")
        return names
    if address is None:
        raise BadRequest(f"say whom to erase: a participant, an address or a username. {NOTHING}")
    from bot.contacts_import import CHANNELS, default_region, normalise_chat_id, normalise_phone

    channel_name = CHANNELS.get(channel, channel)  # "sms" is the twilio_sms channel
    written = address.strip()
    if channel_name in ("twilio_sms", "twilio_whatsapp"):  # any way a number is written
        written, reason = normalise_phone(written.removeprefix("whatsapp:"), default_region())
        if written is None:
            raise BadRequest(f"that cannot be read as a phone number ({reason}). {NOTHING}")
    elif channel_name == "telegram":
        written, reason = normalise_chat_id(written)
        if written is None:
            raise BadRequest(f"that cannot be read as a chat id ({reason}). {NOTHING}")
    return [pseudonym(secret, channel_name, written)]


def erase_residents(sessions: sessionmaker, names: list[str], by: str = "participant",
                    who: str | None = None) -> list[Erased]:
    """Erase everything held about each pseudonym, in every store (tracker events too);
    `by` says for the audit log how staff named them, `who` who asked (default: the actor)."""
    done = []
    for name in names:
        with transaction(sessions) as session:
            held = erase_pseudonym(session, name, requested_by="staff")
            audit.record(session, "erase", None, {"found": held, "by": by}, who=who)
        done.append(Erased(name, held))
    return done


# How staff can name a resident in the console, and how `erase_residents` records it.
WAYS = {
    "phone": ("a phone number (SMS and WhatsApp)", "address"),
    "sms": ("a phone number, SMS only", "address"),
    "whatsapp": ("a phone number, WhatsApp only", "address"),
    "telegram-username": ("a Telegram @username", "telegram_username"),
    "telegram": ("a Telegram chat id", "address"),
}
LONGEST = 64  # longer than any phone number, chat id or Telegram username


def look_up(sessions: sessionmaker, secret: str | None, way: str, typed: str) -> tuple[list[str], str]:
    """The pseudonyms staff mean by what they typed, named `way` (a key of WAYS), and how
    the audit log says they were named. Raises BadRequest, NoSecret or NotHeld, never with
    what was typed in the words."""
    if way not in WAYS:
        raise BadRequest(f"choose how you are naming the resident. {NOTHING}")
    typed = typed.strip()
    if not typed:
        raise BadRequest(f"type the resident's {WAYS[way][0].split(',')[0].removeprefix('a ')}. "
                         f"{NOTHING}")
    if len(typed) > LONGEST:
        raise BadRequest(f"that is too long to be a phone number, chat id or username. {NOTHING}")
    by = WAYS[way][1]
    if way == "telegram-username":
        return find_residents(sessions, secret, telegram_username=typed), by
    channels = ("sms", "whatsapp") if way == "phone" else (way,)
    names = [name for channel in channels
             for name in find_residents(sessions, secret, address=typed, channel=channel)]
    return names, by


@dataclass(frozen=True)
class Held:
    """What is held about some residents: what erasing them removes."""

    names: list[str]  # the pseudonyms with anything held, in the order given
    campaigns: list[tuple[str, str]]  # (id, title) of each campaign they took part in
    counts: dict[str, int]  # what, in plain words -> how many


def holdings(sessions: sessionmaker, names: list[str]) -> Held:
    """Everything `erase_residents` would remove for these pseudonyms, counted (nothing is
    changed). A pseudonym with nothing held is left out of `names`."""
    with transaction(sessions) as session:
        held_names, totals = [], dict.fromkeys(_WHAT, 0)
        campaigns: dict[str, str] = {}
        has_events = sa.inspect(session.get_bind()).has_table(RASA_EVENTS_TABLE)
        for name in dict.fromkeys(names):
            rows = session.query(Participant.id, CampaignVersion.slug, CampaignVersion.definition
                                 ).join(CampaignVersion, CampaignVersion.id == Participant.campaign_id
                                        ).filter(Participant.pseudonym == name).all()
            ids = [row.id for row in rows]
            counts = {
                "participations": len(ids),
                "answers": session.query(Response).filter(Response.participant_id.in_(ids)).count()
                if ids else 0,
                "consents": session.query(ConsentRecord).filter(
                    ConsentRecord.participant_id.in_(ids)).count() if ids else 0,
                "messages": session.query(InboxMessage).filter_by(pseudonym=name).count()
                + session.query(OutboxMessage).filter_by(pseudonym=name).count(),
                "invitations": session.query(Invitation).filter_by(pseudonym=name).count(),
                "contacts": session.query(Contact).filter_by(pseudonym=name).count(),
                "groups": session.query(ContactGroupMember).filter_by(pseudonym=name).count()
                + session.query(ContactSource).filter_by(pseudonym=name).count(),
                "events": session.execute(sa.text(
                    f"SELECT COUNT(*) FROM {RASA_EVENTS_TABLE} WHERE sender_id = :s"),
                    {"s": name}).scalar_one() if has_events else 0,
            }
            if not any(counts.values()):
                continue
            held_names.append(name)
            for key, number in counts.items():
                totals[key] += number
            for row in rows:
                title = row.definition.get("title") or {}
                campaigns[row.slug] = next(iter(title.values()), row.slug) if title else row.slug
    return Held(held_names, sorted(campaigns.items()),
                {words: totals[key] for key, words in _WHAT.items()})


_WHAT = {
    "participations": "campaigns taken part in",
    "answers": "answers",
    "consents": "consent records",
    "messages": "messages to and from the bot",
    "invitations": "invitations",
    "contacts": "contact vault entries (the encrypted number or chat id)",
    "groups": "contact group memberships and sign-up records",
    "events": "conversation history events (Rasa's tracker store)",
}
