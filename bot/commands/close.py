"""`engage campaign close SLUG`: stop a campaign taking new residents.

Residents part-way through may finish; anyone who texts the keyword afterwards is told kindly
that it has closed and what happens with the results.
"""

from __future__ import annotations

import argparse

from bot.commands._base import EXIT_OK, campaign_commands, command, factory


def cmd_campaign_close(args: argparse.Namespace) -> int:
    from bot.campaigns.closing import close_campaign

    closed = close_campaign(factory(), args.slug)
    if closed.already:
        print(f"{closed.slug} was already closed.")
    else:
        print(f"Closed {closed.slug} ({closed.versions} version(s)). Residents part-way through "
              "may finish; anyone who texts its keyword now is told it has closed.")
    return EXIT_OK


def register(subparsers) -> None:
    campaign = campaign_commands(subparsers)
    where, example = (campaign, "engage campaign close buses-2026") if campaign is not None \
        else (subparsers, "engage close buses-2026")
    parser = command(where, "close", cmd_campaign_close,
                      "Close a campaign: no new residents; those part-way through may finish.",
                      example)
    parser.add_argument("slug", help="the campaign id, e.g. buses-2026 (see `engage campaign list`)")
