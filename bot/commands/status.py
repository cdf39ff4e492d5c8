"""`engage campaign status SLUG`: the funnel, per channel and language, and where people stop."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_OK, campaign_commands, command, factory


def cmd_status(args: argparse.Namespace) -> int:
    from bot.reports.funnel import campaign_status, render_text

    print(render_text(campaign_status(factory(), args.campaign)))
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
