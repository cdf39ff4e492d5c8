"""Watch and results: every campaign's headline counts; one campaign's funnel (stage by
stage and question by question, with the drop), who it is hearing from against its target
population, and each question's answers with a chart and its data as a table, updating as
answers arrive; narrowed by the day residents joined, their channel and their language.
Downloads of the answers (CSV, JSONL, Excel) are for officers and administrators; everyone,
viewers included, may read the figures and the printable report. The work is done by
bot.reports (watch, exporting, report_html); every download is in the audit log."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response

from bot.console.pages import Area, Context
from bot.errors import BadRequest, UnknownCampaign
from bot.reports import exporting, report_html, staff_words, watch
from bot.reports.filtering import CHANNEL_CHOICES, LEFT_OUT, AnswerFilter
from bot.reports.small_numbers import RULE
from bot.staff.roles import ADMIN, EVERYONE, OFFICER
from bot.stages import AGREED, STAGES, WHO_COUNTS, WITHDRAWN_RULE

area = Area("results")
EXPORTERS = frozenset({ADMIN, OFFICER})  # answers hold residents' own words: not viewers
FIELDS = ("from", "to", "channel", "language")
REPORT_COMMAND = "Results, printable report, in the staff console"


def may_export(ctx: Context) -> bool:
    return ctx.staff is not None and ctx.staff.member.role in EXPORTERS


def _typed(ctx: Context) -> dict[str, str]:
    """The filter as typed, to show it again (cut short: it is only ever echoed escaped)."""
    return {name: ctx.query(name).strip()[:40] for name in FIELDS}


def _filter(ctx: Context) -> AnswerFilter:
    typed = _typed(ctx)
    return AnswerFilter.parse(typed["from"], typed["to"], typed["channel"], typed["language"])


def _watch_or_404(ctx: Context, only: AnswerFilter) -> watch.Watch:
    try:
        return watch.campaign_watch(ctx.console.db, ctx.request.path_params["slug"], only,
                                    now=ctx.now)
    except UnknownCampaign:
        raise HTTPException(404) from None


def _values(found: watch.Watch) -> dict:
    return {"found": found, "stages": STAGES, "agreed_stage": AGREED, "rule": RULE,
            "who_counts": WHO_COUNTS, "left_out_words": LEFT_OUT, "withdrawn_rule": WITHDRAWN_RULE,
            "reach_html": report_html.reach_section(found.reach, found.no_reach, scrolling=True)
            if found.results is not None else "",
            "questions_html": report_html.questions(found.results, scrolling=True)
            if found.results is not None else ""}


@area.page("/results", roles=EVERYONE)
def results_list(ctx: Context) -> Response:
    return ctx.render("results/list.html", title="Results",
                      campaigns=watch.campaign_lines(ctx.console.db), headline=watch.HEADLINE)


@area.page("/results/report.css", roles=EVERYONE)
def report_styles(ctx: Context) -> Response:
    """The printable report's styles (the console's pages allow no <style> element)."""
    return Response(report_html.STYLE, media_type="text/css")


@area.page("/results/{slug}", roles=EVERYONE)
def results_page(ctx: Context) -> Response:
    slug = ctx.request.path_params["slug"]
    try:
        only = _filter(ctx)
    except BadRequest as error:
        return _bad_filter(ctx, slug, str(error))
    found = _watch_or_404(ctx, only)
    return ctx.render("results/campaign.html", title=f"Results: {found.title}", error=None,
                      typed=_typed(ctx), query=_query(only), channels=CHANNEL_CHOICES,
                      language_name=staff_words.language, may_export=may_export(ctx),
                      figures=True, poll_seconds=ctx.console.settings.poll_seconds, slug=slug,
                      **_values(found))


@area.page("/results/{slug}/figures", roles=EVERYONE, fragment=True)
def results_figures(ctx: Context) -> Response:
    """The figures alone, asked for every few seconds by the page."""
    try:
        only = _filter(ctx)
    except BadRequest as error:
        return ctx.render("results/_problem.html", title="Problem", error=str(error),
                          status=400)
    return ctx.render("results/_figures.html", title="Figures",
                      **_values(_watch_or_404(ctx, only)))


def _query(only: AnswerFilter) -> str:
    return urlencode(only.query())


def _download(ctx: Context, export_format: str) -> Response:
    slug = ctx.request.path_params["slug"]
    try:
        only = _filter(ctx)
        done = exporting.download(ctx.console.db, slug, export_format, ctx.actor, only)
    except UnknownCampaign:
        raise HTTPException(404) from None
    except BadRequest as error:
        return _bad_filter(ctx, slug, str(error))
    return Response(done.data, media_type=done.media_type, headers={
        "content-disposition": f'attachment; filename="{done.filename}"'})


def _bad_filter(ctx: Context, slug: str, error: str) -> Response:
    found = _watch_or_404(ctx, AnswerFilter())
    return ctx.render("results/campaign.html", title=f"Results: {found.title}", found=found,
                      error=error, typed=_typed(ctx), query="", channels=CHANNEL_CHOICES,
                      language_name=staff_words.language, may_export=may_export(ctx),
                      figures=False, poll_seconds=ctx.console.settings.poll_seconds,
                      slug=slug, status=400)


@area.page("/results/{slug}/answers.csv", roles=EXPORTERS)
def download_csv(ctx: Context) -> Response:
    return _download(ctx, "csv")


@area.page("/results/{slug}/answers.jsonl", roles=EXPORTERS)
def download_jsonl(ctx: Context) -> Response:
    return _download(ctx, "jsonl")


@area.page("/results/{slug}/answers.xlsx", roles=EXPORTERS)
def download_xlsx(ctx: Context) -> Response:
    return _download(ctx, "xlsx")


@area.page("/results/{slug}/report", roles=EVERYONE)
def printable_report(ctx: Context) -> Response:
    """The printable report (the same page `engage results --report` writes), in the audit
    log as a download."""
    slug = ctx.request.path_params["slug"]
    try:
        only = _filter(ctx)
        html = report_html.report_page(ctx.console.db, slug, REPORT_COMMAND, ctx.actor,
                                       only, stylesheet="/results/report.css")
    except UnknownCampaign:
        raise HTTPException(404) from None
    except BadRequest as error:
        return _bad_filter(ctx, slug, str(error))
    return HTMLResponse(html)
