"""What staff may see of the contacts: the groups launches name (bot.launch.planning), with
how many contacts each holds per channel and per language, and the residents who opted out,
counted and listed by the masked form of their address only (bot.privacy.masking). Reading
only; numbers and chat ids never leave this module unmasked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.errors import NoSecret
from bot.launch.planning import MENU, contact_groups, language_words
from bot.outbound.providers import CHANNEL_WORDS
from bot.store.models import Contact, ContactGroupMember
from bot.store.vault import ContactVault

NOT_HELD = "no longer held (erased)"  # a member whose contact was erased since
OPTED_OUT_SHOWN = 500  # the list shows the latest this many; the count is all of them


@dataclass
class GroupCounts:
    """One contact group: its contacts, per channel and per language (in staff words), and
    how many of them opted out (a launch leaves those out)."""

    name: str
    contacts: int
    channels: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    opted_out: int = 0


def channel_words(channel: str | None) -> str:
    return NOT_HELD if channel is None else CHANNEL_WORDS.get(channel, channel)


def groups(session: Session) -> list[GroupCounts]:
    """Every contact group a launch can name, in name order, with its counts."""
    found = {name: GroupCounts(name, number) for name, number in contact_groups(session)}
    channels: dict[str, Counter] = {name: Counter() for name in found}
    languages: dict[str, Counter] = {name: Counter() for name in found}
    rows = (session.query(ContactGroupMember.group_name, Contact.channel, Contact.language,
                          Contact.opted_out_at.isnot(None), sa.func.count(ContactGroupMember.id))
            .outerjoin(Contact, Contact.pseudonym == ContactGroupMember.pseudonym)
            .group_by(ContactGroupMember.group_name, Contact.channel, Contact.language,
                      Contact.opted_out_at.isnot(None)))
    for name, channel, language, opted_out, number in rows:
        if name not in found:
            continue
        channels[name][channel_words(channel)] += number
        if channel is not None:
            languages[name][language_words(language or MENU)] += number
        if opted_out:
            found[name].opted_out += number
    for name, group in found.items():
        group.channels = dict(sorted(channels[name].items()))
        group.languages = dict(sorted(languages[name].items()))
    return list(found.values())


@dataclass(frozen=True)
class OptedOut:
    """A resident who opted out, as staff may see them: never the number."""

    masked: str
    channel: str
    language: str
    opted_out_at: datetime


def opted_out_count(session: Session) -> int:
    return session.query(sa.func.count(Contact.id)).filter(Contact.opted_out_at.isnot(None)).scalar()


def opted_out(session: Session, secret: str | None,
              limit: int = OPTED_OUT_SHOWN) -> list[OptedOut]:
    """The residents who opted out, latest first, each by the masked form of their address
    (which needs the secret key: NoSecret without it)."""
    if not secret:
        raise NoSecret("showing who opted out needs the secret key (ENGAGE_SECRET_KEY), which "
                       "opens the contact vault.")
    vault = ContactVault(session, secret)
    found = (session.query(Contact).filter(Contact.opted_out_at.isnot(None))
             .order_by(Contact.opted_out_at.desc(), Contact.id.desc()).limit(limit))
    return [OptedOut(vault.masked(contact), channel_words(contact.channel),
                     language_words(contact.language or MENU), contact.opted_out_at)
            for contact in found]
