"""Try it: a resident simulator in the page, talking to the running bot (bot.simulator).

Works as plain form posts (each message is a POST, then the page again); console.js sends
them without a reload when it can. The conversation shown is the one the bot recorded."""

from __future__ import annotations

from starlette.responses import Response

from bot import simulator
from bot.campaigns import overview
from bot.console.areas.campaigns import not_found
from bot.console.pages import Area, Context
from bot.outbound.render import render_text
from bot.staff.roles import OFFICER
from bot.text import sms_segments

area = Area("try-it", notices={
    "ended": "Your test conversation is deleted: nothing of it is kept.",
    "restarted": "Your earlier test conversation is deleted; this is a fresh start.",
})
OFFICERS = {OFFICER}


def _tag(ctx: Context, slug: str) -> str:
    return simulator.tag_for(ctx.staff.csrf_token, slug)


def _rest(ctx: Context) -> simulator.RestChannel:
    settings = ctx.console.settings
    return simulator.RestChannel(settings.rasa_url, settings.rest_token)


def _page(ctx: Context, slug: str, error: str | None = None, status: int = 200,
          typed: str = "") -> Response:
    with ctx.transaction() as session:
        simulator.sweep(session, ctx.now, ctx.console.settings.try_expiry)
        campaign = overview.summarise(session, slug)
        lines = simulator.transcript(session, _tag(ctx, slug)) if campaign else []
    if campaign is None:
        return not_found(ctx, slug)
    segments = [sms_segments(render_text(line.text)).segments if line.by == "bot" else 0
                for line in lines]
    minutes = int(ctx.console.settings.try_expiry.total_seconds() // 60)
    return ctx.render("campaigns/try.html", title=f"Try it: {campaign.title}",
                      campaign=campaign, lines=list(zip(lines, segments, strict=True)),
                      error=error, typed=typed[:simulator.MAX_MESSAGE], minutes=minutes,
                      status=status)


@area.page("/campaigns/{slug}/try", roles=OFFICERS)
def try_page(ctx: Context) -> Response:
    return _page(ctx, ctx.request.path_params["slug"])


@area.page("/campaigns/{slug}/try", roles=OFFICERS, methods=("POST",))
def try_send(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    text = ctx.field("message")
    if not text.strip():
        return _page(ctx, slug, error="Type a message to send, as a resident would.",
                     status=400)
    with ctx.transaction() as session:
        campaign = overview.summarise(session, slug)
    if campaign is None or not campaign.published:
        return _page(ctx, slug, status=404 if campaign is None else 400,
                     error="Publish the campaign before trying it: only published campaigns "
                           "answer. Until then, its preview shows every message.")
    try:
        _rest(ctx).send(_tag(ctx, slug), text)
    except simulator.SimulatorUnavailable as problem:
        return _page(ctx, slug, error=str(problem), status=503, typed=text)
    return ctx.redirect(f"/campaigns/{slug}/try#latest")


def _delete(ctx: Context, slug: str) -> None:
    with ctx.transaction() as session:
        simulator.delete(session, _tag(ctx, slug))


@area.page("/campaigns/{slug}/try/restart", roles=OFFICERS, methods=("POST",))
def try_restart(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    _delete(ctx, slug)
    return ctx.redirect(f"/campaigns/{slug}/try", done="restarted")


@area.page("/campaigns/{slug}/try/end", roles=OFFICERS, methods=("POST",))
def try_end(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    _delete(ctx, slug)
    return ctx.redirect(f"/campaigns/{slug}", done="ended")
