"""The `engage` command: run the bot, manage campaigns, talk to it, export and erase.

Every command explains itself with --help and an example, and answers mistakes with a plain
message and exit status 1, changing nothing.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from bot import config

if TYPE_CHECKING:
    from bot.stack import Stack

EXIT_OK, EXIT_ERROR = 0, 1


def _factory(url: str | None = None):
    from bot.store.db import session_factory

    return session_factory(url or config.database_url())


def _fail(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return EXIT_ERROR


# --- db -------------------------------------------------------------------------------------

def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.store.migrate import upgrade

    upgrade(config.database_url())
    print("Database is up to date.")
    return EXIT_OK


# --- campaigns ------------------------------------------------------------------------------

def cmd_campaign_check(args: argparse.Namespace) -> int:
    from bot.campaigns.check import check_with_published as check_campaign
    from bot.campaigns.check import language_summary

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
        if not found:
            print("\n".join(language_summary(path)))
        errors += found
        warnings = len(problems) - found
        print(f"{path}: {found} error(s), {warnings} warning(s)")
    return EXIT_ERROR if errors else EXIT_OK


def publish_files(paths: list[str], url: str | None = None) -> list[str]:
    """Check and publish campaign files; raise CampaignInvalid before storing anything."""
    from bot.campaigns.loader import load_campaign
    from bot.store.db import transaction
    from bot.store.repository import CampaignRepository

    campaigns = [load_campaign(Path(path)) for path in paths]
    lines = []
    with transaction(_factory(url)) as session:
        repo = CampaignRepository(session)
        for campaign in campaigns:
            result = repo.publish(campaign)
            lines.append(f"{result.slug}: version {result.version} {result.action}")
    return lines


def cmd_campaign_publish(args: argparse.Namespace) -> int:
    from bot.campaigns.loader import CampaignInvalid

    missing = [path for path in args.files if not Path(path).exists()]
    if missing:
        return _fail(f"no such file: {', '.join(missing)}")
    try:
        for line in publish_files(args.files):
            print(line)
    except CampaignInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        return _fail("nothing was published; fix the errors above (see `engage campaign check`).")
    return EXIT_OK


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from bot.campaigns.model import Campaign
    from bot.store.db import transaction
    from bot.store.repository import CampaignRepository

    with transaction(_factory()) as session:
        rows = CampaignRepository(session).live_versions()
        if not rows:
            print("No campaigns are published yet. Publish one with `engage campaign publish FILE`.")
        for row in rows:
            campaign = Campaign.from_dict(row.definition)
            print(f"{row.slug}  v{row.version}  keywords: {', '.join(campaign.keywords)}  "
                  f"languages: {', '.join(campaign.languages)}")
    return EXIT_OK


# --- run ------------------------------------------------------------------------------------

def env_port(name: str, default: int) -> int:
    """A port number from the environment, or ValueError saying what is wrong with it."""
    text = (os.environ.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{name} must be a port number from 1 to 65535 (it is '{text}').")
    return int(text)


def cmd_run(args: argparse.Namespace) -> int:
    import io

    from bot.console.first_run import ensure_first_admin
    from bot.stack import Stack, StackConfig, StackError, StopRequested
    from bot.store.migrate import upgrade

    model = Path(args.model)
    if not model.exists():
        return _fail(f"no trained model at {model}. `make run` trains one first.")
    try:
        args.rasa_port = args.rasa_port or env_port("ENGAGE_RASA_PORT", 5005)
        args.action_port = args.action_port or env_port("ENGAGE_ACTION_PORT", 5055)
        args.console_port = args.console_port or env_port("ENGAGE_CONSOLE_PORT", 5080)
    except ValueError as error:
        return _fail(str(error))
    secret, created = config.ensure_local_secret()
    if created:
        print(f"WARNING: ENGAGE_SECRET_KEY is not set. Created a local key in {config.key_file()}.\n"
              "         Fine for trying the bot; in production set ENGAGE_SECRET_KEY and keep it safe:\n"
              "         losing it unlinks every pseudonym from its contact.", file=sys.stderr)
    url = config.database_url()
    upgrade(url)
    publish_examples(url)
    first_admin = io.StringIO()  # shown with the welcome, in this terminal only, never a log
    ensure_first_admin(_factory(url), port=args.console_port, out=first_admin)
    stack = Stack(StackConfig(model=model, database_url=url, secret_key=secret,
                              rasa_port=args.rasa_port, action_port=args.action_port,
                              worker=True, console=True, console_port=args.console_port))
    print("Starting the action server, the Rasa server, the worker and the staff console "
          "(about 20 seconds)...", flush=True)
    with stack.stopped_by_signals():  # no child may outlive this process
        try:
            run_until_stopped(stack, url, first_admin.getvalue())
        except StackError as error:
            return _fail(str(error))
        except (KeyboardInterrupt, StopRequested):
            print("\nStopping...", flush=True)
            return EXIT_OK
        finally:
            stack.stop()


def publish_examples(url: str) -> None:
    """Publish the example campaigns, each on its own: one that cannot be published (its
    keyword now belongs to another live campaign, say) is reported, and the bot still starts."""
    from bot.campaigns.loader import CampaignInvalid

    for path in sorted(str(p) for p in (config.ROOT / "campaigns").glob("*.yml")):
        try:
            for line in publish_files([path], url):
                print(f"Published {line}")
        except CampaignInvalid as invalid:
            print(f"WARNING: the example campaign {path} was not published:", file=sys.stderr)
            for problem in invalid.problems:
                print(f"  {problem}", file=sys.stderr)


def run_until_stopped(stack: Stack, url: str, first_admin: str = "") -> None:
    """Start the stack, say where it is, and keep every child running until a signal."""
    from bot.console.first_run import console_url

    stack.start()
    print(textwrap.dedent(f"""
        The bot is running.
          Talk to it in this terminal's neighbour:  .venv/bin/engage chat --campaign buses-2026
          Or over HTTP:  curl -s -XPOST {stack.config.rasa_url}/webhooks/rest/webhook \\
                           -d '{{"sender": "me", "message": "BUSES"}}'
          Database: {url}
          Worker (invitations, reminders, the daily purge): see docs/launching.md
          Staff console: {console_url(stack.config.console_port)}  (see docs/console.md)
        Press Ctrl-C to stop everything.
    """), flush=True)
    if first_admin:
        print(first_admin, end="", flush=True)
    while True:
        for note in stack.keep_running():
            print(note, file=sys.stderr, flush=True)
        time.sleep(0.5)


# --- chat -----------------------------------------------------------------------------------

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

    with transaction(_factory()) as session:
        row = CampaignRepository(session).latest(args.campaign)
        if row is None:
            return _fail(f"no campaign called '{args.campaign}'. See `engage campaign list`.")
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
                    return _fail(f"the bot at {args.url} wants the REST channel's token: set "
                                 "ENGAGE_REST_TOKEN to the value it was started with.")
                return _fail(f"the bot at {args.url} answered {error.code}: "
                             f"{error.read().decode(errors='replace')}")
            except (urllib.error.URLError, OSError) as error:
                return _fail(f"cannot reach the bot at {args.url} ({error}). Is `make run` running?")
            for reply in replies:
                print(textwrap.indent(reply, "bot> ", lambda _: True), end="\n\n")
            message = input("you> ")
    except (EOFError, KeyboardInterrupt):
        print()
        return EXIT_OK


# --- export and erase -----------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.export import UnknownCampaign, count_rows, to_csv, to_jsonl, written
    from bot.store.db import transaction

    if args.format == "xlsx":
        from bot.commands.export_xlsx import cmd_export_xlsx

        return cmd_export_xlsx(args)
    try:
        with transaction(_factory()) as session:
            text = (to_jsonl if args.format == "jsonl" else to_csv)(session, args.campaign)
            audit.record(session, "export", args.campaign,
                         {"format": args.format, "to": args.output or "stdout"})
    except UnknownCampaign as error:
        return _fail(str(error))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(written(count_rows(text, args.format), args.output), file=sys.stderr)
    return EXIT_OK


def _erase_names(args: argparse.Namespace) -> list[str] | str:
    """The pseudonyms to erase, or the message saying why there are none (nothing erased)."""
    from bot.privacy import pseudonym

    if args.participant:
        return [args.participant]
    secret = config.read_secret()
    how = "by Telegram username" if args.telegram_username else "by address"
    if not secret:
        return f"erasing {how} needs the secret key (ENGAGE_SECRET_KEY)."
    if args.telegram_username is not None:
        from bot.privacy import normalise_username
        from bot.store.db import transaction
        from bot.store.vault import ContactVault

        username = normalise_username(args.telegram_username)
        if not username:
            return "give the Telegram username, like @sam_smith. Nothing was erased."
        with transaction(_factory()) as session:
            names = ContactVault(session, secret).with_handle(username)
        if not names:
            return (f"no Telegram contact with the username @{username} is held (they may never "
                    "have written to the bot, may have changed their username since, or may "
                    "already be erased). Try --address with their chat id. Nothing was erased.")
        return names
    from bot.contacts_import import CHANNELS, default_region, normalise_phone

    channel = CHANNELS.get(args.channel, args.channel)  # "sms" is the twilio_sms channel
    address = args.address.strip()
    if channel in ("twilio_sms", "twilio_whatsapp"):  # any way a number is written
        address, reason = normalise_phone(address.removeprefix("whatsapp:"), default_region())
        if address is None:
            return f"'{args.address}' is {reason}. Nothing was erased."
    return [pseudonym(secret, channel, address)]


def cmd_erase(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.store.db import transaction
    from bot.store.erase import erase_pseudonym

    names = _erase_names(args)
    if isinstance(names, str):
        return _fail(names)
    by = ("telegram_username" if args.telegram_username else
          "address" if args.address else "participant")
    for name in names:
        with transaction(_factory()) as session:
            held = erase_pseudonym(session, name, requested_by="staff")
            audit.record(session, "erase", None, {"found": held, "by": by})
        print(f"Erased everything held about {name}." if held
              else f"Nothing was held about {name}.")
    return EXIT_OK


# --- channels -------------------------------------------------------------------------------

def cmd_telegram_set_webhook(args: argparse.Namespace) -> int:
    import asyncio

    from bot.outbound.clients import telegram_bot

    public, secret = os.environ.get("ENGAGE_PUBLIC_URL"), os.environ.get("TELEGRAM_WEBHOOK_SECRET")
    if not public or not os.environ.get("TELEGRAM_BOT_TOKEN") or not secret:
        return _fail("set ENGAGE_PUBLIC_URL, TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first "
                     "(see docs/channels.md).")
    url = public.rstrip("/") + "/webhooks/telegram/webhook"

    async def register() -> tuple[bool, object]:
        bot = telegram_bot()
        async with bot:
            done = await bot.set_webhook(url=url, secret_token=secret,
                                         allowed_updates=["message", "edited_message"])
            # The menu Telegram shows beside the text box; both also work typed.
            await bot.set_my_commands([("help", "What this is and how to answer"),
                                       ("stop", "Stop all messages")])
            return done, await bot.get_webhook_info()

    try:
        done, info = asyncio.run(register())
    except Exception as error:  # the provider's own words help staff most
        return _fail(f"Telegram refused: {error}")
    print(f"Webhook {'registered' if done else 'NOT registered'}: {url}")
    print(f"Telegram reports: url={info.url!r}, pending updates={info.pending_update_count}")
    return EXIT_OK if done else EXIT_ERROR


def cmd_inbox_replay(args: argparse.Namespace) -> int:
    from bot.inbox import replay_token

    secret = config.read_secret()
    if not secret:
        return _fail("replaying needs the secret key (ENGAGE_SECRET_KEY).")
    request = urllib.request.Request(
        f"{args.url}/webhooks/inbox/replay", data=b"{}", method="POST",
        headers={"Authorization": f"Bearer {replay_token(secret)}",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            counts = json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return _fail(f"the bot answered {error.code}: {error.read().decode(errors='replace')}")
    except (urllib.error.URLError, OSError) as error:
        return _fail(f"cannot reach the bot at {args.url} ({error}). Is `make run` running?")
    print(", ".join(f"{key}: {value}" for key, value in counts.items()) or "Nothing to replay.")
    return EXIT_OK


# --- parser ---------------------------------------------------------------------------------

def _command(sub, name: str, func, help_text: str, example: str):
    parser = sub.add_parser(name, help=help_text, description=help_text,
                            epilog=f"example:\n  {example}",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engage", description="Run the engagement bot and manage its campaigns.",
        epilog="example:\n  engage campaign check campaigns/buses-2026.yml",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    run = _command(sub, "run", cmd_run,
                   "Start the Rasa server, the action server, the worker (invitations,\n"
                   "reminders, the daily purge; its queue is var/queue.db unless\n"
                   "ENGAGE_QUEUE_URL=redis://... is set) and the staff console.", "engage run")
    run.add_argument("--model", default=str(config.ROOT / "models" / "engage.tar.gz"))
    # Ports default to their variables, read when `run` runs: a bad value in one must not
    # stop every other command from parsing its arguments.
    run.add_argument("--rasa-port", type=int, help="default: ENGAGE_RASA_PORT, else 5005")
    run.add_argument("--action-port", type=int, help="default: ENGAGE_ACTION_PORT, else 5055")
    run.add_argument("--console-port", type=int,
                     help="default: ENGAGE_CONSOLE_PORT, else 5080")

    db = sub.add_parser("db", help="Database schema.").add_subparsers(dest="db", required=True)
    _command(db, "upgrade", cmd_db_upgrade, "Bring the database to the newest schema.",
             "engage db upgrade")

    campaign = sub.add_parser("campaign", help="Check, publish and list campaigns.")
    csub = campaign.add_subparsers(dest="campaign_command", required=True)
    check = _command(csub, "check", cmd_campaign_check,
                     "Report every problem in campaign files, with line numbers.",
                     "engage campaign check campaigns/buses-2026.yml")
    check.add_argument("files", nargs="+")
    publish = _command(csub, "publish", cmd_campaign_publish,
                       "Publish campaign files (a changed campaign becomes a new version).",
                       "engage campaign publish campaigns/buses-2026.yml")
    publish.add_argument("files", nargs="+")
    _command(csub, "list", cmd_campaign_list, "List the published campaigns.",
             "engage campaign list")

    chat = _command(sub, "chat", cmd_chat,
                    "Talk to the running bot in this terminal, as a resident would by SMS.",
                    "engage chat --campaign buses-2026 --as alice")
    chat.add_argument("--campaign", required=True, help="campaign id, e.g. buses-2026")
    chat.add_argument("--as", dest="as_name", help="who you are (a new name is a new resident)")
    chat.add_argument("--url", default=config.rasa_url(),
                      help="the Rasa server (default: ENGAGE_RASA_URL, or this machine on "
                           "ENGAGE_RASA_PORT, 5005)")

    export = _command(sub, "export", cmd_export,
                      "Export a campaign's answers (pseudonyms only).",
                      "engage export buses-2026 --format csv -o buses.csv")
    export.add_argument("campaign")
    export.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")

    telegram = sub.add_parser("telegram", help="Telegram set-up.")
    tsub = telegram.add_subparsers(dest="telegram_command", required=True)
    _command(tsub, "set-webhook", cmd_telegram_set_webhook,
             "Tell Telegram where to send messages (ENGAGE_PUBLIC_URL), with the secret.",
             "engage telegram set-webhook")

    inbox = sub.add_parser("inbox", help="Inbound messages waiting to be processed.")
    isub = inbox.add_subparsers(dest="inbox_command", required=True)
    replay = _command(isub, "replay", cmd_inbox_replay,
                      "Process now every inbound message still waiting (in order per resident).",
                      "engage inbox replay")
    replay.add_argument("--url", default=config.load().rasa_url)

    from bot.commands import register_all

    register_all(sub)

    erase = _command(sub, "erase", cmd_erase,
                     "Erase everything held about one resident, in every store.",
                     "engage erase --address +447700900123 --channel sms\n"
                     "  engage erase --telegram-username @sam_smith\n"
                     "  engage erase --participant p_0123456789abcdef0123456789abcdef")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--participant", help="the pseudonym shown in exports (p_...)")
    who.add_argument("--address", help="phone number or chat id (needs --channel)")
    who.add_argument("--telegram-username",
                     help="the resident's Telegram @username (as it was when they last wrote)")
    erase.add_argument("--channel", default="sms", choices=["sms", "whatsapp", "telegram", "rest"],
                       help="where the resident wrote from (default: sms)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except config.MissingSecret as error:
        return _fail(str(error))


if __name__ == "__main__":
    sys.exit(main())
