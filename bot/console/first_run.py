"""What `engage run` needs to start the console beside Rasa, the action server and the worker,
and to make the first administrator on first start.

The one-time password is printed by the process that calls `ensure_first_admin` (the
terminal that ran `make run`), never by the console process, whose output may go to a log.
"""

from __future__ import annotations

import sys
from typing import TextIO

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot import settings
from bot.console.settings import DEFAULT_HOST, console_port
from bot.staff import accounts
from bot.store.db import transaction

DEFAULT_ADMIN_EMAIL = "admin@localhost"


def console_command(port: int, python: str = sys.executable) -> list[str]:
    """The console's process (the stack gives it the secret key in its environment)."""
    return [python, "-m", "bot.cli", "console", "--port", str(port)]


def console_url(port: int | None = None) -> str:
    return f"http://{DEFAULT_HOST}:{port if port is not None else console_port()}"


def health_url(port: int) -> str:
    return f"{console_url(port)}/health"


def one_time_password_text(result: accounts.NewPassword, address: str) -> str:
    member = result.member
    return (f"One-time password for {member.email} ({member.role_label}):\n\n"
            f"    {result.one_time_password}\n\n"
            f"Give it to them in person or by phone; it is shown only this once. They sign in "
            f"at\n{address} and then choose their own password.")


def ensure_first_admin(db: sessionmaker, port: int | None = None, out: TextIO = sys.stdout,
                       email: str | None = None) -> bool:
    """With no staff account at all, add an administrator (ENGAGE_ADMIN_EMAIL, else
    admin@localhost) and print how to sign in. True when one was made."""
    address = email or settings.value("ENGAGE_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
    try:
        with transaction(db) as session:
            if accounts.count(session):
                return False
            result = accounts.add(session, address, "admin", "engage run",
                                  display_name="Administrator")
    except IntegrityError:  # another `engage run` made it at the same moment
        return False
    print(f"\nNo staff account existed, so one was made for the console: {result.member.email}."
          f"\n{one_time_password_text(result, console_url(port))}\n", file=out, flush=True)
    return True
