"""`engage export SLUG`: a campaign's answers (pseudonyms only) as JSONL, CSV or an Excel
workbook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail


def cmd_export(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.errors import StaffError
    from bot.reports.export import count_rows, to_csv, to_jsonl, written
    from bot.store.db import transaction

    if args.format == "xlsx":
        return cmd_export_xlsx(args)
    try:
        with transaction(factory()) as session:
            text = (to_jsonl if args.format == "jsonl" else to_csv)(session, args.campaign)
            audit.record(session, "export", args.campaign,
                         {"format": args.format, "to": args.output or "stdout"})
    except StaffError as error:
        return fail(str(error))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(written(count_rows(text, args.format), args.output), file=sys.stderr)
    return EXIT_OK


def cmd_export_xlsx(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.errors import CannotWrite, StaffError
    from bot.reports.export import written
    from bot.reports.export_xlsx import to_xlsx
    from bot.store.db import transaction

    if args.output in (None, "-"):
        return fail("an Excel file cannot go to the screen: name a file with -o, "
                     f"e.g. -o {args.campaign}.xlsx")
    output = Path(args.output)
    if output.is_dir() or not output.parent.exists():
        return fail(f"cannot write {output}: choose a file in an existing folder.")
    try:
        with transaction(factory()) as session:
            data, count = to_xlsx(session, args.campaign)
            try:
                output.write_bytes(data)
            except OSError as error:
                raise CannotWrite(f"cannot write {output} ({error}).") from error
            audit.record(session, "export", args.campaign, {"format": "xlsx", "to": str(output)})
    except StaffError as error:
        return fail(str(error))
    print(written(count, str(output)), file=sys.stderr)
    return EXIT_OK


def register(subparsers: Any) -> None:
    export = command(subparsers, "export", cmd_export,
                     "Export a campaign's answers (pseudonyms only).",
                     "engage export buses-2026 --format csv -o buses.csv")
    export.add_argument("campaign")
    export.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
