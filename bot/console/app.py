"""`create_app`: the console as an ASGI application, from its settings and a database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from bot.clock import real_now
from bot.console import security
from bot.console.areas import AREAS, NAV
from bot.console.errors import ErrorPages
from bot.console.pages import Console, Page, endpoint
from bot.console.settings import ConsoleSettings
from bot.staff.roles import LABELS

STATIC = Path(__file__).resolve().parent / "static"


def templates() -> Environment:
    env = Environment(loader=PackageLoader("bot.console", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["ROLE_LABELS"] = LABELS
    return env


class ConsoleApp:
    """The ASGI app, wrapped in the protections every response gets; `pages` lists every
    route with the roles it allows (the route tests walk it)."""

    def __init__(self, console: Console, pages: list[Page]) -> None:
        self.console = console
        self.pages = pages
        errors = ErrorPages(console)
        routes = [Route(page.path, endpoint(page, console, errors), methods=list(page.methods),
                        name=f"{page.name}")
                  for page in pages]
        routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
        starlette = Starlette(routes=routes, exception_handlers={
            HTTPException: errors.http_exception, Exception: errors.server_error})
        limited = security.BodyLimit(starlette, console.settings.max_body_bytes, errors.for_scope)
        self.asgi = security.SecurityHeaders(security.AccessLog(limited),
                                             secure=console.settings.secure_cookies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)


def create_app(settings: ConsoleSettings, db: sessionmaker,
               clock: Callable[[], datetime] = real_now) -> ConsoleApp:
    """The console on this database. `clock` (naive UTC) is there for tests of expiry."""
    pages = [page for area in AREAS for page in area.area.pages]
    notices = {key: text for area in AREAS for key, text in area.area.notices.items()}
    console = Console(settings=settings, db=db, clock=clock, templates=templates(),
                      notices=notices, nav=NAV)
    return ConsoleApp(console, pages)
