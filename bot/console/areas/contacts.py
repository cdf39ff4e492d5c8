"""Contacts and audiences: import a contacts CSV with where the consent came from (the
import's rows that could not be imported listed by line), see the contact groups launches
name with their counts per channel and language, and the residents who opted out, by the
masked form of their address only. The services (bot.contacts_import, bot.contacts_overview)
hold the rules; numbers stay in the vault, and a typed or uploaded value is never shown back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.responses import Response

from bot import contacts_import, contacts_overview
from bot.console.pages import Area, Context
from bot.console.wording import in_console_words
from bot.errors import ImportProblem, NoSecret
from bot.staff.roles import ADMIN, OFFICER

area = Area("contacts")
WORKERS = {ADMIN, OFFICER}
CHANNEL_CHOICES = [("sms", "SMS"), ("whatsapp", "WhatsApp"), ("telegram", "Telegram")]
MAX_TYPED_CHARS = 1000  # what a field can hold; the import service refuses a longer group
# The import service speaks to the command line; here the same facts name the form's fields.
FIELD_WORDS = (("--source must say", "\"Where the consent came from\" must say"),
               ("give one with --group", "give one in \"Group\""),
               ("; use one of sms, whatsapp, telegram", "; choose SMS, WhatsApp or Telegram"))
NO_SECRET = ("The console has no secret key, so it cannot open the contact vault: nothing can "
             "be imported, and who opted out cannot be listed. Ask an administrator to give "
             "the console ENGAGE_SECRET_KEY (the key the bot uses).")
_DIGITS = re.compile(r"\d")


def staff_words(message: str) -> str:
    return in_console_words(message, FIELD_WORDS)


@dataclass(frozen=True)
class Choice:
    """What the officer typed (shown again when the import is refused; never the file)."""

    channel: str
    source: str
    group: str

    @classmethod
    def of(cls, ctx: Context) -> Choice:
        return cls(ctx.field("channel").strip()[:16],
                   " ".join(ctx.field("source").split())[:MAX_TYPED_CHARS],
                   " ".join(ctx.field("group").split())[:MAX_TYPED_CHARS])


def _overview(ctx: Context, choice: Choice | None = None, error: str | None = None,
              status: int = 200) -> Response:
    with ctx.transaction() as session:
        groups = contacts_overview.groups(session)
        opted_out = contacts_overview.opted_out_count(session)
    return ctx.render("contacts/overview.html", title="Contacts", groups=groups,
                      opted_out=opted_out, channels=CHANNEL_CHOICES,
                      choice=choice or Choice("sms", "", ""), error=error,
                      has_secret=bool(ctx.console.settings.secret_key),
                      no_secret=NO_SECRET,
                      limit_mb=contacts_import.MAX_FILE_BYTES // 1_000_000,
                      max_rows=contacts_import.MAX_ROWS, status=status)


@area.page("/contacts", roles=WORKERS)
def contacts_page(ctx: Context) -> Response:
    return _overview(ctx)


@dataclass(frozen=True)
class Skipped:
    """A row of the file that was not imported, or imported without a language."""

    line: int
    reason: str
    value: str = ""  # only for languages; a number or chat id is never shown back


def _language_shown(value: str) -> str:
    """What a language cell said, digits hidden (so no number can come back through it)."""
    shown = value[:contacts_import.SHOWN_CHARS] + ("..." if len(value) > contacts_import.SHOWN_CHARS
                                                   else "")
    return _DIGITS.sub("•", shown)


@area.page("/contacts/import", roles=WORKERS, methods=("POST",))
def contacts_import_upload(ctx: Context) -> Response:
    """The import: all or nothing, audited with the staff member; its report, or the form
    again with what stopped it (nothing stored)."""
    choice = Choice.of(ctx)
    limit = contacts_import.MAX_FILE_BYTES
    data = ctx.upload("file", limit)
    if data is None:
        return _overview(ctx, choice, "Choose the contacts file (a .csv file) to upload.",
                         status=400)
    value = ctx.form.get("file")
    try:
        report = contacts_import.import_upload(
            ctx.console.db, ctx.console.settings.secret_key, data,
            getattr(value, "filename", None), choice.channel, choice.source, by=ctx.actor,
            group=choice.group or None)
    except NoSecret:
        return _overview(ctx, choice, NO_SECRET, status=503)
    except ImportProblem as problem:
        return _overview(ctx, choice, staff_words(str(problem)), status=400)
    invalid = [Skipped(bad.line, bad.reason) for bad in report.invalid]
    unknown = [Skipped(odd.line, odd.reason, _language_shown(odd.value))
               for odd in report.unknown_language]
    return ctx.render("contacts/imported.html", title=f"Imported into {report.group}",
                      report=report, invalid=invalid, unknown=unknown,
                      channel=dict(CHANNEL_CHOICES)[report.channel])


@area.page("/contacts/opted-out", roles=WORKERS)
def contacts_opted_out(ctx: Context) -> Response:
    """Who opted out: counted, and listed by masked address only."""
    residents, error = [], None
    with ctx.transaction() as session:
        total = contacts_overview.opted_out_count(session)
        try:
            residents = contacts_overview.opted_out(session, ctx.console.settings.secret_key)
        except NoSecret:
            error = NO_SECRET
    return ctx.render("contacts/opted_out.html", title="Residents who opted out", total=total,
                      residents=residents, error=error,
                      shown_at_most=contacts_overview.OPTED_OUT_SHOWN)
