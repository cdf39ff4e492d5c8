"""The public results page: officers and administrators publish a campaign's results
(with "what happens next", in each language), publish again, or take the page down; everyone
can preview it. The page itself, /p/<slug>, needs no sign-in and changes nothing. Content
from bot.deliberation.public; HTML from bot.console.public_render."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from bot.console import public_render
from bot.console.areas.sharing import WORKERS, may_change, work_or_404
from bot.console.pages import Area, Context
from bot.deliberation import public
from bot.deliberation.overview import newest
from bot.reports import staff_words
from bot.staff.roles import EVERYONE

area = Area("publishing", notices={
    "published": "The results page is published.",
    "unpublished": "The results page is taken down: its address says it is not published.",
})
# Not "text/html" exactly: the console gives visitors without a session a form cookie on
# text/html pages; the public page has no forms and sets no cookie.
PUBLIC_TYPE = "text/html; charset=utf-8"


def public_path(slug: str) -> str:
    return f"/p/{quote(slug)}"


def _page(ctx: Context, slug: str, error: str | None = None, status: int = 200) -> Response:
    with ctx.transaction() as session:
        work = work_or_404(session, slug)
        _, campaign = newest(session, slug)
        row = public.published(session, slug)
        snapshot = dict(row.content.get("what_next") or {}) if row is not None else {}
        published = None if row is None else (row.published_at, row.published_by)
    values = {code: ctx.field(f"next-{code}") for code in campaign.languages} if error \
        else snapshot
    return ctx.render("sharing/public.html", title=f"Public results page: {work.title}",
                      work=work, languages=campaign.languages, values=values,
                      published=published, address=public_path(slug),
                      language_name=staff_words.language, may_change=may_change(ctx),
                      max_length=public.MAX_WHAT_NEXT, error=error, status=status)


@area.page("/sharing/{slug}/public", roles=EVERYONE)
def public_settings(ctx: Context) -> Response:
    return _page(ctx, ctx.request.path_params["slug"])


@area.page("/sharing/{slug}/public/preview", roles=EVERYONE)
def public_preview(ctx: Context) -> Response:
    """The page as publishing now would make it, with the last "what happens next"."""
    slug = ctx.request.path_params["slug"]
    with ctx.transaction() as session:
        work_or_404(session, slug)
        row = public.published(session, slug)
        texts = (row.content.get("what_next") or {}) if row is not None else {}
        shown = public.preview(session, slug, texts, ctx.query("lang") or None)
    html = public_render.render(
        shown, lambda code: f"/sharing/{quote(slug)}/public/preview?lang={quote(code)}")
    return Response(html, media_type=PUBLIC_TYPE)


@area.page("/sharing/{slug}/public/publish", roles=WORKERS, methods=("POST",))
def public_publish(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    try:
        with ctx.transaction() as session:
            work_or_404(session, slug)
            _, campaign = newest(session, slug)
            texts = {code: ctx.field(f"next-{code}") for code in campaign.languages}
            public.publish(session, slug, texts, by=ctx.actor)
    except public.PublishError as error:
        return _page(ctx, slug, str(error), status=400)
    return ctx.redirect(f"/sharing/{slug}/public", done="published")


@area.page("/sharing/{slug}/public/unpublish", roles=WORKERS, methods=("POST",))
def public_unpublish(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    try:
        with ctx.transaction() as session:
            work_or_404(session, slug)
            public.unpublish(session, slug, by=ctx.actor)
    except public.PublishError as error:
        return _page(ctx, slug, str(error), status=400)
    return ctx.redirect(f"/sharing/{slug}/public", done="unpublished")


@area.page("/p/{slug}", public=True)
def public_results(ctx: Context) -> Response:
    """The published page, for anyone: no sign-in, read only, in ?lang= (or the first)."""
    slug = ctx.request.path_params["slug"]
    language = ctx.query("lang")[:8] or None
    with ctx.transaction() as session:
        shown = public.page(session, slug, language)
    if shown is None:
        known = language if language in public.words_languages() else "en"
        return Response(public_render.not_published(known), status_code=404,
                        media_type=PUBLIC_TYPE)
    html = public_render.render(shown, lambda code: f"{public_path(slug)}?lang={quote(code)}")
    return Response(html, media_type=PUBLIC_TYPE)
