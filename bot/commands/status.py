"""`engage campaign status SLUG`: the funnel, per channel and language, and where people stop."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_OK, campaign_commands, command, factory, fail


def cmd_status(args: argparse.Namespace) -> int:
    from bot.errors import StaffError
    from bot.reports.funnel import collect, render_text
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            funnel = collect(session, args.campaign)
    except StaffError as error:
        return fail(str(error))
    print(render_text(funnel))
    return EXIT_OK


def register(subparsers: Any) -> None:
    group = campaign_commands(subparsers)
    target, prefix = (group, "engage campaign status") if group is not None \
        else (subparsers, "engage status")
    parser = command(target, "status", cmd_status,
                      "Show how a campaign is going: invited, delivered, started, agreed, "
                      "finished, stopped, per channel and language, and where people stop.",
                      f"{prefix} buses-2026")
    parser.add_argument("campaign", help="campaign id, e.g. buses-2026")
