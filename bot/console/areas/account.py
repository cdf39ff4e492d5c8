"""Signing in and out, and choosing a new password (forced after a one-time password)."""

from __future__ import annotations

from starlette.responses import Response

from bot import simulator
from bot.console import security
from bot.console.pages import CHANGE_PASSWORD, Area, Context
from bot.staff import StaffError, accounts
from bot.staff import sessions as staff_sessions
from bot.staff.roles import EVERYONE

area = Area("account", notices={"signed-out": "You have signed out."})
ENDED = "You were signed out, so nobody else can use the console on this device. Sign in again."


def _sign_in_page(ctx: Context, error: str | None = None, email: str = "",
                  status: int = 200) -> Response:
    return ctx.render("account/sign_in.html", title="Sign in", error=error, email=email,
                      next=security.local_path(ctx.field("next") or ctx.query("next")),
                      ended=ENDED if ctx.query("ended") and not error else None, status=status)


@area.page("/sign-in", public=True)
def sign_in_form(ctx: Context) -> Response:
    if ctx.staff is not None:
        return ctx.redirect("/")
    return _sign_in_page(ctx)


@area.page("/sign-in", public=True, methods=("POST",))
def sign_in(ctx: Context) -> Response:
    client = ctx.request.client.host if ctx.request.client else "unknown"
    email = ctx.field("email")
    with ctx.transaction() as session:
        outcome = staff_sessions.sign_in(session, email, ctx.field("password"), client,
                                         ctx.now, ctx.console.settings.sessions)
    if isinstance(outcome, staff_sessions.Refused):
        return _sign_in_page(ctx, outcome.message, email[:accounts.MAX_EMAIL],
                             status=429 if outcome.throttled else 400)
    ctx.sign_in_as(outcome.token)
    if outcome.current.member.must_change_password:
        return ctx.redirect(CHANGE_PASSWORD)
    return ctx.redirect(security.local_path(ctx.field("next")))


@area.page("/sign-out", roles=EVERYONE, methods=("POST",), while_password_expired=True)
def sign_out(ctx: Context) -> Response:
    with ctx.transaction() as session:
        simulator.delete_for_session(session, ctx.staff.csrf_token)  # their "Try it" tests
        staff_sessions.sign_out(session, ctx.request.cookies.get(ctx.console.session_cookie))
    ctx.sign_out()
    return ctx.redirect("/sign-in", done="signed-out")


def _password_page(ctx: Context, error: str | None = None, status: int = 200) -> Response:
    forced = ctx.staff.member.must_change_password
    return ctx.render("account/password.html", title="Choose a new password", error=error,
                      forced=forced, status=status)


@area.page(CHANGE_PASSWORD, roles=EVERYONE, while_password_expired=True)
def password_form(ctx: Context) -> Response:
    return _password_page(ctx)


@area.page(CHANGE_PASSWORD, roles=EVERYONE, methods=("POST",), while_password_expired=True)
def change_password(ctx: Context) -> Response:
    try:
        with ctx.transaction() as session:
            accounts.change_password(session, ctx.staff.member.id, ctx.field("current"),
                                     ctx.field("new"), ctx.field("repeat"), now=ctx.now,
                                     keep_session=ctx.staff.session_id)
    except StaffError as error:
        return _password_page(ctx, str(error), status=400)
    return ctx.redirect("/", done="password-changed")
