"""Staff commands, one module each. Every module here has `register(subparsers)`; `bot.cli`
adds them all, so a new command is a new file, not an edit to a shared one."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def register_all(subparsers: Any) -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
