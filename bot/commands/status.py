"""`engage campaign status SLUG`: the funnel, per channel and language, and where people stop."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import campaign_commands


def cmd_status(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_OK, _factory, _fail
    from bot.funnel import UnknownCampaign, collect, render_text
    from bot.store.db import transaction

    try:
        with transaction(_factory()) as session:
            funnel = collect(session, args.campaign)
    except UnknownCampaign as error:
        return _fail(str(error))
    print(render_text(funnel))
    return EXIT_OK


def register(subparsers: Any) -> None:
    from bot.cli import _command

    group = campaign_commands(subparsers)
    target, prefix = (group, "engage campaign status") if group is not None \
        else (subparsers, "engage status")
    parser = _command(target, "status", cmd_status,
                      "Show how a campaign is going: invited, delivered, started, agreed, "
                      "finished, stopped, per channel and language, and where people stop.",
                      f"{prefix} buses-2026")
    parser.add_argument("campaign", help="campaign id, e.g. buses-2026")
