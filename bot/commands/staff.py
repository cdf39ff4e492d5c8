"""`engage staff add | list | reset-password`: console accounts from the terminal.

One-time passwords are printed to this terminal only (never logged): give them to the member
in person or by phone. They choose their own password at first sign-in.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_OK, command, factory, fail

ROLE_HELP = "admin (staff accounts), officer (campaigns, launches, exports, erasure) or viewer " \
            "(results and reports only)"


def print_one_time_password(result: Any) -> None:
    from bot.console.first_run import console_url, one_time_password_text

    try:
        address = console_url()
    except ValueError:  # ENGAGE_CONSOLE_PORT is wrong; `engage console` will say so
        address = "the console's address"
    print(one_time_password_text(result, address))


def cmd_staff_add(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.staff import StaffError, accounts
    from bot.store.db import transaction

    role = "admin" if args.admin else args.role
    if not role:
        return fail("give the member's role with --role admin|officer|viewer (or --admin).")
    try:
        with transaction(factory()) as session:
            result = accounts.add(session, args.email, role, audit.actor(),
                                  display_name=args.name)
    except StaffError as error:
        return fail(f"{error} Nothing was changed.")
    print(f"Added {result.member.email} as {result.member.role_label.lower()}.")
    print_one_time_password(result)
    return EXIT_OK


def cmd_staff_list(args: argparse.Namespace) -> int:
    from bot.staff import accounts
    from bot.store.db import transaction

    with transaction(factory()) as session:
        members = accounts.list_members(session)
    if not members:
        print("No staff accounts yet. Add the first with `engage staff add EMAIL --admin`.")
        return EXIT_OK
    rows = [(m.email, m.display_name, m.role_label, m.status, m.created_at.strftime("%Y-%m-%d"))
            for m in members]
    print(_table([("email", "name", "role", "status", "added"), *rows]))
    return EXIT_OK


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rows = [rows[0], tuple("-" * width for width in widths), *rows[1:]]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


def cmd_staff_reset_password(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.staff import StaffError, accounts
    from bot.store.db import transaction

    try:
        with transaction(factory()) as session:
            result = accounts.reset_password(session, audit.actor(), email=args.email)
    except StaffError as error:
        return fail(f"{error} Nothing was changed.")
    print(f"The old password of {result.member.email} no longer works, and they are signed "
          "out of the console.")
    print_one_time_password(result)
    return EXIT_OK


def register(subparsers: Any) -> None:
    staff = subparsers.add_parser("staff", help="Staff accounts for the console.")
    sub = staff.add_subparsers(dest="staff_command", required=True)
    add = command(sub, "add", cmd_staff_add,
                   "Add a staff account and print its one-time password (shown once).",
                   "engage staff add sam@council.gov.uk --role officer --name 'Sam Jones'\n"
                   "  engage staff add --admin alex@council.gov.uk")
    add.add_argument("email", help="their work email address; they sign in with it")
    add.add_argument("--role", choices=["admin", "officer", "viewer"], help=ROLE_HELP)
    add.add_argument("--admin", action="store_true", help="short for --role admin")
    add.add_argument("--name", help="how the console greets them (default: from the email)")
    command(sub, "list", cmd_staff_list, "List the staff accounts, their roles and status.",
             "engage staff list")
    reset = command(sub, "reset-password", cmd_staff_reset_password,
                     "Give a member a new one-time password (the old one stops working, and "
                     "they are signed out).", "engage staff reset-password sam@council.gov.uk")
    reset.add_argument("email")
