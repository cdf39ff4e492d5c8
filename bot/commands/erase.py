"""`engage erase`: erase everything held about one resident, in every store."""

from __future__ import annotations

import argparse
from typing import Any

from bot import config
from bot.commands._base import EXIT_OK, command, factory, fail


def _erase_names(args: argparse.Namespace) -> list[str] | str:
    """The pseudonyms to erase, or the message saying why there are none (nothing erased)."""
    from bot.privacy import pseudonym

    if args.participant:
        return [args.participant]
    secret = config.read_secret()
    how = "by Telegram username" if args.telegram_username else "by address"
    if not secret:
        return f"erasing {how} needs the secret key (ENGAGE_SECRET_KEY)."
    if args.telegram_username is not None:
        from bot.privacy import normalise_username
        from bot.store.db import transaction
        from bot.store.vault import ContactVault

        username = normalise_username(args.telegram_username)
        if not username:
            return "give the Telegram username, like @sam_smith. Nothing was erased."
        with transaction(factory()) as session:
            names = ContactVault(session, secret).with_handle(username)
        if not names:
            return (f"no Telegram contact with the username @{username} is held (they may never "
                    "have written to the bot, may have changed their username since, or may "
                    "already be erased). Try --address with their chat id. Nothing was erased.")
        return names
    from bot.contacts_import import CHANNELS, default_region, normalise_phone

    channel = CHANNELS.get(args.channel, args.channel)  # "sms" is the twilio_sms channel
    address = args.address.strip()
    if channel in ("twilio_sms", "twilio_whatsapp"):  # any way a number is written
        address, reason = normalise_phone(address.removeprefix("whatsapp:"), default_region())
        if address is None:
            return f"'{args.address}' is {reason}. Nothing was erased."
    return [pseudonym(secret, channel, address)]


def cmd_erase(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.store.db import transaction
    from bot.store.erase import erase_pseudonym

    names = _erase_names(args)
    if isinstance(names, str):
        return fail(names)
    by = ("telegram_username" if args.telegram_username else
          "address" if args.address else "participant")
    for name in names:
        with transaction(factory()) as session:
            held = erase_pseudonym(session, name, requested_by="staff")
            audit.record(session, "erase", None, {"found": held, "by": by})
        print(f"Erased everything held about {name}." if held
              else f"Nothing was held about {name}.")
    return EXIT_OK


def register(subparsers: Any) -> None:
    erase = command(subparsers, "erase", cmd_erase,
                    "Erase everything held about one resident, in every store.",
                    "engage erase --address +447700900123 --channel sms\n"
                    "  engage erase --telegram-username @sam_smith\n"
                    "  engage erase --participant p_0123456789abcdef0123456789abcdef")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--participant", help="the pseudonym shown in exports (p_...)")
    who.add_argument("--address", help="phone number or chat id (needs --channel)")
    who.add_argument("--telegram-username",
                     help="the resident's Telegram @username (as it was when they last wrote)")
    erase.add_argument("--channel", default="sms",
                       choices=["sms", "whatsapp", "telegram", "rest"],
                       help="where the resident wrote from (default: sms)")
