"""`engage results SLUG [--report FILE]`: what residents answered, step by step."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_OK, command, factory
from bot.commands.export import add_filter, filter_of


def cmd_results(args: argparse.Namespace) -> int:
    from bot.reports.report_html import report_path, write_report
    from bot.reports.results import campaign_results, render_text

    only = filter_of(args)
    report = report_path(args.report) if args.report else None
    sessions = factory()
    results = campaign_results(sessions, args.campaign, only)
    if report is not None:
        write_report(sessions, args.campaign, report,
                     f"engage results {args.campaign} --report {report.name}", only=only)
    print(render_text(results))
    if report is not None:
        print(f"Wrote the report to {report} (open it in a browser; it prints well).")
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = command(subparsers, "results", cmd_results,
                      "Show what residents answered, step by step (consented answers only).",
                      "engage results buses-2026 --report buses-results.html\n"
                      "  engage results buses-2026 --channel sms --since 2026-11-01")
    parser.add_argument("campaign", help="campaign id, e.g. buses-2026")
    parser.add_argument("--report", metavar="FILE",
                        help="also write a printable HTML report to this file")
    add_filter(parser)
