"""Keep the terminal readable: libraries' deprecation warnings are hidden, the project's shown.

Rasa 3.6's dependencies print about twenty deprecation warnings at start-up (SQLAlchemy's
MovedIn20Warning, pkg_resources, pyparsing, distutils...). Filters cannot hide them for good:
Sanic sets every DeprecationWarning to "once" when it is imported and Rasa every UserWarning
(pyparsing's deprecations are both) when it starts, each in front of any filter set before.
So the choice is made where a warning is printed, whatever the filters said: a deprecation
warning is dropped unless it is attributed to a file of ours (`bot/`, `actions/`), as a
library's deprecation that our code triggers is. Every other warning still shows.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OURS = tuple(str(ROOT / folder) + "/" for folder in ("bot", "actions"))
DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning)


def is_ours(filename: str) -> bool:
    return str(Path(filename).resolve()).startswith(OURS)


def silence() -> None:
    """Install the choice in this process (once; later calls do nothing)."""
    shown = warnings.showwarning
    if getattr(shown, "engage_silenced", False):
        return

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if issubclass(category, DEPRECATIONS) and not is_ours(filename):
            return
        shown(message, category, filename, lineno, file, line)

    show.engage_silenced = True  # type: ignore[attr-defined]
    warnings.showwarning = show
