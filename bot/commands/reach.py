"""`engage campaign reach SLUG`: who a campaign is hearing from, against its target population."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands._base import EXIT_OK, campaign_commands, command, factory


def cmd_reach(args: argparse.Namespace) -> int:
    from bot.reports.reach import campaign_reach, render_csv, render_text

    reach = campaign_reach(factory(), args.campaign)
    text = render_csv(reach) if args.format == "csv" else render_text(reach)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def register(subparsers: Any) -> None:
    group = campaign_commands(subparsers)
    target, prefix = (group, "engage campaign reach") if group is not None \
        else (subparsers, "engage reach")
    parser = command(target, "reach", cmd_reach,
                      "Compare who took part with the population the campaign wants to hear "
                      "from (its \"about you\" steps and population: block), and show the "
                      "groups we are hearing less from.",
                      f"{prefix} buses-2026\n  {prefix} buses-2026 --format csv > reach.csv")
    parser.add_argument("campaign", help="campaign id, e.g. buses-2026")
    parser.add_argument("--format", choices=["text", "csv"], default="text",
                        help="text to read (default) or csv for a spreadsheet")
