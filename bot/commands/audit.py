"""`engage audit`: who did what, when (imports, launches, closes, exports, erasures, purges)."""

from __future__ import annotations

import argparse
import json

from bot.commands._base import EXIT_OK, command, factory

COLUMNS = ("time (UTC)", "who", "action", "subject", "details")
WIDEST_DETAILS = 70


def _details(details: object) -> str:
    if not details:
        return ""
    if isinstance(details, dict):
        text = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}"
                         if not isinstance(value, str) else f"{key}={value}"
                         for key, value in details.items())
    else:
        text = json.dumps(details, ensure_ascii=False)
    return text if len(text) <= WIDEST_DETAILS else text[:WIDEST_DETAILS - 3] + "..."


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [COLUMNS, tuple("-" * w for w in widths), *rows]]
    return "\n".join(lines)


def cmd_audit(args: argparse.Namespace) -> int:
    from bot import audit

    since, limit = audit.read_since(args.since), audit.read_limit(args.limit)
    rows = [(e.at.strftime("%Y-%m-%d %H:%M"), e.actor, e.action, e.subject, _details(e.details))
            for e in audit.entries(factory(), action=args.action, since=since, limit=limit)]
    if not rows:
        print("No audit entries match.")
        return EXIT_OK
    print(table(rows))
    print(f"\n{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}, newest first"
          + (f" (at most {limit}; use --limit for more)." if len(rows) == limit else "."))
    return EXIT_OK


def register(subparsers) -> None:
    parser = command(subparsers, "audit", cmd_audit,
                      "Show the audit log: who imported, launched, closed, exported or erased, "
                      "and when.",
                      "engage audit --action import --since 2026-11-01 --limit 20")
    parser.add_argument("--action", help="only this action, e.g. import, close, export, erase")
    parser.add_argument("--since", help="only entries on or after this date "
                                                     "(YYYY-MM-DD)")
    parser.add_argument("--limit", default="50", help="at most this many (default 50)")

