"""The `engage` command: run the bot, manage campaigns, talk to it, export and erase.

This is only the entry point: every command lives in bot/commands/ (one module each, with
`register`), and calls the service layer. Every command explains itself with --help and an
example, and answers mistakes with a plain message and exit status 1, changing nothing.
"""

from __future__ import annotations

import argparse
import sys

from bot import config
from bot.commands import register_all
from bot.commands._base import fail
from bot.errors import StaffError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engage", description="Run the engagement bot and manage its campaigns.",
        epilog="example:\n  engage campaign check campaigns/buses-2026.yml",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    register_all(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (StaffError, config.MissingSecret) as error:  # a refusal, worded for staff
        return fail(str(error))


if __name__ == "__main__":
    sys.exit(main())
