"""The staff console: server-rendered pages for engagement staff (`engage console`).

`create_app(settings, sessions)` builds it; nothing here reads the environment except
`ConsoleSettings.from_env`, so tests build apps with their own settings, database and clock.
Pages live in `areas/`, one module per area of work; see `pages.py` for the pattern.
"""

from __future__ import annotations

from bot.console.app import create_app
from bot.console.settings import ConsoleSettings

__all__ = ["ConsoleSettings", "create_app"]
