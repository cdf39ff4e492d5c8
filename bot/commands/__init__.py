"""Staff commands, one module each. Every module here has `register(subparsers)`; `bot.cli`
adds them all, so a new command is a new file, not an edit to a shared one."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from typing import Any


def register_all(subparsers: Any) -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}").register(subparsers)


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
