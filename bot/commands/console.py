"""`engage console`: serve the staff console (`engage run` starts one for you)."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from typing import Any

from bot import settings
from bot.commands._base import EXIT_OK, command, factory, fail

HELP = ("Serve the staff console: sign-in, staff accounts, the audit log and campaigns\n"
        "(upload, check, preview, try, publish, close), with more pages to come. It listens\n"
        "on 127.0.0.1 only unless you say otherwise; put it behind an https proxy to reach it\n"
        "from elsewhere, and set ENGAGE_PUBLIC_URL=https://... so its cookies are Secure.\n"
        "Settings: ENGAGE_DATABASE_URL, ENGAGE_CONSOLE_PORT (5080),\n"
        "ENGAGE_CONSOLE_HOST (127.0.0.1), ENGAGE_CONSOLE_IDLE_MINUTES (30),\n"
        "ENGAGE_CONSOLE_SESSION_HOURS (12), ENGAGE_CONSOLE_MAX_UPLOAD_BYTES (10.1 MB),\n"
        "ENGAGE_CONSOLE_POLL_SECONDS (15: how often progress pages refresh),\n"
        "ENGAGE_RASA_URL (the bot \"Try it\" talks to), ENGAGE_CONSOLE_TRY_MINUTES (30).\n"
        "No staff account yet? `engage staff add EMAIL --admin` makes the first.")
EXAMPLE = "engage console --port 5080"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _staff_count(url: str) -> int | str:
    """How many staff accounts exist, or why the database cannot say."""
    import sqlalchemy as sa

    from bot.staff import accounts
    from bot.store.db import transaction

    try:
        with transaction(factory(url)) as session:
            return accounts.count(session)
    except sa.exc.OperationalError:
        return "cannot reach the database, or it has no staff tables yet."
    except sa.exc.ProgrammingError:
        return "the database has no staff tables yet."


def cmd_console(args: argparse.Namespace) -> int:
    from bot import config
    from bot.console.settings import ConsoleSettings, console_port

    try:
        console_settings = ConsoleSettings.from_env()
        port = args.port if args.port is not None else console_port()
    except ValueError as error:
        return fail(str(error))
    if not 1 <= port <= 65535:
        return fail("--port must be a port number from 1 to 65535.")
    host = args.host or settings.value("ENGAGE_CONSOLE_HOST") or "127.0.0.1"
    url = config.database_url()
    staff = _staff_count(url)
    if isinstance(staff, str):
        return fail(f"{staff} Run `engage db upgrade` (or `make run`) first.")
    if not _port_free(host, port):
        return fail(f"{host}:{port} is already in use. Stop what uses it, or choose another "
                     "port with --port or ENGAGE_CONSOLE_PORT.")

    import uvicorn

    from bot.console import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(console_settings, factory(url))
    print(f"Staff console: http://{host}:{port}", flush=True)
    if staff == 0:
        print("No staff account yet: add the first with `engage staff add EMAIL --admin`.",
              file=sys.stderr, flush=True)
    # uvicorn's own access log prints query strings; ours (bot.console.access) does not.
    # No websockets: the console needs none, and Rasa pins a websockets too old for uvicorn's.
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False,
                log_level="warning", proxy_headers=True, ws="none")
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = command(subparsers, "console", cmd_console, HELP, EXAMPLE)
    parser.add_argument("--port", type=int, default=None,
                        help="where to listen (default: ENGAGE_CONSOLE_PORT, else 5080)")
    parser.add_argument("--host", default=None,
                        help="the address to listen on (default: ENGAGE_CONSOLE_HOST, else "
                             "127.0.0.1, this machine only)")
