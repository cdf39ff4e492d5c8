"""`engage export SLUG`: a campaign's answers (pseudonyms only) as JSONL, CSV or an Excel
workbook, to a file or the screen (bot.reports.exporting)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands._base import EXIT_OK, command, factory


def cmd_export(args: argparse.Namespace) -> int:
    from bot.reports.export import written
    from bot.reports.exporting import export_answers

    done = export_answers(factory(), args.campaign, args.format, args.output)
    if done.path is None:
        sys.stdout.write(done.text or "")
    else:
        print(written(done.rows, args.output), file=sys.stderr)
    return EXIT_OK


def register(subparsers: Any) -> None:
    export = command(subparsers, "export", cmd_export,
                     "Export a campaign's answers (pseudonyms only).",
                     "engage export buses-2026 --format csv -o buses.csv")
    export.add_argument("campaign")
    export.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
