"""`engage erase`: erase everything held about one resident, in every store."""

from __future__ import annotations

import argparse
from typing import Any

from bot import config
from bot.commands._base import EXIT_OK, command, factory


def cmd_erase(args: argparse.Namespace) -> int:
    from bot.privacy.erasure import erase_residents, find_residents

    sessions = factory()
    names = find_residents(sessions, None if args.participant else config.read_secret(),
                           participant=args.participant, address=args.address,
                           channel=args.channel, telegram_username=args.telegram_username)
    by = ("telegram_username" if args.telegram_username else
          "address" if args.address else "participant")
    for erased in erase_residents(sessions, names, by):
        print(f"Erased everything held about {erased.pseudonym}." if erased.held
              else f"Nothing was held about {erased.pseudonym}.")
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
