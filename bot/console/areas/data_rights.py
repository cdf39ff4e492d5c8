"""Data rights: erase a resident who asks, by the phone number, chat id or Telegram @username
the officer types; see each campaign's retention and what a purge would delete now.

What the officer types is never shown back: not on any page, not in a hidden field, not in
an address, not in the log or the audit log. The confirmation step carries the residents it
found by their pseudonyms (which are not personal), sealed to this session for a few
minutes, so the second step erases exactly what the first one showed. The services
(bot.privacy) hold the rules: these handlers read the form, call them and render."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from starlette.responses import Response

from bot.console.pages import Area, Context
from bot.console.wording import in_console_words
from bot.errors import StaffError
from bot.privacy import erasure, retention
from bot.privacy.erasure import NOTHING, NotHeld
from bot.staff.roles import ADMIN, OFFICER

area = Area("data-rights", notices={
    "erased": "Everything held about the resident was erased, in every store. The audit log "
              "records that you did it (never what you typed)."})
OFFICERS = {ADMIN, OFFICER}
SEAL_MINUTES = 15  # how long a confirmation page may be used
MOST_RESIDENTS = 10  # a number is at most an SMS and a WhatsApp contact; a username, a few
PSEUDONYM = re.compile(r"p_[0-9a-f]{32}")
NOBODY = ("Nobody is held under what you typed: no answers, messages or contact details. "
          "They may never have written to the bot, may have used another number or username, "
          f"or may already be erased. {NOTHING}")
# The services speak to the command line; here the same facts name the form.
FIELD_WORDS = (("Try --address with their chat id.", "Try their Telegram chat id instead."),
               ("(ENGAGE_SECRET_KEY)", "(ENGAGE_SECRET_KEY, set where the console runs)"))


def staff_words(message: str) -> str:
    return in_console_words(message, FIELD_WORDS)


def _retention_rows(ctx: Context) -> list[tuple[retention.Retention, str]]:
    with ctx.transaction() as session:
        periods = retention.retention_periods(session, ctx.now)
    return [(period, f"Kept for {period.days} day{'s' if period.days != 1 else ''}: what was "
             f"given before {period.boundary.day} {period.boundary:%B %Y} is deleted at the "
             "next daily purge.") for period in periods]


def _page(ctx: Context, error: str | None = None, outcome: str | None = None,
          way: str = "phone", status: int = 200) -> Response:
    """The data rights page. The erase form is always empty: what was typed is not kept."""
    return ctx.render("data_rights/page.html", title="Data rights", error=error,
                      outcome=outcome, ways=[(key, words) for key, (words, _) in
                                             erasure.WAYS.items()],
                      way=way if way in erasure.WAYS else "phone",
                      periods=_retention_rows(ctx), status=status)


def _seal(ctx: Context, by: str, issued: str, names: list[str]) -> str:
    """Ties the confirmation to this session, these residents and this moment."""
    key = hashlib.sha256(b"engage/console/erase-confirm/v1"
                         + (ctx.console.settings.secret_key or "").encode()).digest()
    message = "\n".join([ctx.csrf_token, by, issued, *names]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@area.page("/data-rights", roles=OFFICERS)
def data_rights_page(ctx: Context) -> Response:
    return _page(ctx)


@area.page("/data-rights/erase/check", roles=OFFICERS, methods=("POST",))
def erase_check(ctx: Context) -> Response:
    """Step 1: who is held under what was typed, and what erasing them removes. Changes
    nothing."""
    way = ctx.field("way")[:32]
    try:
        names, by = erasure.look_up(ctx.console.db, ctx.console.settings.secret_key, way,
                                    ctx.field("typed"))
    except NotHeld:
        return _page(ctx, outcome=NOBODY, way=way)
    except StaffError as error:
        return _page(ctx, error=staff_words(str(error)), way=way, status=400)
    held = erasure.holdings(ctx.console.db, names)
    if not held.names:
        return _page(ctx, outcome=NOBODY, way=way)
    issued = ctx.now.isoformat(timespec="seconds")
    return ctx.render("data_rights/confirm.html", title="Check before erasing", held=held,
                      by=by, issued=issued, seal=_seal(ctx, by, issued, held.names),
                      minutes=SEAL_MINUTES)


@area.page("/data-rights/erase", roles=OFFICERS, methods=("POST",))
def erase_confirmed(ctx: Context) -> Response:
    """Step 2: erase the residents the confirmation page showed, recorded in the audit log
    with the staff member (and how they were named, never what was typed)."""
    names = [name for name in ctx.form.getlist("resident") if isinstance(name, str)]
    by, issued = ctx.field("by")[:32], ctx.field("issued")[:32]
    try:
        at = datetime.fromisoformat(issued)
    except ValueError:
        at = None
    fresh = at is not None and timedelta(0) <= ctx.now - at <= timedelta(minutes=SEAL_MINUTES)
    if (not names or len(names) > MOST_RESIDENTS or not fresh
            or not all(PSEUDONYM.fullmatch(name) for name in names)
            or by not in {b for _, b in erasure.WAYS.values()}
            or not hmac.compare_digest(ctx.field("seal"), _seal(ctx, by, issued, names))):
        return _page(ctx, error="This confirmation is out of date or was changed (it lasts "
                     f"{SEAL_MINUTES} minutes). Type the number or username again to look "
                     f"the resident up. {NOTHING}", status=400)
    erasure.erase_residents(ctx.console.db, names, by, who=ctx.actor)
    return ctx.redirect("/data-rights", done="erased")


def _counts(report: retention.PurgeReport) -> list[tuple[str, int]]:
    return [(PURGE_WORDS.get(table, table), number) for table, number in report.counts().items()]


PURGE_WORDS = {
    "responses": "Answers",
    "consent_records": "Consent records",
    "participants": "Participations (a resident's part in a campaign)",
    "events": "Conversation history events (Rasa's tracker store)",
    "inbox": "Messages from residents",
    "outbox": "Messages to residents",
    "contacts": "Contact vault entries no longer needed",
}


@area.page("/data-rights/purge/check", roles=OFFICERS, methods=("POST",))
def purge_check(ctx: Context) -> Response:
    """The dry run: what is past retention now, counted and rolled back."""
    report = retention.purge_now(ctx.console.db, dry_run=True, now=ctx.now)
    return ctx.render("data_rights/purge.html", title="Purge dry run", report=report,
                      counts=_counts(report), error=None)


@area.page("/data-rights/purge", roles=OFFICERS, methods=("POST",))
def purge_run(ctx: Context) -> Response:
    """The real purge, now (the worker also runs it every day); audited with the member.
    Only with the dry run page's box ticked."""
    if ctx.field("confirm") != "yes":
        report = retention.purge_now(ctx.console.db, dry_run=True, now=ctx.now)
        return ctx.render("data_rights/purge.html", title="Purge dry run", report=report,
                          counts=_counts(report), status=400,
                          error="Tick the box to say you have checked the figures. Nothing "
                                "was deleted.")
    report = retention.purge_now(ctx.console.db, who=ctx.actor, now=ctx.now)
    return ctx.render("data_rights/purge.html", title="Purge done", report=report,
                      counts=_counts(report), error=None)
