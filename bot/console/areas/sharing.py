"""Sharing results: every campaign's way from private open answers to public results, and
what is waiting (answers to review, a page to publish, a follow-up to send). The pages for
each step are in themes.py, quotes.py, publishing.py and follow_ups.py; the work is done by
bot.deliberation."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response

from bot.console.pages import Area, Context
from bot.deliberation import overview
from bot.staff.roles import ADMIN, EVERYONE, OFFICER

area = Area("sharing")
WORKERS = frozenset({ADMIN, OFFICER})  # may change things; viewers read only


def may_change(ctx: Context) -> bool:
    return ctx.staff is not None and ctx.staff.member.role in WORKERS


def work_or_404(session, slug: str) -> overview.CampaignWork:
    """The campaign's state, or the console's "Page not found" for an unknown campaign."""
    try:
        return overview.campaign_work(session, slug)
    except overview.UnknownCampaign:
        raise HTTPException(404) from None


@area.page("/sharing", roles=EVERYONE)
def sharing_list(ctx: Context) -> Response:
    with ctx.transaction() as session:
        found = overview.campaigns(session)
    return ctx.render("sharing/list.html", title="Sharing results", campaigns=found,
                      may_change=may_change(ctx))
