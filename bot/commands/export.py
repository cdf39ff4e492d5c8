"""`engage export SLUG`: a campaign's answers (pseudonyms only) as JSONL, CSV or an Excel
workbook, to a file or the screen (bot.reports.exporting)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands._base import EXIT_OK, command, factory


def add_filter(parser: argparse.ArgumentParser) -> None:
    """--since, --until, --channel, --language: which residents (bot.reports.filtering)."""
    parser.add_argument("--since", metavar="DATE",
                        help="only residents who joined on or after this day (UTC), e.g. 2026-11-01")
    parser.add_argument("--until", metavar="DATE",
                        help="only residents who joined on or before this day (UTC)")
    parser.add_argument("--channel", help="only residents on this channel: sms, whatsapp, "
                        "telegram or web")
    parser.add_argument("--language", help="only residents who chose this language, e.g. cy")


def filter_of(args: argparse.Namespace):
    """The filter the options name; BadRequest (shown as it is) for a mistake."""
    from bot.reports.filtering import AnswerFilter

    return AnswerFilter.parse(args.since, args.until, args.channel, args.language)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.reports.export import written
    from bot.reports.exporting import export_answers

    done = export_answers(factory(), args.campaign, args.format, args.output,
                          only=filter_of(args))
    if done.path is None:
        sys.stdout.write(done.text or "")
    else:
        print(written(done.rows, args.output), file=sys.stderr)
    return EXIT_OK


def register(subparsers: Any) -> None:
    export = command(subparsers, "export", cmd_export,
                     "Export a campaign's answers (pseudonyms only).",
                     "engage export buses-2026 --format csv -o buses.csv\n"
                     "  engage export buses-2026 --since 2026-11-01 --until 2026-11-30 "
                     "--format xlsx -o november.xlsx")
    export.add_argument("campaign")
    export.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    add_filter(export)
