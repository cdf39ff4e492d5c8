"""What every command shares: exit codes, the one way errors are printed, the way a command
is declared (help with an example), and the database factory the commands use."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.orm import sessionmaker

EXIT_OK, EXIT_ERROR = 0, 1


def factory(url: str | None = None) -> sessionmaker:
    """The process's session factory on the configured database (or `url`), from bootstrap."""
    from bot import bootstrap

    return bootstrap.sessions(url)


def fail(message: str) -> int:
    """Print `Error: message` for staff and return the error exit status."""
    print(f"Error: {message}", file=sys.stderr)
    return EXIT_ERROR


def command(sub: Any, name: str, func, help_text: str, example: str) -> argparse.ArgumentParser:
    """Declare a command: its help is also its description, and its epilog shows an example."""
    parser = sub.add_parser(name, help=help_text, description=help_text,
                            epilog=f"example:\n  {example}",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=func)
    return parser


def campaign_commands(subparsers: Any) -> Any | None:
    """The `campaign` group's own sub-commands (where `campaign launch`, `close`, `reach`
    and `status` go), if that group exists."""
    parser = getattr(subparsers, "choices", {}).get("campaign")
    if parser is None or parser._subparsers is None:
        return None
    for action in parser._subparsers._group_actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None
