"""`engage contacts import`: residents who agreed to be contacted, from a CSV file."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot import config
from bot.commands._base import EXIT_OK, command, factory

PROGRESS_EVERY = 500


class Progress:
    """"checked 500 of 12,000 contacts..." on one line of a terminal, updated in place and
    wiped before the summary; nothing at all when stderr is a file or a pipe (a log should
    hold the summary, not a progress line after it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.shown = 0
        self.live = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.live or total < PROGRESS_EVERY:
            return
        if done % PROGRESS_EVERY == 0 or done == total:
            text = f"\r  checked {done:,} of {total:,} contacts..."
            self.stream.write(text.ljust(self.shown))
            self.stream.flush()
            self.shown = len(text)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0


def cmd_contacts_import(args: argparse.Namespace) -> int:
    from bot.contacts_import import import_file

    progress = Progress()
    try:
        report = import_file(factory(), config.read_secret(), args.file, args.channel,
                             args.source, group=args.group, region=args.region,
                             progress=progress)
    finally:
        progress.clear()
    print(report.summary())
    return EXIT_OK


def register(subparsers) -> None:
    contacts = subparsers.add_parser("contacts", help="Residents who agreed to be contacted.")
    sub = contacts.add_subparsers(dest="contacts_command", required=True)
    imp = command(
        sub, "import", cmd_contacts_import,
        "Import residents' numbers (or Telegram chat ids) from a CSV file with a header row.\n"
        "The number column is called phone, number or mobile; a name column is ignored.\n"
        "An optional language column (en, cy, pl, ar, ro, or a name like Welsh) is the\n"
        "language invitations are sent in.\n"
        "Bad rows are listed with their line numbers; residents who opted out stay opted out.",
        'engage contacts import residents.csv --channel sms '
        '--source "Library drop-in sign-up sheet, Nov 2026"')
    imp.add_argument("file", help="the CSV file")
    imp.add_argument("--channel", required=True, choices=["sms", "whatsapp", "telegram"],
                     help="how these residents will be contacted")
    imp.add_argument("--source", required=True,
                     help="where their consent to be contacted came from")
    imp.add_argument("--group", help="the group to add them to (default: the file's name)")
    imp.add_argument("--region", help="country for numbers without +code, e.g. GB "
                                      "(default: ENGAGE_DEFAULT_REGION, else GB)")
