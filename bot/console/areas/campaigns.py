"""Campaigns: the list, one campaign's page, its preview, uploading and editing its file,
publishing and closing. Each handler parses the request, calls a service in bot/campaigns
and renders the answer; the services hold the rules."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from bot.campaigns import closing, drafts, overview, preview
from bot.campaigns.problems import CampaignInvalid
from bot.console.pages import Area, Context
from bot.errors import StaffError, UnknownCampaign
from bot.language import endonym
from bot.staff.roles import OFFICER

area = Area("campaigns", notices={
    "saved": "Saved as a draft. It has no errors: preview it, then publish it when it is ready.",
    "saved-new": "Saved as a draft of a new campaign: the file's id is not the one you were "
                 "editing, so the campaign you opened is unchanged.",
    "published-created": "Published. It is live: anyone who texts one of its keywords takes "
                         "part. Launch it to invite residents.",
    "published-updated": "Published: the version nobody had taken part in yet is changed.",
    "published-unchanged": "Nothing changed: this text was already published.",
    "closed": "Closed. It takes no new residents; those part-way through may finish.",
    "already-closed": "It was already closed.",
})
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
                      endonym=endonym, error=None, problems=[])


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


def _editor(ctx: Context, text: str, problems: list, *, slug: str | None, status: int = 200,
            error: str | None = None) -> Response:
    """The editor: the text, every problem listed and shown at its line."""
    lines = text.split("\n")
    by_line: dict[int, list] = {}
    for problem in problems:
        by_line.setdefault(min(max(problem.line or 1, 1), len(lines)), []).append(problem)
    errors = [p for p in problems if p.level == "error"]
    return ctx.render("campaigns/editor.html",
                      title=f"Edit {slug}" if slug else "Upload or write a campaign file",
                      slug=slug, text=text, lines=lines, by_line=by_line, problems=problems,
                      errors=errors, warnings=[p for p in problems if p.level == "warning"],
                      error=error, limit_mb=drafts.MAX_UPLOAD_BYTES // 1_000_000,
                      action=f"/campaigns/{slug}/edit" if slug else "/new-campaign",
                      status=status)


def _save(ctx: Context, text: str, slug: str | None) -> Response:
    with ctx.transaction() as session:
        saved = drafts.save(session, text, ctx.actor, ctx.now)
    if not saved.stored:
        return _editor(ctx, drafts.normalise(text), saved.checked.problems, slug=slug,
                       status=400)
    done = "saved-new" if slug and saved.slug != slug else "saved"
    return ctx.redirect(f"/campaigns/{saved.slug}/edit", done=done)


@area.page("/new-campaign", roles=OFFICERS)
def new_campaign(ctx: Context) -> Response:
    return _editor(ctx, "", [], slug=None)


@area.page("/new-campaign", roles=OFFICERS, methods=("POST",))
def new_campaign_save(ctx: Context) -> Response:
    return _save(ctx, ctx.field("source"), None)


@area.page("/new-campaign/upload", roles=OFFICERS, methods=("POST",))
def new_campaign_upload(ctx: Context) -> Response:
    data = ctx.upload("file", drafts.MAX_UPLOAD_BYTES)
    if data is None:
        return _editor(ctx, "", [], slug=None, status=400,
                       error="Choose a campaign file (a .yml file) to upload.")
    try:
        text = drafts.read_upload(data)
    except drafts.CampaignFileError as refused:
        return _editor(ctx, "", [], slug=None, status=400, error=str(refused))
    return _save(ctx, text, None)


@area.page("/campaigns/{slug}/edit", roles=OFFICERS)
def campaign_edit(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    with ctx.transaction() as session:
        text = drafts.source_for(session, slug)
        if text is None:
            return not_found(ctx, slug)
        checked = drafts.check_text(session, text)
    return _editor(ctx, text, checked.problems, slug=slug)


@area.page("/campaigns/{slug}/edit", roles=OFFICERS, methods=("POST",))
def campaign_save(ctx: Context) -> Response:
    return _save(ctx, ctx.field("source"), ctx.request.path_params["slug"])


def _campaign_refusal(ctx: Context, slug: str, error: str | None = None,
                      problems: list | None = None, status: int = 400) -> Response:
    """The campaign's page again, with what stopped the change."""
    with ctx.transaction() as session:
        summary = overview.summarise(session, slug)
    if summary is None:
        return not_found(ctx, slug)
    return ctx.render("campaigns/campaign.html", title=summary.title, campaign=summary,
                      endonym=endonym, error=error, problems=problems or [], status=status)


NOT_CLOSABLE = "A draft cannot be closed: it was never open to residents."


def _or_refusal(ctx: Context, slug: str, work: Callable[[], Response]) -> Response:
    """The page `work` makes, or the campaign's page with why the service refused."""
    try:
        return work()
    except CampaignInvalid as invalid:
        return _campaign_refusal(ctx, slug, problems=invalid.problems)
    except UnknownCampaign:
        return _campaign_refusal(ctx, slug, error=NOT_CLOSABLE)
    except StaffError as refused:
        return _campaign_refusal(ctx, slug, error=str(refused))


@area.page("/campaigns/{slug}/publish", roles=OFFICERS)
def publish_confirm(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]

    def plan() -> Response:
        with ctx.transaction() as session:
            found = drafts.publish_plan(session, slug)
        return ctx.render("campaigns/publish.html", title=f"Publish {slug}", slug=slug,
                          plan=found, endonym=endonym)

    return _or_refusal(ctx, slug, plan)


@area.page("/campaigns/{slug}/publish", roles=OFFICERS, methods=("POST",))
def publish(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]

    def work() -> Response:
        with ctx.transaction() as session:
            result = drafts.publish_draft(session, slug, ctx.actor, ctx.now)
        return ctx.redirect(f"/campaigns/{slug}", done=f"published-{result.action}")

    return _or_refusal(ctx, slug, work)


@area.page("/campaigns/{slug}/close", roles=OFFICERS)
def close_confirm(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    with ctx.transaction() as session:
        summary = overview.summarise(session, slug)
    if summary is None:
        return not_found(ctx, slug)
    if not summary.published:
        return _campaign_refusal(ctx, slug, error=NOT_CLOSABLE)
    return ctx.render("campaigns/close.html", title=f"Close {slug}", campaign=summary)


@area.page("/campaigns/{slug}/close", roles=OFFICERS, methods=("POST",))
def close(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]

    def work() -> Response:
        with ctx.transaction() as session:
            already = closing.close_versions(session, slug, by=ctx.actor).already
        return ctx.redirect(f"/campaigns/{slug}", done="already-closed" if already else "closed")

    return _or_refusal(ctx, slug, work)
