"""`engage run`: the whole bot on this machine (Rasa, the action server, the worker and the
staff console), with the example campaigns published."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import config, settings
from bot.commands._base import EXIT_OK, command, factory, fail

if TYPE_CHECKING:
    from bot.fleet import Fleet
    from bot.stack import Stack

def env_port(name: str, default: int) -> int:
    """A port number from the environment, or ValueError saying what is wrong with it."""
    text = (settings.value(name) or "").strip()
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
        return fail(f"no trained model at {model}. `make run` trains one first.")
    try:
        args.rasa_port = args.rasa_port or env_port("ENGAGE_RASA_PORT", 5005)
        args.action_port = args.action_port or env_port("ENGAGE_ACTION_PORT", 5055)
        args.console_port = args.console_port or env_port("ENGAGE_CONSOLE_PORT", 5080)
    except ValueError as error:
        return fail(str(error))
    url = config.database_url()
    if args.replicas < 1:
        return fail("--replicas must be 1 or more.")
    if args.replicas > 1:
        from bot.fleet import scale_out_problems

        problems = scale_out_problems(url)
        if problems:
            return fail(f"{args.replicas} replicas need shared services first:\n  "
                        + "\n  ".join(problems) + "\nSee docs/deploy.md, \"Several replicas "
                        "on one machine\". Without --replicas, one of each runs on SQLite.")
    secret, created = config.ensure_local_secret()
    if created:
        print(f"WARNING: ENGAGE_SECRET_KEY is not set. Created a local key in {config.key_file()}.\n"
              "         Fine for trying the bot; in production set ENGAGE_SECRET_KEY and keep it safe:\n"
              "         losing it unlinks every pseudonym from its contact.", file=sys.stderr)
    upgrade(url)
    from bot.privacy.rotation import wrong_key

    problem = wrong_key(factory(url), secret)
    if problem:
        return fail(problem)
    publish_examples(url)
    first_admin = io.StringIO()  # shown with the welcome, in this terminal only, never a log
    ensure_first_admin(factory(url), port=args.console_port, out=first_admin)
    stack: Stack | Fleet
    if args.replicas > 1:
        from bot.fleet import Fleet, FleetConfig

        stack = Fleet(FleetConfig(model=model, database_url=url, secret_key=secret,
                                  replicas=args.replicas, balancer_port=args.rasa_port,
                                  worker=True, console=True, console_port=args.console_port,
                                  haproxy_file=config.VAR_DIR / "haproxy.cfg"))
        print(f"Starting {args.replicas} replicas (a Rasa server, its action server and a "
              "worker each), HAProxy in front of them and the staff console "
              "(about a minute)...", flush=True)
    else:
        stack = Stack(StackConfig(model=model, database_url=url, secret_key=secret,
                                  rasa_port=args.rasa_port, action_port=args.action_port,
                                  worker=True, console=True, console_port=args.console_port))
        print("Starting the action server, the Rasa server, the worker and the staff console "
              "(about 20 seconds)...", flush=True)
    with stack.stopped_by_signals():  # no child may outlive this process
        try:
            run_until_stopped(stack, url, first_admin.getvalue())
        except StackError as error:
            return fail(str(error))
        except (KeyboardInterrupt, StopRequested):
            print("\nStopping...", flush=True)
            return EXIT_OK
        finally:
            stack.stop()


def publish_examples(url: str) -> None:
    """Publish the example campaigns, each on its own: one that cannot be published (its
    keyword now belongs to another live campaign, say) is reported, and the bot still starts."""
    from bot.campaigns.loader import CampaignInvalid
    from bot.campaigns.publishing import publish_files

    for path in sorted(str(p) for p in (config.ROOT / "campaigns").glob("*.yml")):
        try:
            for line in publish_files([path], url):
                print(f"Published {line}")
        except CampaignInvalid as invalid:
            print(f"WARNING: the example campaign {path} was not published:", file=sys.stderr)
            for problem in invalid.problems:
                print(f"  {problem}", file=sys.stderr)


def run_until_stopped(stack: Stack | Fleet, url: str, first_admin: str = "") -> None:
    """Start the stack, say where it is, and keep every child running until a signal."""
    from bot.console.first_run import console_url
    from bot.fleet import Fleet

    stack.start()
    front = stack.front if isinstance(stack, Fleet) else stack
    address = stack.url if isinstance(stack, Fleet) else stack.config.rasa_url
    if isinstance(stack, Fleet):
        print(f"\nThe load balancer (HAProxy) is at {address}: point the providers' webhooks "
              f"there.\n  It routes each resident to one of {len(stack.replicas)} Rasa "
              "servers: " + ", ".join(s.config.rasa_url for s in stack.replicas)
              + f"\n  Its configuration: {front.config.haproxy_config}", flush=True)
    print(textwrap.dedent(f"""
        The bot is running.
          Talk to it in this terminal's neighbour:  .venv/bin/engage chat --campaign buses-2026
          Or over HTTP:  curl -s -XPOST {address}/webhooks/rest/webhook \\
                           -d '{{"sender": "me", "message": "BUSES"}}'
          Database: {url}
          Worker (invitations, reminders, the daily purge): see docs/launching.md
          Staff console: {console_url(front.config.console_port)}  (see docs/console.md)
        Press Ctrl-C to stop everything.
    """), flush=True)
    if first_admin:
        print(first_admin, end="", flush=True)
    while True:
        for note in stack.keep_running():
            print(note, file=sys.stderr, flush=True)
        time.sleep(0.5)


def register(subparsers: Any) -> None:
    run = command(subparsers, "run", cmd_run,
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
    run.add_argument("--replicas", type=int, default=1, metavar="N",
                     help="N Rasa servers, N action servers and N workers behind HAProxy\n"
                          "(on --rasa-port), with one console. N > 1 needs PostgreSQL\n"
                          "(ENGAGE_DATABASE_URL) and Redis (ENGAGE_LOCK_STORE_URL,\n"
                          "ENGAGE_QUEUE_URL); see docs/deploy.md")
