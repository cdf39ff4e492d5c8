"""Staff accounts (administrators only): list, add, change role, disable and enable, reset a
password. One-time passwords are shown once, in the page that made them, never in an address."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.pages import Area, Context
from bot.staff import StaffError, accounts
from bot.staff.roles import ADMIN, DESCRIPTIONS, LABELS, ROLES

area = Area("staff", notices={
    "role-changed": "The role was changed. It applies from their next click.",
    "disabled": "The account is disabled, and signed out everywhere.",
    "enabled": "The account can sign in again.",
})
ADMINS = {ADMIN}
ROLE_CHOICES = [(role, LABELS[role], DESCRIPTIONS[role]) for role in ROLES]


def _list_page(ctx: Context, error: str | None = None, status: int = 200) -> Response:
    with ctx.transaction() as session:
        members = accounts.list_members(session)
    return ctx.render("staff/list.html", title="Staff accounts", members=members,
                      roles=ROLE_CHOICES, error=error, status=status)


def _form_page(ctx: Context, error: str | None = None, status: int = 200) -> Response:
    return ctx.render("staff/new.html", title="Add a staff account", roles=ROLE_CHOICES,
                      error=error, values={name: ctx.field(name)[:200]
                                           for name in ("email", "name", "role")},
                      status=status)


def _password_shown(ctx: Context, result: accounts.NewPassword, added: bool) -> Response:
    return ctx.render("staff/one_time_password.html",
                      title="Account added" if added else "Password reset",
                      member=result.member, password=result.one_time_password, added=added)


@area.page("/staff", roles=ADMINS)
def staff_list(ctx: Context) -> Response:
    return _list_page(ctx)


@area.page("/staff/new", roles=ADMINS)
def staff_new_form(ctx: Context) -> Response:
    return _form_page(ctx)


@area.page("/staff/new", roles=ADMINS, methods=("POST",))
def staff_add(ctx: Context) -> Response:
    try:
        with ctx.transaction() as session:
            result = accounts.add(session, ctx.field("email"), ctx.field("role"), ctx.actor,
                                  display_name=ctx.field("name"))
    except StaffError as error:
        return _form_page(ctx, str(error), status=400)
    return _password_shown(ctx, result, added=True)


def _change(ctx: Context, change, done: str) -> Response:
    try:
        with ctx.transaction() as session:
            change(session)
    except StaffError as error:
        return _list_page(ctx, str(error), status=400)
    return ctx.redirect("/staff", done=done)


@area.page("/staff/{id:int}/role", roles=ADMINS, methods=("POST",))
def staff_change_role(ctx: Context) -> Response:
    return _change(ctx, lambda session: accounts.change_role(
        session, ctx.path_int("id"), ctx.field("role"), ctx.actor), "role-changed")


@area.page("/staff/{id:int}/disable", roles=ADMINS, methods=("POST",))
def staff_disable(ctx: Context) -> Response:
    return _change(ctx, lambda session: accounts.disable(
        session, ctx.path_int("id"), ctx.actor, now=ctx.now), "disabled")


@area.page("/staff/{id:int}/enable", roles=ADMINS, methods=("POST",))
def staff_enable(ctx: Context) -> Response:
    return _change(ctx, lambda session: accounts.enable(
        session, ctx.path_int("id"), ctx.actor), "enabled")


@area.page("/staff/{id:int}/reset-password", roles=ADMINS, methods=("POST",))
def staff_reset_password(ctx: Context) -> Response:
    try:
        with ctx.transaction() as session:
            result = accounts.reset_password(session, ctx.actor, account_id=ctx.path_int("id"))
    except StaffError as error:
        return _list_page(ctx, str(error), status=400)
    return _password_shown(ctx, result, added=False)
