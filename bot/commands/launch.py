"""`engage campaign launch SLUG --audience GROUP|FILE`: invite residents who agreed to be
contacted, once each, and watch the worker send the invitations."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot import config
from bot.cli import EXIT_ERROR, EXIT_OK, _command, _factory, _fail
from bot.commands import campaign_commands

HELP = (
    "Invite residents who agreed to be contacted to take part in a campaign.\n"
    "The audience is a contact group (from `engage contacts import`) or a CSV file of\n"
    "contacts already imported. Each contact is invited once per campaign version: running\n"
    "the launch again invites nobody twice. Left out, each counted with the reason: people\n"
    "who said STOP, those already invited or taking part, Telegram contacts who never wrote\n"
    "to the bot, and WhatsApp contacts when the campaign has no invitation template for\n"
    "their language. Start with --dry-run: it shows the counts per channel and language, the\n"
    "message, its SMS segments and an estimated cost, and changes nothing.\n"
    "The worker sends the invitations (`make run` starts it), paced, and never in quiet hours."
)
EXAMPLES = (
    "engage campaign launch buses-2026 --audience library-nov --dry-run\n"
    "  engage campaign launch buses-2026 --audience library-nov --channel sms --rate 30/min\n"
    '  engage campaign launch buses-2026 --audience residents.csv --at "2026-12-01 10:00"'
)


def cmd_campaign_launch(args: argparse.Namespace) -> int:
    from bot.launch import (
        LaunchError,
        QueueUnreachable,
        describe,
        launch,
        parse_at,
        parse_channel,
        parse_rate,
        plan_launch,
        unknown_rows,
        watch,
    )

    slug, factory = args.slug.strip(), _factory()
    secret = config.read_secret()
    try:
        if args.dry_run:
            channel, rate = parse_channel(args.channel), parse_rate(args.rate)
            session = factory()
            try:  # read only; rolled back whatever happens
                plan = plan_launch(session, slug, args.audience, channel, secret)
            finally:
                session.rollback()
                session.close()
            if plan.audience.unknown:
                raise LaunchError(unknown_rows(plan.audience))
            print(describe(plan, parse_at(args.at, plan.campaign.timezone), rate))
            return EXIT_OK
        result = launch(factory, slug, args.audience, channel=args.channel, at=args.at,
                        rate=args.rate, by=args.by, secret=secret, enqueue=None)
    except LaunchError as error:
        message = str(error)
        return _fail(message if "nothing" in message.lower()
                     else f"{message} Nothing was changed.")
    except QueueUnreachable as error:
        return _fail(str(error))
    plan = result.plan
    left_out = sum(plan.excluded.values())
    reasons = "".join(f"\n  {count:>6}  {reason}" for reason, count in plan.excluded.most_common())
    if not result.invitation_ids:
        print(f"Nobody to invite in {plan.audience.label}: nothing was queued."
              + (f"\nLeft out: {left_out}{reasons}" if left_out else ""))
        return EXIT_OK
    print(f"Launched {slug} version {plan.version} to {plan.audience.label}: "
          f"{result.created} new invitation(s)"
          + (f", {len(result.invitation_ids) - result.created} already waiting"
             if len(result.invitation_ids) > result.created else "")
          + f"; {left_out} left out.{reasons}")
    if result.due_at is not None:
        print(f"The worker sends them from {args.at} ({plan.campaign.timezone}). "
              f"Follow with `engage campaign status {slug}`.")
        return EXIT_OK
    if args.no_wait:
        print(f"The worker is sending them. Follow with `engage campaign status {slug}`.")
        return EXIT_OK
    try:
        progress = watch(factory, result.invitation_ids, plan)
    except KeyboardInterrupt:
        print(f"\nStopped watching. The worker carries on sending; follow with "
              f"`engage campaign status {slug}`.", file=sys.stderr)
        return EXIT_OK
    print(f"Done: {progress.sent} invitation(s) sent, {progress.failed} failed"
          + (f" (the reasons: `engage campaign status {slug}`)." if progress.failed else "."))
    return EXIT_OK if not progress.failed or progress.sent else EXIT_ERROR


def register(subparsers: Any) -> None:
    group = campaign_commands(subparsers)
    target = group if group is not None else subparsers
    parser = _command(target, "launch", cmd_campaign_launch, HELP, EXAMPLES)
    parser.add_argument("slug", help="the campaign id, e.g. buses-2026 (see `engage campaign list`)")
    parser.add_argument("--audience", required=True, metavar="GROUP|FILE",
                        help="a contact group name, or a CSV file of imported contacts")
    parser.add_argument("--channel", metavar="sms|whatsapp|telegram",
                        help="invite only the contacts on this channel")
    parser.add_argument("--at", metavar='"YYYY-MM-DD HH:MM"',
                        help="start then, in the campaign's time zone (default: now)")
    parser.add_argument("--rate", metavar="1/s|30/min|100/h",
                        help="send at most this many invitations (default: each channel's rate)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show who would be invited, the message and the cost; change nothing")
    parser.add_argument("--no-wait", action="store_true",
                        help="do not show the progress bar; the worker sends them anyway")
    parser.add_argument("--by", metavar="NAME",
                        help="who is launching, for the audit log (default: ENGAGE_ACTOR, "
                             "else your user name)")
