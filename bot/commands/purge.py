"""`engage purge`: delete now what is past each campaign's retention period."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_OK, command, factory

HELP = ("Delete now everything past its campaign's retention period: answers, participations,\n"
        "consent records, conversations, messages and contacts no longer needed.\n"
        "The worker already does this every day at 03:00 UTC; run it yourself to purge\n"
        "at once, or with --dry-run to see what would go. Each run is recorded in the audit log.")


def cmd_purge(args: argparse.Namespace) -> int:
    from bot.privacy.retention import purge_now

    report = purge_now(factory(), dry_run=args.dry_run)
    if report.total == 0:
        print("Nothing is past retention; nothing was deleted.")
        return EXIT_OK
    print("Would delete (dry run, nothing changed):" if args.dry_run else "Deleted:")
    for table, count in report.counts().items():
        print(f"  {table}: {count}")
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = command(subparsers, "purge", cmd_purge, HELP, "engage purge --dry-run")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be deleted, without deleting anything")
