"""Staff commands, one module each. Every module here has `register(subparsers)`; `bot.cli`
adds them all, so a new command is a new file, not an edit to a shared one. Shared helpers
(exit codes, `fail`, `command`, `factory`) are in `_base`; no command imports `bot.cli`."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

# The order `engage --help` lists them in: these first, `erase` last, the rest by name between.
FIRST = ("run", "db", "campaign", "chat", "export", "telegram", "inbox")
LAST = ("erase",)


def register_all(subparsers: Any) -> None:
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    middle = sorted(set(names) - set(FIRST) - set(LAST))
    for module in [*FIRST, *middle, *LAST]:
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
