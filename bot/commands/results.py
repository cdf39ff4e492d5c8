"""`engage results SLUG [--report FILE]`: what residents answered, step by step."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail


def cmd_results(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.errors import CannotWrite, StaffError
    from bot.reports.report_html import gather, render
    from bot.reports.results import collect, render_text
    from bot.store.db import transaction

    report = Path(args.report) if args.report else None
    if report is not None and (report.is_dir() or not report.parent.exists()):
        return fail(f"cannot write the report to {report}: choose a file in an existing folder.")
    try:
        with transaction(factory()) as session:
            results = collect(session, args.campaign)
            if report is not None:
                html = render(gather(session, args.campaign,
                                     f"engage results {args.campaign} --report {report.name}"))
                try:
                    report.write_text(html, encoding="utf-8")
                except OSError as error:
                    raise CannotWrite(f"cannot write the report to {report} ({error}).") \
                        from error
                audit.record(session, "export", args.campaign, {"format": "html", "to": str(report)})
    except StaffError as error:
        return fail(str(error))
    print(render_text(results))
    if report is not None:
        print(f"Wrote the report to {report} (open it in a browser; it prints well).")
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = command(subparsers, "results", cmd_results,
                      "Show what residents answered, step by step (consented answers only).",
                      "engage results buses-2026 --report buses-results.html")
    parser.add_argument("campaign", help="campaign id, e.g. buses-2026")
    parser.add_argument("--report", metavar="FILE",
                        help="also write a printable HTML report to this file")
