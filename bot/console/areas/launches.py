"""Launches: choose a campaign, a contact group, a channel, a start time and a pace; see the
dry run (who, who is left out and why, the first message per language with its SMS segments,
the cost); confirm; then follow the invitations as they go out. The launch services
(bot.launch) hold the rules: these handlers read the form, call them and render the answer.
Only contact groups can be named here: a file on the server is never an audience."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import Response

from bot.campaigns import overview
from bot.console.pages import Area, Context
from bot.console.wording import in_console_words
from bot.errors import LaunchError, QueueUnreachable
from bot.launch import planning, running, watching
from bot.launch.describing import estimate, target_notes, when_words
from bot.outbound.providers import CHANNEL_WORDS
from bot.staff.roles import ADMIN, OFFICER

area = Area("launches")
WORKERS = {ADMIN, OFFICER}
CHANNEL_CHOICES = [("", "Every channel in the group"), ("sms", "SMS only"),
                   ("whatsapp", "WhatsApp only"), ("telegram", "Telegram only")]
# The services speak to the command line; here the same facts name the form's fields.
FIELD_WORDS = (("--rate ", "The pace "), ("--at ", "The start time "),
               ("--channel ", "The channel "), ("--reinvite", "\"Invite again\""),
               ("--queue-anyway", "\"Queue them anyway\""), ("--channel", "the channel choice"),
               ("leave --at out", "leave the start time empty"))


def staff_words(message: str) -> str:
    return in_console_words(message, FIELD_WORDS)


@dataclass(frozen=True)
class Choice:
    """What the officer chose in the form (sent again, hidden, by the confirmation step)."""

    slug: str
    audience: str
    channel: str
    at: str
    rate: str
    reinvite: bool

    @classmethod
    def of(cls, ctx: Context) -> Choice:
        return cls(ctx.field("campaign").strip()[:64], ctx.field("audience").strip()[:128],
                   ctx.field("channel").strip()[:16], " ".join(ctx.field("at").split())[:32],
                   ctx.field("rate").strip()[:32], ctx.field("reinvite") == "yes")

    def args(self) -> dict:
        return {"channel": self.channel or None, "at": self.at or None,
                "rate": self.rate or None, "reinvite": self.reinvite}


def _form_page(ctx: Context, choice: Choice | None = None, error: str | None = None,
               status: int = 200) -> Response:
    with ctx.transaction() as session:
        campaigns = [c for c in overview.campaign_list(session) if c.status == "live"]
        groups = planning.contact_groups(session)
        launches = watching.recent(session)
    return ctx.render("launches/start.html", title="Launch a campaign", campaigns=campaigns,
                      groups=groups, launches=launches, channels=CHANNEL_CHOICES,
                      choice=choice or Choice(ctx.query("campaign")[:64], "", "", "", "", False),
                      error=error, status=status)


def _audience(ctx: Context, choice: Choice) -> str:
    """The chosen contact group as the launch services name it (never a typed file path)."""
    with ctx.transaction() as session:
        return planning.named_group(session, choice.audience)


@area.page("/launches", roles=WORKERS)
def launch_form(ctx: Context) -> Response:
    return _form_page(ctx)


@area.page("/launches/check", roles=WORKERS, methods=("POST",))
def launch_check(ctx: Context) -> Response:
    """The dry run: nothing is queued or changed."""
    choice = Choice.of(ctx)
    try:
        audience = _audience(ctx, choice)
        seen = planning.dry_run(ctx.console.db, choice.slug, audience, **choice.args())
        found = estimate(seen.plan)
    except LaunchError as error:
        return _form_page(ctx, choice, staff_words(str(error)), status=400)
    plan = seen.plan
    counts = plan.by_channel_and_language()
    rows = [(CHANNEL_WORDS[channel], planning.language_words(language), counts[(channel, language)])
            for channel, language in sorted(counts, key=lambda k: (k[0], k[1] == planning.MENU,
                                                                   k[1]))]
    return ctx.render("launches/check.html", title=f"Check the launch: {plan.slug}",
                      choice=choice, plan=plan, rows=rows, notes=staff_words(target_notes(plan)),
                      blocked=[staff_words(line) for line in planning.unsendable_lines(plan)],
                      estimate=found, when=staff_words(when_words(plan, seen.at, seen.rate)),
                      invited_before=plan.excluded[planning.INVITED_EARLIER]
                      + plan.excluded[planning.ALREADY_INVITED])


@area.page("/launches/start", roles=WORKERS, methods=("POST",))
def launch_start(ctx: Context) -> Response:
    """The real launch, recorded in the audit log with the staff member."""
    choice = Choice.of(ctx)
    try:
        audience = _audience(ctx, choice)
        result = running.launch(ctx.console.db, choice.slug, audience, by=ctx.actor,
                                queue_anyway=ctx.field("queue_anyway") == "yes",
                                **choice.args())
    except LaunchError as error:
        message = staff_words(str(error))
        if "nothing" not in message.lower():
            message += " Nothing was changed."
        return _form_page(ctx, choice, message, status=400)
    except QueueUnreachable as error:
        return _form_page(ctx, choice, staff_words(str(error)), status=503)
    if result.launch_id is None:
        return _form_page(ctx, choice, f"Nobody to invite in {result.plan.audience.label}: "
                          "nothing was queued. Check the launch to see who is left out and why.",
                          status=400)
    return ctx.redirect(f"/launches/{result.launch_id}")


def _progress_or_404(ctx: Context) -> watching.LaunchProgress:
    found = watching.launch_progress(ctx.console.db, ctx.path_int("id"))
    if found is None:
        raise HTTPException(404)
    return found


@area.page("/launches/{id:int}", roles=WORKERS)
def launch_page(ctx: Context) -> Response:
    found = _progress_or_404(ctx)
    return ctx.render("launches/progress.html", title=f"Launch of {found.launch.title}",
                      found=found, poll_seconds=ctx.console.settings.poll_seconds)


@area.page("/launches/{id:int}/progress", roles=WORKERS, fragment=True)
def launch_progress(ctx: Context) -> Response:
    found = _progress_or_404(ctx)
    return ctx.render("launches/_progress.html", title="Progress", found=found)
