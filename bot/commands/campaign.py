"""`engage campaign check | publish | list`: campaign files and what is published.

The `campaign` group is made here; `close`, `launch`, `reach` and `status` add themselves
to it (bot.commands._base.campaign_commands)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands._base import EXIT_ERROR, EXIT_OK, command, factory, fail


def cmd_campaign_check(args: argparse.Namespace) -> int:
    from bot.campaigns.publishing import check_files

    errors = 0
    for checked in check_files(args.files):
        if not checked.exists:
            print(f"{checked.path}: error: no such file")
        for problem in checked.problems:
            print(problem)
        if checked.exists:
            print(f"{checked.path}: {checked.errors} error(s), {checked.warnings} warning(s)")
        errors += checked.errors
    return EXIT_ERROR if errors else EXIT_OK


def cmd_campaign_publish(args: argparse.Namespace) -> int:
    from bot.campaigns.publishing import publish_files
    from bot.errors import CampaignInvalid

    try:
        for result in publish_files(args.files, factory()):
            print(result)
    except CampaignInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        return fail("nothing was published; fix the errors above (see `engage campaign check`).")
    return EXIT_OK


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from bot.campaigns.publishing import live_campaigns

    live = live_campaigns(factory())
    if not live:
        print("No campaigns are published yet. Publish one with `engage campaign publish FILE`.")
    for campaign in live:
        print(f"{campaign.slug}  v{campaign.version}  keywords: {', '.join(campaign.keywords)}  "
              f"languages: {', '.join(campaign.languages)}")
    return EXIT_OK


def register(subparsers: Any) -> None:
    campaign = subparsers.add_parser("campaign", help="Check, publish and list campaigns.")
    csub = campaign.add_subparsers(dest="campaign_command", required=True)
    check = command(csub, "check", cmd_campaign_check,
                    "Report every problem in campaign files, with line numbers.",
                    "engage campaign check campaigns/buses-2026.yml")
    check.add_argument("files", nargs="+")
    publish = command(csub, "publish", cmd_campaign_publish,
                      "Publish campaign files (a changed campaign becomes a new version).",
                      "engage campaign publish campaigns/buses-2026.yml")
    publish.add_argument("files", nargs="+")
    command(csub, "list", cmd_campaign_list, "List the published campaigns.",
            "engage campaign list")
