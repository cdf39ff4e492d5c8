"""The sms_plain figure: the share of the example campaigns' messages that fit one SMS, per
Latin-script language, as written and with the option on (issue 12's target: at least 90%).

    .venv/bin/python -m bench.sms_plain            # every campaigns/*.yml
    .venv/bin/python -m bench.sms_plain campaigns/buses-2026.yml

Counts what the sender sends (bot.campaigns.sms, the same as `engage campaign check`); exit
status 1 when a Latin-script language stays under the target with the option on.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bot.campaigns.loader import load_campaign
from bot.campaigns.sms import LanguageCost, language_costs
from bot.config import ROOT
from bot.language import LANGUAGES

TARGET = 0.9


def plain_costs(path: Path) -> list[LanguageCost]:
    """The campaign's Latin-script languages with sms_plain on for every one of them."""
    campaign = load_campaign(path)
    latin = tuple(code for code in campaign.languages if LANGUAGES[code].script == "Latin")
    return [cost for cost in language_costs(dataclasses.replace(campaign, sms_plain=latin))
            if cost.plain_possible]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("campaigns", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.campaigns or sorted((ROOT / "campaigns").glob("*.yml"))
    totals: dict[str, list[int]] = {}
    for path in paths:
        print(path.name)
        for cost in plain_costs(path):
            name = LANGUAGES[cost.code].english_name
            print(f"  {name} ({cost.code}): {cost.messages} messages; one SMS as written "
                  f"{cost.share_in_one_sms:.0%}, with sms_plain {cost.plain_share_in_one_sms:.0%}")
            seen = totals.setdefault(cost.code, [0, 0, 0])
            seen[0] += cost.messages
            seen[1] += cost.one_sms
            seen[2] += cost.plain_one_sms
    print("All example campaigns:")
    missed = []
    for code, (messages, one, plain) in totals.items():
        share = plain / messages if messages else 1.0
        print(f"  {LANGUAGES[code].english_name} ({code}): {messages} messages; one SMS as "
              f"written {one / messages:.0%}, with sms_plain {share:.0%}")
        if share < TARGET:
            missed.append(code)
    print(f"Target {TARGET:.0%} with sms_plain: " +
          ("met in every Latin-script language" if not missed else f"missed in {missed}"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
