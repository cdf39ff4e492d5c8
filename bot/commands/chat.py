"""`engage chat`: talk to the running bot in this terminal, as a resident would by SMS."""

from __future__ import annotations

import argparse
import getpass
import json
import textwrap
import urllib.error
import urllib.request
from typing import Any

from bot import config
from bot.commands._base import EXIT_OK, command, factory, fail


def send(url: str, sender: str, message: str, timeout: float = 30,
         token: str | None = None) -> list[str]:
    """One message through the REST channel, with its token when the server wants one."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return [m.get("text", "") for m in json.loads(reply.read())]


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.campaigns.model import Campaign
    from bot.store.db import transaction
    from bot.store.repository import CampaignRepository

    with transaction(factory()) as session:
        row = CampaignRepository(session).latest(args.campaign)
        if row is None:
            return fail(f"no campaign called '{args.campaign}'. See `engage campaign list`.")
        keyword = Campaign.from_dict(row.definition).keywords[0]
    sender = f"chat:{args.as_name or getpass.getuser()}"
    print(f"You are texting as '{sender}'. Type your replies; Ctrl-D or Ctrl-C to leave.\n")
    message = keyword
    print(f"you> {message}")
    try:
        while True:
            try:
                replies = send(args.url, sender, message, token=config.rest_token())
            except urllib.error.HTTPError as error:
                if error.code == 403:
                    return fail(f"the bot at {args.url} wants the REST channel's token: set "
                                 "ENGAGE_REST_TOKEN to the value it was started with.")
                return fail(f"the bot at {args.url} answered {error.code}: "
                             f"{error.read().decode(errors='replace')}")
            except (urllib.error.URLError, OSError) as error:
                return fail(f"cannot reach the bot at {args.url} ({error}). Is `make run` running?")
            for reply in replies:
                print(textwrap.indent(reply, "bot> ", lambda _: True), end="\n\n")
            message = input("you> ")
    except (EOFError, KeyboardInterrupt):
        print()
        return EXIT_OK


def register(subparsers: Any) -> None:
    chat = command(subparsers, "chat", cmd_chat,
                   "Talk to the running bot in this terminal, as a resident would by SMS.",
                   "engage chat --campaign buses-2026 --as alice")
    chat.add_argument("--campaign", required=True, help="campaign id, e.g. buses-2026")
    chat.add_argument("--as", dest="as_name", help="who you are (a new name is a new resident)")
    chat.add_argument("--url", default=config.rasa_url(),
                      help="the Rasa server (default: ENGAGE_RASA_URL, or this machine on "
                           "ENGAGE_RASA_PORT, 5005)")
