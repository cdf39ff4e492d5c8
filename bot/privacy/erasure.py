"""Erasing a resident at staff's request (`engage erase`, the console): find their
pseudonym(s) from what staff know (the pseudonym in an export, their number or chat id, or
their Telegram username), then erase everything held about each, in every store, each in its
own transaction with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from bot import audit
from bot.errors import BadRequest, NoSecret, StaffError
from bot.privacy import normalise_username, pseudonym
from bot.store.db import transaction
from bot.store.erase import erase_pseudonym
from bot.store.vault import ContactVault

NOTHING = "Nothing was erased."


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
            raise StaffError(f"no Telegram contact with the username @{username} is held (they "
                             "may never have written to the bot, may have changed their "
                             "username since, or may already be erased). Try --address with "
                             f"their chat id. {NOTHING}")
        return names
    if address is None:
        raise BadRequest(f"say whom to erase: a participant, an address or a username. {NOTHING}")
    from bot.contacts_import import CHANNELS, default_region, normalise_phone

    channel_name = CHANNELS.get(channel, channel)  # "sms" is the twilio_sms channel
    written = address.strip()
    if channel_name in ("twilio_sms", "twilio_whatsapp"):  # any way a number is written
        written, reason = normalise_phone(written.removeprefix("whatsapp:"), default_region())
        if written is None:
            raise BadRequest(f"'{address}' is {reason}. {NOTHING}")
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
