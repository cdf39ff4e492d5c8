"""`engage db upgrade`: bring the database to the newest schema."""

from __future__ import annotations

import argparse
from typing import Any

from bot import config
from bot.commands._base import EXIT_OK, command


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.store.migrate import upgrade

    upgrade(config.database_url())
    print("Database is up to date.")
    return EXIT_OK


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="Database schema.").add_subparsers(dest="db",
                                                                           required=True)
    command(db, "upgrade", cmd_db_upgrade, "Bring the database to the newest schema.",
            "engage db upgrade")
