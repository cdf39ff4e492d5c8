"""The pattern every console page follows: route -> call a service function -> render a template.

An area of work (staff accounts, the audit log, later campaigns and results) is one module in
`bot/console/areas/` with an `Area` and its pages:

    area = Area("staff", notices={"role-changed": "The role was changed."})

    @area.page("/staff/{id:int}/role", roles={ADMIN}, methods=("POST",))
    def change_role(ctx: Context) -> Response:
        try:
            with ctx.transaction() as session:
                accounts.change_role(session, ctx.path_int("id"), ctx.field("role"), ctx.actor)
        except StaffError as error:  # the page again, with the service's own words
            return staff_list_page(ctx, error=str(error), status=400)
        return ctx.redirect("/staff", done="role-changed")

Every page declares who may use it: `roles=` (checked on the server before the handler runs)
or `public=True`. Every POST carries the CSRF token (`csrf_field(csrf_token)` in the form),
checked before the handler runs. Handlers are plain functions, run in a worker thread, so
they can call the (synchronous) service layer directly; they hold no business logic.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.console import security
from bot.console.settings import ConsoleSettings
from bot.staff import sessions as staff_sessions
from bot.staff.sessions import Current
from bot.store.db import transaction

Handler = Callable[["Context"], Response]
SIGN_IN, CHANGE_PASSWORD = "/sign-in", "/account/password"
MAX_FORM_FIELDS = 200
URLENCODED = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Page:
    path: str
    methods: tuple[str, ...]
    handler: Handler
    roles: frozenset[str] | None  # None: public
    fragment: bool  # polled in the background: no redirects, not counted as activity
    while_password_expired: bool  # usable before a one-time password has been replaced

    @property
    def name(self) -> str:
        return self.handler.__name__


@dataclass
class Area:
    """One area of work: its pages and the short notices its redirects may show."""

    name: str
    notices: dict[str, str] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)

    def page(self, path: str, *, roles: set[str] | frozenset[str] | None = None,
             public: bool = False, methods: tuple[str, ...] = ("GET",), fragment: bool = False,
             while_password_expired: bool = False) -> Callable[[Handler], Handler]:
        if public == bool(roles):
            raise TypeError(f"{path}: declare exactly one of roles=... or public=True")

        def add(handler: Handler) -> Handler:
            self.pages.append(Page(path, methods, handler, None if public else frozenset(roles),
                                   fragment, while_password_expired))
            return handler

        return add


@dataclass
class Console:
    """What every page shares: settings, the database, the clock and the templates."""

    settings: ConsoleSettings
    db: sessionmaker
    clock: Callable[[], datetime]
    templates: Environment
    notices: dict[str, str]
    nav: list[Any]  # areas.NavItem; the menu and the home page

    @property
    def session_cookie(self) -> str:
        return security.cookie_name("engage_console", self.settings.secure_cookies)

    @property
    def form_cookie(self) -> str:
        return security.cookie_name("engage_console_form", self.settings.secure_cookies)

    def page_html(self, template: str, **values: Any) -> str:
        return self.templates.get_template(template).render(**values)


@dataclass
class Context:
    """One request as a handler sees it."""

    request: Request
    console: Console
    staff: Current | None
    form: FormData
    now: datetime
    csrf_token: str
    set_cookies: list[tuple[str, str]] = field(default_factory=list)
    clear_session: bool = False

    @property
    def actor(self) -> str:
        """Who the audit log names for this request's changes: the member's email."""
        assert self.staff is not None, "actor is only known on pages that need a role"
        return self.staff.member.email

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with transaction(self.console.db) as session:
            yield session

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default)
        return value if isinstance(value, str) else default

    def upload(self, name: str, limit: int) -> bytes | None:
        """An uploaded file's bytes, reading at most `limit` + 1 (so "too large" can be
        told); None when no file was chosen."""
        value = self.form.get(name)
        if value is None or isinstance(value, str) or not getattr(value, "filename", ""):
            return None
        value.file.seek(0)
        return value.file.read(limit + 1)

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def path_int(self, name: str) -> int:
        return int(self.request.path_params[name])

    def render(self, template: str, *, title: str, status: int = 200,
               **values: Any) -> HTMLResponse:
        notice = self.console.notices.get(self.query("done"))
        html = self.console.page_html(
            template, title=title, staff=self.staff, csrf_token=self.csrf_token,
            nav=[item for item in self.console.nav if item.ready and self._may(item.roles)],
            path=self.request.url.path, notice=notice, **values)
        return HTMLResponse(html, status_code=status)

    def _may(self, roles: frozenset[str]) -> bool:
        return self.staff is not None and self.staff.member.role in roles

    def redirect(self, path: str, *, done: str | None = None) -> RedirectResponse:
        """303 to a page of ours (never elsewhere), with one of the area's notices."""
        target = security.local_path(path)
        if done:
            target += ("&" if "?" in target else "?") + urlencode({"done": done})
        return RedirectResponse(target, status_code=303)

    def sign_in_as(self, token: str) -> None:
        self.set_cookies.append((self.console.session_cookie, token))

    def sign_out(self) -> None:
        self.clear_session = True


