"""`engage export SLUG --format xlsx -o FILE`: the export as an Excel workbook.

The `export` command itself lives in `bot.cli` (its `--format` offers xlsx and hands over to
`cmd_export_xlsx` here), so `register` adds no command of its own."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_export_xlsx(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.cli import EXIT_OK, _factory, _fail
    from bot.export import UnknownCampaign, written
    from bot.export_xlsx import to_xlsx
    from bot.store.db import transaction

    if args.output in (None, "-"):
        return _fail("an Excel file cannot go to the screen: name a file with -o, "
                     f"e.g. -o {args.campaign}.xlsx")
    output = Path(args.output)
    if output.is_dir() or not output.parent.exists():
        return _fail(f"cannot write {output}: choose a file in an existing folder.")
    try:
        with transaction(_factory()) as session:
            data, count = to_xlsx(session, args.campaign)
            try:
                output.write_bytes(data)
            except OSError as error:
                raise UnknownCampaign(f"cannot write {output} ({error}).") from error
            audit.record(session, "export", args.campaign, {"format": "xlsx", "to": str(output)})
    except UnknownCampaign as error:
        return _fail(str(error))
    print(written(count, str(output)), file=sys.stderr)
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Nothing to add: `engage export --format xlsx` reaches `cmd_export_xlsx`."""
