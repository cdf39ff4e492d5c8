"""`create_app`: the console as an ASGI application, from its settings and a database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from bot import simulator
from bot.clock import real_now
from bot.console import security
from bot.console.areas import AREAS, NAV
from bot.console.errors import ErrorPages
from bot.console.pages import Console, Page, endpoint
from bot.console.settings import ConsoleSettings
from bot.staff.roles import LABELS
from bot.store.db import transaction

STATIC = Path(__file__).resolve().parent / "static"
SWEEP_EVERY_SECONDS = 60.0  # idle "Try it" conversations are deleted this often
logger = logging.getLogger(__name__)


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
            HTTPException: errors.http_exception, Exception: errors.server_error},
            lifespan=self.lifespan)
        limited = security.BodyLimit(starlette, console.settings.max_body_bytes, errors.for_scope)
        self.asgi = security.SecurityHeaders(security.AccessLog(limited),
                                             secure=console.settings.secure_cookies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        """While the console runs: delete idle "Try it" conversations every minute (also
        those of staff who left without ending them or signing out)."""
        task = asyncio.create_task(self._sweep_forever())
        try:
            yield
        finally:
            task.cancel()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_SECONDS)
            try:
                await run_in_threadpool(self.sweep)
            except Exception:  # noqa: BLE001 - the database may be away; next minute
                logger.warning("Could not delete idle Try it conversations; will try again")

    def sweep(self) -> int:
        with transaction(self.console.db) as session:
            return simulator.sweep(session, self.console.clock(),
                                   self.console.settings.try_expiry)


def create_app(settings: ConsoleSettings, db: sessionmaker,
               clock: Callable[[], datetime] = real_now) -> ConsoleApp:
    """The console on this database. `clock` (naive UTC) is there for tests of expiry."""
    pages = [page for area in AREAS for page in area.area.pages]
    notices = {key: text for area in AREAS for key, text in area.area.notices.items()}
    console = Console(settings=settings, db=db, clock=clock, templates=templates(),
                      notices=notices, nav=NAV)
    return ConsoleApp(console, pages)
