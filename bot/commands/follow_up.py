"""`engage follow-up SLUG --message-file F`: send "you said, we did" to the residents who
asked, at the end of the campaign, to hear what happened: once each, in their language,
through the worker (paced, outside quiet hours, never to anyone who stopped or was erased).
The console's "Sharing results" pages do the same."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail

HELP = (
    "Send the residents who asked to hear what happened (the campaign's last question, with\n"
    "follow_up: true) a short message saying what their answers changed. The message file\n"
    "holds one line per language, like\n"
    "  en: You said buses. From March there are more on Sundays.\n"
    "  cy: Dywedoch chi fysiau. O fis Mawrth bydd mwy ar y Sul.\n"
    "Each resident gets it once, in the language they chose; nobody who said STOP, withdrew\n"
    "or was erased gets it. WhatsApp needs an approved template per language (--whatsapp).\n"
    "Start with --dry-run: it shows who would get it, who not and why, each message with its\n"
    "SMS segments, and when sending would start (quiet hours). The worker sends them."
)


def _templates(pairs: list[str] | None) -> dict[str, str]:
    found = {}
    for pair in pairs or []:
        code, sep, sid = pair.partition("=")
        if not sep:
            raise ValueError(f"--whatsapp '{pair}' should look like en=HX0123456789abcdef.")
        found[code.strip().lower()] = sid.strip()
    return found


def cmd_follow_up(args: argparse.Namespace) -> int:
    from bot.deliberation import follow_up
    from bot.deliberation.texts import TextsError, read_texts
    from bot.errors import LaunchError, QueueUnreachable
    from bot.launch.planning import parse_channel, parse_rate

    try:
        messages = read_texts(args.message_file)
        templates = _templates(args.whatsapp)
        if args.dry_run:
            session = factory()()
            try:  # read only; rolled back whatever happens
                plan = follow_up.plan(session, args.campaign, messages, templates,
                                      parse_channel(args.channel))
            finally:
                session.rollback()
                session.close()
            print(follow_up.describe(plan, parse_rate(args.rate)))
            return EXIT_OK
        result = follow_up.send(factory(), args.campaign, messages, templates,
                                rate=args.rate, channel=args.channel)
    except (follow_up.FollowUpError, TextsError, LaunchError, ValueError) as error:
        return fail(f"{error} Nothing was sent.")
    except QueueUnreachable as error:
        return fail(str(error))
    left_out = "".join(f"\n  {n:>6}  {reason}" for reason, n in result.plan.excluded.most_common())
    print(f"Queued \"you said, we did\" for {len(result.send_ids)} resident(s); the worker "
          f"sends them (`make run` starts it). Not sent to: "
          f"{sum(result.plan.excluded.values())}{left_out}")
    print(f"Follow it with `engage campaign status {args.campaign}` (\"Told what happened\").")
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = command(subparsers, "follow-up", cmd_follow_up, HELP,
                      "engage follow-up buses-2026 --message-file said-did.yml --dry-run\n"
                      "  engage follow-up buses-2026 --message-file said-did.yml "
                      "--whatsapp en=HX0123456789abcdef --rate 30/min")
    parser.add_argument("campaign", help="campaign id, e.g. buses-2026")
    parser.add_argument("--message-file", required=True, metavar="FILE",
                        help="a YAML file with the message in each language (at most 320 "
                             "characters each)")
    parser.add_argument("--whatsapp", action="append", metavar="LANG=HX...",
                        help="the approved WhatsApp Content template for a language (its one "
                             "variable carries the message); repeat for more")
    parser.add_argument("--rate", help="at most this fast, like 30/min (default: each "
                                       "channel's own rate)")
    parser.add_argument("--channel", help="only residents on this channel: sms, whatsapp or "
                                          "telegram")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be sent, and send nothing")
