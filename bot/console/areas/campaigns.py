"""Campaigns: the list, one campaign's page, its preview, uploading and editing its file,
publishing and closing. Each handler parses the request, calls a service in bot/campaigns
and renders the answer; the services hold the rules."""

from __future__ import annotations

from starlette.responses import Response

from bot.campaigns import drafts, overview, preview
from bot.console.pages import Area, Context
from bot.language import endonym
from bot.staff.roles import OFFICER

area = Area("campaigns")
OFFICERS = {OFFICER}


def not_found(ctx: Context, slug: str) -> Response:
    return ctx.render("campaigns/missing.html", title="No such campaign", slug=slug[:64],
                      status=404)


@area.page("/campaigns", roles=OFFICERS)
def campaign_list(ctx: Context) -> Response:
    with ctx.transaction() as session:
        campaigns = overview.campaign_list(session)
    return ctx.render("campaigns/list.html", title="Campaigns", campaigns=campaigns,
                      headline=overview.HEADLINE, endonym=endonym)


@area.page("/campaigns/{slug}", roles=OFFICERS)
def campaign_page(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    with ctx.transaction() as session:
        summary = overview.summarise(session, slug)
    if summary is None:
        return not_found(ctx, slug)
    return ctx.render("campaigns/campaign.html", title=summary.title, campaign=summary,
                      endonym=endonym)


@area.page("/campaigns/{slug}/preview", roles=OFFICERS)
def campaign_preview(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    with ctx.transaction() as session:
        found = drafts.campaign_to_preview(session, slug)
    if found is None:
        return not_found(ctx, slug)
    campaign, source = found
    shown = preview.preview(campaign, ctx.console.settings.prices)
    channel = ctx.query("channel", "sms")
    channel = channel if channel in preview.CHANNELS else "sms"
    language = shown.language(ctx.query("language", campaign.default_language))
    return ctx.render("campaigns/preview.html", title=f"Preview: {shown.title}", preview=shown,
                      language=language, channel=channel, channels=preview.CHANNELS,
                      source=source, journey=language.journey_cost(channel))