def endpoint(page: Page, console: Console, errors: Any) -> Callable[[Request], Any]:
    """The Starlette endpoint for a page: who is signed in, may they, the form and its CSRF
    token, then the handler in a worker thread, then the cookies."""

    async def run(request: Request) -> Response:
        now = console.clock()
        token = request.cookies.get(console.session_cookie)
        staff = None
        if token:
            staff = await run_in_threadpool(_current, console, token, now, not page.fragment)
        refusal = _refusal(page, staff, request, errors, had_token=bool(token))
        if refusal is not None:
            return _finish(refusal, console, token, staff, None)
        form = FormData()
        if request.method == "POST":
            try:
                if request.headers.get("content-type", "").startswith(URLENCODED):
                    security.check_urlencoded(await request.body())
                form = await request.form(max_fields=MAX_FORM_FIELDS,
                                          max_part_size=console.settings.max_body_bytes)
            except security.BodyTooLarge:
                return errors.page(request, 413)
            except Exception:  # noqa: BLE001 - any unreadable body is the sender's problem
                return errors.page(request, 400)
        csrf = staff.csrf_token if staff else _form_token(request, console)
        if request.method == "POST" and not security.same_token(form.get("csrf_token"), csrf):
            return errors.page(request, 403, expired_form=True)
        ctx = Context(request, console, staff, form, now, csrf or secrets.token_urlsafe(32))
        response = await run_in_threadpool(page.handler, ctx)
        if staff is None and not csrf and response.media_type == "text/html":
            ctx.set_cookies.append((console.form_cookie, ctx.csrf_token))  # for its forms
        return _finish(response, console, token, staff, ctx)

    run.__name__ = page.name
    return run


def _current(console: Console, token: str, now: datetime, touch: bool) -> Current | None:
    with transaction(console.db) as session:
        return staff_sessions.current(session, token, now, console.settings.sessions, touch)


def _refusal(page: Page, staff: Current | None, request: Request, errors: Any,
             had_token: bool) -> Response | None:
    if page.roles is None:
        return None
    if staff is None:
        if page.fragment:
            return Response(status_code=401)
        query = {"next": request.url.path if request.method == "GET" else "/"}
        if had_token:
            query["ended"] = "1"
        return RedirectResponse(f"{SIGN_IN}?{urlencode(query)}", status_code=303)
    if staff.member.must_change_password and not page.while_password_expired:
        return RedirectResponse(CHANGE_PASSWORD, status_code=303)
    if staff.member.role not in page.roles:
        return errors.page(request, 403, role=staff.member.role_label)
    return None


def _form_token(request: Request, console: Console) -> str:
    """Before sign-in there is no session: forms carry the value of a cookie of their own
    (double submit), which another site can neither read nor set."""
    value = request.cookies.get(console.form_cookie, "")
    return value if security.looks_like_token(value) else ""


def _finish(response: Response, console: Console, token: str | None, staff: Current | None,
            ctx: Context | None) -> Response:
    """Cookies: a new session's, a fresh form token's, and a stale or ended session's removal."""
    secure = console.settings.secure_cookies
    if (token and staff is None) or (ctx is not None and ctx.clear_session):
        security.clear_cookie(response, console.session_cookie, secure)
    for name, value in ctx.set_cookies if ctx is not None else ():
        security.set_cookie(response, name, value, secure)
    return response
