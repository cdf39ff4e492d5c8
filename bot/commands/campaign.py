"""`engage campaign check | publish | list`: campaign files and what is published.

The `campaign` group is made here; `close`, `launch`, `reach` and `status` add themselves
to it (bot.commands._base.campaign_commands)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.commands._base import EXIT_ERROR, EXIT_OK, command, factory, fail


def cmd_campaign_check(args: argparse.Namespace) -> int:
    from bot.campaigns.check import check_with_published as check_campaign

    errors = 0
    for path in args.files:
        if not Path(path).exists():
            errors += 1
            print(f"{path}: error: no such file")
            continue
        problems = check_campaign(path)
        for problem in problems:
            print(problem)
        found = sum(p.level == "error" for p in problems)
        errors += found
        warnings = len(problems) - found
        print(f"{path}: {found} error(s), {warnings} warning(s)")
    return EXIT_ERROR if errors else EXIT_OK


def cmd_campaign_publish(args: argparse.Namespace) -> int:
    from bot.campaigns.loader import CampaignInvalid
    from bot.campaigns.publishing import publish_files

    missing = [path for path in args.files if not Path(path).exists()]
    if missing:
        return fail(f"no such file: {', '.join(missing)}")
    try:
        for line in publish_files(args.files):
            print(line)
    except CampaignInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        return fail("nothing was published; fix the errors above (see `engage campaign check`).")
    return EXIT_OK


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from bot.campaigns.model import Campaign
    from bot.store.db import transaction
    from bot.store.repository import CampaignRepository

    with transaction(factory()) as session:
        rows = CampaignRepository(session).live_versions()
        if not rows:
            print("No campaigns are published yet. Publish one with `engage campaign publish FILE`.")
        for row in rows:
            campaign = Campaign.from_dict(row.definition)
            print(f"{row.slug}  v{row.version}  keywords: {', '.join(campaign.keywords)}  "
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
