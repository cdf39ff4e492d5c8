"""Themes of a campaign's open answers: read by everyone (viewers see counts protected by
the small-number rule, as in the report); officers and administrators find them again,
rename, merge and split them and put answers in them by hand (bot.deliberation.themes,
each change in the audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.responses import Response

from bot.console.areas.sharing import WORKERS, may_change, work_or_404
from bot.console.pages import Area, Context
from bot.deliberation import themes
from bot.reports.small_numbers import Shown
from bot.staff.roles import EVERYONE

area = Area("themes", notices={
    "themes-run": "The open answers are themed again. Your names, merges and tags are kept.",
    "renamed": "The theme is renamed.",
    "merged": "The themes are merged.",
    "split": "The ticked answers are a theme of their own now.",
    "tagged": "The ticked answers are in that theme now.",
})
MAX_ANSWERS = 1000  # answer ids one form may send


@dataclass
class StepView:
    step: themes.StepThemes
    counts: dict[int | None, Shown]
    members: dict[int | None, list[themes.Member]] = field(default_factory=dict)


def _page(ctx: Context, slug: str, error: str | None = None, status: int = 200) -> Response:
    working = may_change(ctx)
    with ctx.transaction() as session:
        work = work_or_404(session, slug)
        steps = []
        for step in themes.summary(session, slug):
            view = StepView(step, themes.shown_counts(step))
            if working:
                view.members = themes.members(session, slug, step.step_id)
            steps.append(view)
    return ctx.render("sharing/themes.html", title=f"Themes: {work.title}", work=work,
                      steps=steps, may_change=working, error=error, status=status)


@area.page("/sharing/{slug}/themes", roles=EVERYONE)
def themes_page(ctx: Context) -> Response:
    return _page(ctx, ctx.request.path_params["slug"])


def _change(ctx: Context, change, done: str) -> Response:
    slug = ctx.request.path_params["slug"]
    try:
        with ctx.transaction() as session:
            work_or_404(session, slug)
            change(session, slug)
    except (themes.ThemeError, ValueError) as error:
        return _page(ctx, slug, str(error), status=400)
    return ctx.redirect(f"/sharing/{slug}/themes", done=done)


def _answers(ctx: Context) -> list[int]:
    values = [v for v in ctx.form.getlist("answers") if isinstance(v, str)][:MAX_ANSWERS]
    if not values:
        raise ValueError("Tick at least one answer first.")
    if not all(v.isdigit() for v in values):
        raise ValueError("Those are not answers of this question. Reload the page and try "
                         "again.")
    return [int(v) for v in values]


def _theme_id(ctx: Context, name: str) -> int:
    value = ctx.field(name).strip()
    if not value.isdigit():
        raise ValueError("Choose a theme first.")
    return int(value)


@area.page("/sharing/{slug}/themes/run", roles=WORKERS, methods=("POST",))
def themes_run(ctx: Context) -> Response:
    return _change(ctx, lambda session, slug: themes.run(session, slug, by=ctx.actor),
                   "themes-run")


@area.page("/sharing/{slug}/themes/{id:int}/rename", roles=WORKERS, methods=("POST",))
def themes_rename(ctx: Context) -> Response:
    return _change(ctx, lambda session, slug: themes.rename(
        session, slug, ctx.path_int("id"), ctx.field("name"), by=ctx.actor), "renamed")


@area.page("/sharing/{slug}/themes/{id:int}/merge", roles=WORKERS, methods=("POST",))
def themes_merge(ctx: Context) -> Response:
    return _change(ctx, lambda session, slug: themes.merge(
        session, slug, ctx.path_int("id"), _theme_id(ctx, "into"), by=ctx.actor), "merged")


@area.page("/sharing/{slug}/themes/{id:int}/split", roles=WORKERS, methods=("POST",))
def themes_split(ctx: Context) -> Response:
    return _change(ctx, lambda session, slug: themes.split(
        session, slug, ctx.path_int("id"), _answers(ctx), ctx.field("name"), by=ctx.actor),
        "split")


@area.page("/sharing/{slug}/themes/tag", roles=WORKERS, methods=("POST",))
def themes_tag(ctx: Context) -> Response:
    def change(session, slug: str) -> None:
        answers = _answers(ctx)
        chosen = ctx.field("theme").strip()
        if chosen and ctx.field("name").strip():
            raise ValueError("Choose a theme or give a new theme's name, not both.")
        if not chosen and not ctx.field("name").strip():
            raise ValueError("Choose a theme, or give a new theme's name.")
        themes.tag(session, slug, ctx.field("step"), answers,
                   theme_id=_theme_id(ctx, "theme") if chosen else None,
                   name=ctx.field("name") or None, by=ctx.actor)

    return _change(ctx, change, "tagged")
