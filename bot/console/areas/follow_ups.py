"""You said, we did: officers and administrators write a short message per language for the
residents who asked to hear what happened, check who would get it (a dry run), and send it
through the worker, once per resident (bot.deliberation.follow_up, audited). Everyone can
read how many asked and how many were told."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.areas.sharing import WORKERS, may_change, work_or_404
from bot.console.pages import Area, Context
from bot.deliberation import follow_up
from bot.deliberation.overview import newest
from bot.errors import LaunchError, QueueUnreachable
from bot.launch.planning import parse_channel, parse_rate
from bot.reports import staff_words
from bot.staff.roles import EVERYONE

area = Area("follow_ups", notices={
    "sent": "The message is queued for everyone who asked: the worker sends it.",
})


def _form(ctx: Context, languages: list[str]) -> tuple[dict, dict]:
    messages = {code: ctx.field(f"message-{code}") for code in languages}
    templates = {code: ctx.field(f"whatsapp-{code}") for code in languages}
    return messages, templates


def _page(ctx: Context, slug: str, error: str | None = None, plan_text: str | None = None,
          status: int = 200) -> Response:
    with ctx.transaction() as session:
        work = work_or_404(session, slug)
        _, campaign = newest(session, slug)
        counts = follow_up.counts(session, slug)
    return ctx.render("sharing/follow_up.html", title=f"You said, we did: {work.title}",
                      work=work, campaign=campaign, counts=counts,
                      languages=campaign.languages, values=dict(ctx.form),
                      language_name=staff_words.language, may_change=may_change(ctx),
                      max_length=follow_up.MAX_MESSAGE, plan_text=plan_text, error=error,
                      status=status)


@area.page("/sharing/{slug}/follow-up", roles=EVERYONE)
def follow_up_page(ctx: Context) -> Response:
    return _page(ctx, ctx.request.path_params["slug"])


@area.page("/sharing/{slug}/follow-up/check", roles=WORKERS, methods=("POST",))
def follow_up_check(ctx: Context) -> Response:
    """The dry run: who would get it, who not and why, the messages; nothing changes."""
    slug = ctx.request.path_params["slug"]
    try:
        with ctx.transaction() as session:
            work_or_404(session, slug)
            _, campaign = newest(session, slug)
            messages, templates = _form(ctx, campaign.languages)
            found = follow_up.plan(session, slug, messages, templates,
                                   parse_channel(ctx.field("channel") or None))
            text = follow_up.describe(found, parse_rate(ctx.field("rate") or None))
    except (follow_up.FollowUpError, LaunchError) as error:
        return _page(ctx, slug, str(error), status=400)
    return _page(ctx, slug, plan_text=text)


@area.page("/sharing/{slug}/follow-up/send", roles=WORKERS, methods=("POST",))
def follow_up_send(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    with ctx.transaction() as session:
        work_or_404(session, slug)
        _, campaign = newest(session, slug)
    messages, templates = _form(ctx, campaign.languages)
    try:
        follow_up.send(ctx.console.db, slug, messages, templates, by=ctx.actor,
                       rate=ctx.field("rate") or None, channel=ctx.field("channel") or None)
    except follow_up.FollowUpError as error:
        return _page(ctx, slug, str(error), status=400)
    except QueueUnreachable as error:
        return _page(ctx, slug, str(error), status=503)
    return ctx.redirect(f"/sharing/{slug}/follow-up", done="sent")
