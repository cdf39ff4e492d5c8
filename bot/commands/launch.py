"""`engage campaign launch SLUG --audience GROUP|FILE`: invite residents who agreed to be
contacted, once each, and watch the worker send the invitations."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot import config
from bot.commands._base import EXIT_ERROR, EXIT_OK, campaign_commands, command, factory, fail

HELP = (
    "Invite residents who agreed to be contacted to take part in a campaign.\n"
    "The audience is a contact group (from `engage contacts import`) or a CSV file of\n"
    "contacts already imported. Each contact is invited to a campaign once, whatever its\n"
    "version: running the launch again, or after publishing a change, invites nobody twice\n"
    "(--reinvite asks again those invited before; an invitation that failed before it was\n"
    "sent is tried again anyway). Left out, each counted with the reason: people who said\n"
    "STOP, those already invited or taking part, Telegram contacts who never wrote to the\n"
    "bot, and WhatsApp contacts when the campaign has no invitation template for their\n"
    "language. Start with --dry-run: it shows the counts per channel and language, the\n"
    "message, its SMS segments, an estimated cost, any channel that is not set up, and when\n"
    "sending would start (quiet hours), and changes nothing. A launch on a channel that is\n"
    "not set up is refused unless you add --queue-anyway.\n"
    "The worker sends the invitations (`make run` starts it), paced, and never in quiet hours."
)
EXAMPLES = (
    "engage campaign launch buses-2026 --audience library-nov --dry-run\n"
    "  engage campaign launch buses-2026 --audience library-nov --channel sms --rate 30/min\n"
    '  engage campaign launch buses-2026 --audience residents.csv --at "2026-12-01 10:00"\n'
    "  engage campaign launch buses-2026 --audience library-nov --reinvite --dry-run"
)


def cmd_campaign_launch(args: argparse.Namespace) -> int:
    from bot.errors import LaunchError, QueueUnreachable
    from bot.launch.describing import describe
    from bot.launch.planning import dry_run
    from bot.launch.running import done_words, launch, watch

    slug, sessions = args.slug.strip(), factory()
    secret = config.read_secret()
    try:
        if args.dry_run:
            seen = dry_run(sessions, slug, args.audience, channel=args.channel, at=args.at,
                           rate=args.rate, secret=secret, reinvite=args.reinvite)
            print(describe(seen.plan, seen.at, seen.rate))
            return EXIT_OK
        result = launch(sessions, slug, args.audience, channel=args.channel, at=args.at,
                        rate=args.rate, by=args.by, secret=secret, enqueue=None,
                        reinvite=args.reinvite, queue_anyway=args.queue_anyway)
    except LaunchError as error:
        message = str(error)
        return fail(message if "nothing" in message.lower()
                     else f"{message} Nothing was changed.")
    except QueueUnreachable as error:
        return fail(str(error))
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
    for line in _held_lines(result):
        print(line)
    follow = f"Follow with `engage campaign status {slug}`."
    if result.due_at is not None:
        print(f"{_later_words(result, args.at)} {follow}")
        return EXIT_OK
    sendable = result.sendable_ids()
    if args.no_wait or not sendable:
        print(_sending_words(result, bool(sendable)) + " " + follow)
        return EXIT_OK
    try:
        progress = watch(sessions, sendable, plan)
    except KeyboardInterrupt:
        print(f"\nStopped watching. The worker carries on sending; {follow[0].lower()}"
              f"{follow[1:]}", file=sys.stderr)
        return EXIT_OK
    print(done_words(progress, slug))
    return EXIT_OK if not progress.failed or progress.handed else EXIT_ERROR


def _held_lines(result: Any) -> list[str]:
    """Invitations queued on channels that are not set up (--queue-anyway)."""
    from bot.outbound.providers import not_set_up

    return [f"{not_set_up(channel, missing)}: its {number} invitation(s) wait until it is "
            f"(the bot must be started with those settings)."
            for channel, (number, missing) in result.unsendable.items()]


def _later_words(result: Any, at: str) -> str:
    """A launch with --at: when the worker starts, quiet hours included."""
    from bot.launch.describing import quiet_now
    from bot.launch.planning import AT_FORMAT
    from bot.quiet import local_time

    tz = result.plan.campaign.timezone
    held = quiet_now(result.plan.campaign, result.due_at)
    if held is None:
        return f"The worker sends them from {at} ({tz})."
    return (f"The worker sends them from {local_time(held, tz, AT_FORMAT)} ({tz}): {at} is in "
            "the campaign's quiet hours.")


def _sending_words(result: Any, any_sendable: bool) -> str:
    """What the worker does now, honestly: sending, or holding them for quiet hours."""
    from bot.launch.describing import quiet_words

    if not any_sendable:
        return "Nothing can be sent until then."
    held = quiet_words(result.plan.campaign)
    if held:
        return f"{held} The worker holds the invitations until then, and then sends them."
    return "The worker is sending them now."


def register(subparsers: Any) -> None:
    group = campaign_commands(subparsers)
    target = group if group is not None else subparsers
    parser = command(target, "launch", cmd_campaign_launch, HELP, EXAMPLES)
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
    parser.add_argument("--reinvite", action="store_true",
                        help="invite again those already invited to this campaign (any version)")
    parser.add_argument("--queue-anyway", action="store_true",
                        help="queue invitations on a channel that is not set up; they are sent "
                             "once it is")
    parser.add_argument("--by", metavar="NAME",
                        help="who is launching, for the audit log (default: ENGAGE_ACTOR, "
                             "else your user name)")
