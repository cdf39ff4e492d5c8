"""The moderation queue: open answers are private until staff approve them for quoting
(as written, or shortened or redacted, with translations), reject them, or mark them as
containing personal details (bot.deliberation.moderation, each decision in the audit log).
Everyone can read the queue; officers and administrators decide."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.areas.sharing import WORKERS, may_change, work_or_404
from bot.console.pages import Area, Context
from bot.deliberation import moderation
from bot.deliberation.overview import newest
from bot.reports import staff_words
from bot.staff.roles import EVERYONE

area = Area("quotes", notices={
    "approved": "The answer is approved for quoting.",
    "rejected": "The answer is rejected: it is never quoted.",
    "personal": "The answer is marked as containing personal details: it is never quoted.",
})
PER_PAGE = 50  # answers waiting shown at once, flagged ones first


def _page(ctx: Context, slug: str, error: str | None = None, failed: int | None = None,
          status: int = 200) -> Response:
    with ctx.transaction() as session:
        work = work_or_404(session, slug)
        _, campaign = newest(session, slug)
        waiting = sorted(moderation.queue(session, slug),
                         key=lambda p: (not p.flags, p.response_id))
        done = moderation.reviewed(session, slug)
    return ctx.render("sharing/quotes.html", title=f"Quotes to review: {work.title}",
                      work=work, waiting=waiting[:PER_PAGE], more=max(0, len(waiting) - PER_PAGE),
                      total=len(waiting), done=done, languages=campaign.languages,
                      may_change=may_change(ctx), error=error, failed=failed,
                      values=dict(ctx.form) if failed is not None else {},
                      max_quote=moderation.MAX_QUOTE, language_name=staff_words.language,
                      status=status)


@area.page("/sharing/{slug}/quotes", roles=EVERYONE)
def quotes_page(ctx: Context) -> Response:
    return _page(ctx, ctx.request.path_params["slug"])


def _decide(ctx: Context, decide, done: str) -> Response:
    slug, answer = ctx.request.path_params["slug"], ctx.path_int("id")
    try:
        with ctx.transaction() as session:
            work_or_404(session, slug)
            decide(session, slug, answer)
    except (moderation.ModerationError, ValueError) as error:
        return _page(ctx, slug, str(error), failed=answer, status=400)
    return ctx.redirect(f"/sharing/{slug}/quotes", done=done)


@area.page("/sharing/{slug}/quotes/{id:int}/approve", roles=WORKERS, methods=("POST",))
def quotes_approve(ctx: Context) -> Response:
    def approve(session, slug: str, answer: int) -> None:
        _, campaign = newest(session, slug)
        translations = {code: ctx.field(f"translation-{code}") for code in campaign.languages
                        if ctx.field(f"translation-{code}").strip()}
        moderation.approve(session, slug, answer, ctx.actor, text=ctx.field("text") or None,
                           translations=translations, checked=ctx.field("checked") == "yes")

    return _decide(ctx, approve, "approved")


@area.page("/sharing/{slug}/quotes/{id:int}/reject", roles=WORKERS, methods=("POST",))
def quotes_reject(ctx: Context) -> Response:
    return _decide(ctx, lambda session, slug, answer: moderation.reject(
        session, slug, answer, ctx.actor), "rejected")


@area.page("/sharing/{slug}/quotes/{id:int}/personal", roles=WORKERS, methods=("POST",))
def quotes_personal(ctx: Context) -> Response:
    return _decide(ctx, lambda session, slug, answer: moderation.mark_personal(
        session, slug, answer, ctx.actor), "personal")
