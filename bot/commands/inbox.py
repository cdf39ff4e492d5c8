"""`engage inbox replay`: process now every inbound message still waiting."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from typing import Any

from bot import config
from bot.commands._base import EXIT_OK, command, fail


def cmd_inbox_replay(args: argparse.Namespace) -> int:
    from bot.channels.inbox import replay_token

    secret = config.read_secret()
    if not secret:
        return fail("replaying needs the secret key (ENGAGE_SECRET_KEY).")
    request = urllib.request.Request(
        f"{args.url}/webhooks/inbox/replay", data=b"{}", method="POST",
        headers={"Authorization": f"Bearer {replay_token(secret)}",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            counts = json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return fail(f"the bot answered {error.code}: {error.read().decode(errors='replace')}")
    except (urllib.error.URLError, OSError) as error:
        return fail(f"cannot reach the bot at {args.url} ({error}). Is `make run` running?")
    print(", ".join(f"{key}: {value}" for key, value in counts.items()) or "Nothing to replay.")
    return EXIT_OK


def register(subparsers: Any) -> None:
    inbox = subparsers.add_parser("inbox", help="Inbound messages waiting to be processed.")
    isub = inbox.add_subparsers(dest="inbox_command", required=True)
    replay = command(isub, "replay", cmd_inbox_replay,
                     "Process now every inbound message still waiting (in order per resident).",
                     "engage inbox replay")
    replay.add_argument("--url", default=config.load().rasa_url)
