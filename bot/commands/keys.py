"""`engage keys rotate`: move the pseudonyms and the contact vault to a new secret key;
`engage keys check`: does the key the bot will start with open the vault?"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot import config, settings
from bot.commands._base import EXIT_OK, command, factory, fail
from bot.errors import NoSuchFile

HELP = ("Rotate the secret key: give every resident the pseudonym the new key makes, in every\n"
        "table and the conversation history, and encrypt the contact vault with it, in one\n"
        "transaction. Stop the bot and back up the database first. The running key is\n"
        "ENGAGE_SECRET_KEY (or the local key file); the new one comes from ENGAGE_NEW_SECRET_KEY\n"
        "or --new-key-file, never from the command line, and is never printed. Afterwards put\n"
        "the new key in ENGAGE_SECRET_KEY (your secrets store) and start the bot again.\n"
        "See docs/deploy.md, \"Rotating the secret key\".")


def read_new_key(path: str | None) -> str | None:
    """The new key: the file's text (trimmed, as the local key file is read), else
    ENGAGE_NEW_SECRET_KEY."""
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise NoSuchFile(f"cannot read the new key file {path} ({error.strerror}). "
                             "Nothing was changed.") from None
    return settings.value("ENGAGE_NEW_SECRET_KEY")


def cmd_rotate(args: argparse.Namespace) -> int:
    from bot.privacy.rotation import ALSO_CHANGES, answering, rotate_key, stack_addresses

    new = read_new_key(args.new_key_file)
    old = config.read_secret()
    done = rotate_key(factory(), old, new, dry_run=args.dry_run,
                      running=answering(stack_addresses()) if old and new else ())
    print("Would change (dry run, nothing changed):" if done.dry_run else
          "Rotated: every change below is committed.")
    print(f"  contact vault entries encrypted with the new key: {done.contacts}")
    print(f"  residents given a new pseudonym: {done.renamed}")
    for table, count in done.rows.items():
        print(f"  {table}: {count} row{'' if count == 1 else 's'}")
    print(f"  Telegram username hashes cleared: {done.usernames_cleared} (the username is "
          "never stored, so each is hashed again with the new key when that resident next "
          "writes; until then erase them by chat id or pseudonym)")
    if done.unlinked:
        print(f"  pseudonyms kept as they were: {done.unlinked} (held without a contact vault "
              "entry, so there is no address to derive the new one from; erase them by the "
              "pseudonym in an export)")
    if done.dry_run:
        return EXIT_OK
    print("\nNow, before starting the bot again:\n"
          "  1. put the new key in ENGAGE_SECRET_KEY wherever the bot reads it (your secrets\n"
          "     store, deploy/engage.env, or var/secret.key locally); keep the old key only\n"
          "     with the backups made before now (they need it), and as long as they are kept;\n"
          "  2. unset ENGAGE_NEW_SECRET_KEY / delete the new key file;\n"
          "  3. run `engage keys check` with the bot's settings: it must say the key fits;\n"
          "  4. start the bot. Also changed with the key:")
    for item in ALSO_CHANGES:
        print(f"     - {item}")
    print("  Exports and backups made before now keep the old pseudonyms.")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from bot.privacy.rotation import check_key

    found = check_key(factory(), config.read_secret())
    if found.fits:
        print(f"The key opens all {found.total} contact vault entries and gives each its "
              "stored pseudonym: the bot can start with it.")
        return EXIT_OK
    return fail(f"the key (ENGAGE_SECRET_KEY, or the local key file) opens {found.opened} of "
                f"{found.total} contact vault entries ({found.matching} with their stored "
                "pseudonym). Do not start the bot with it: after a rotation, give it the new "
                "key; otherwise, the key this database was made with.")


def register(subparsers: Any) -> None:
    keys = subparsers.add_parser("keys", help="Manage the secret key (rotate it).",
                                 description="Manage the secret key (ENGAGE_SECRET_KEY).")
    sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = command(sub, "rotate", cmd_rotate, HELP,
                     "ENGAGE_NEW_SECRET_KEY=\"$(cat new.key)\" engage keys rotate --dry-run")
    rotate.add_argument("--new-key-file", metavar="PATH",
                        help="read the new key from this file instead of ENGAGE_NEW_SECRET_KEY")
    rotate.add_argument("--dry-run", action="store_true",
                        help="count what would change, changing nothing")
    command(sub, "check", cmd_check,
            "Check that the key (ENGAGE_SECRET_KEY, or the local key file) opens every contact "
            "vault entry: after a rotation, before starting the bot.", "engage keys check")
