"""The results as one self-contained HTML page for the engagement team: when and how the
figures were made, who took part (the funnel, by language), who we are hearing from (reach),
then each question under its staff-facing title, with a chart and its data as a table, and a
fair sample of open answers with their language. Plain words, print styles; no scripts, fonts
or images from anywhere else.

Every figure comes from the same definitions as the terminal commands (`bot.stages`) and
follows the one small-number rule (`bot.reports.small_numbers`)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.campaigns.versions import version_ids
from bot.errors import CannotWrite
from bot.reports import funnel as funnel_module
from bot.reports import reach as reach_module
from bot.reports import results as results_module
from bot.reports import staff_words
from bot.reports.filtering import LEFT_OUT, AnswerFilter, left_out_too_few
from bot.reports.results import MIN_LETTERS, NO_TRANSLATION, SAMPLE, Bar, Results, StepResult
from bot.reports.small_numbers import FEW, RULE, THRESHOLD, protect_table, shown, too_few
from bot.stages import AGREED, STAGES, STARTED, WHO_COUNTS, WITHDRAWN_RULE
from bot.store.db import transaction
from bot.store.models import utcnow

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a;
       background: #fff; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.8rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.4rem; margin-top: 2.5rem; border-top: 2px solid #1a1a1a; padding-top: 1rem; }
h3 { font-size: 1.15rem; margin-top: 2rem; border-top: 1px solid #767676; padding-top: 0.8rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.25rem; }
th, td { border: 1px solid #767676; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
.asked { color: #333; }
.note { color: #333; font-style: italic; }
.lang { color: #333; font-size: 0.9em; white-space: nowrap; }
ul.quotes li { margin-bottom: 0.4rem; }
svg { max-width: 100%; height: auto; }
svg text { font-size: 14px; fill: #1a1a1a; }
svg rect.bar { fill: #1f4e8c; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  svg rect.bar { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  section { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  nav { display: none; }
}
"""
WRAP = 62  # characters of a bar's label per line: long labels wrap, never cut


@dataclass
class Report:
    results: Results
    funnel: funnel_module.Funnel
    reach: reach_module.Reach | None
    no_reach: str | None  # why there is no reach section
    made_at: datetime  # naive UTC
    command: str
    themes: dict | None = None  # step id -> bot.deliberation.themes.StepThemes
    only: AnswerFilter | None = None  # the residents the figures are of (None: every one)
    left_out: bool = False  # the filter leaves out 1 to 4 residents: no figures at all

    @property
    def filtered(self) -> bool:
        return self.only is not None and self.only.active


def gather(session: Session, slug: str, command: str, now: datetime | None = None,
           only: AnswerFilter | None = None) -> Report:
    """Everything the page shows, from one session, of the residents `only` admits (themes
    are of every answer, so a filtered report leaves them out). Raises
    bot.errors.UnknownCampaign."""
    results = results_module.collect(session, slug, only=only)
    funnel = funnel_module.collect(session, slug, only)
    reach, no_reach = None, None
    try:
        reach = reach_module.collect(session, slug, only=only)
    except reach_module.NoPopulation:
        no_reach = ("The campaign file does not say whom the campaign wants to hear from (its "
                    "population: block), so there is nothing to compare with.")
    themed = None
    if only is None or not only.active:
        from bot.deliberation.themes import summary

        themed = {step.step_id: step for step in summary(session, slug)}
    left_out = left_out_too_few(session, version_ids(session, slug), only)
    return Report(results, funnel, reach, no_reach, now or utcnow(), command, themed, only,
                  left_out)


# -- pieces -------------------------------------------------------------------------------

def _day(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.day} {moment:%B %Y}"


def _table(caption: str, headers: list[str], rows: list[list[str]],
           numeric: tuple[int, ...] | None = None) -> str:
    numeric = tuple(range(1, len(headers))) if numeric is None else numeric
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(cells[0])}</th>'
        + "".join(f'<td class="num">{escape(c)}</td>' if n in numeric else f"<td>{escape(c)}</td>"
                  for n, c in enumerate(cells[1:], 1)) + "</tr>"
        for cells in rows)
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _unit(unit: str, count: int) -> str:
    return {"people": "person", "points": "point"}.get(unit, unit) if count == 1 else unit


def _chart(key: str, name: str, bars: list[Bar], unit: str) -> str:
    """Horizontal bars, each label above its bar, wrapped onto as many lines as it needs. A
    hidden count draws no bar (its length would give the count away)."""
    width, bar_width, line, gap = 640, 520, 18, 10
    most = max((bar.count for bar in bars if not bar.hidden), default=0) or 1
    parts, y = [], 4
    summary = "; ".join(f"{bar.label}: {bar.shown} {_unit(unit, 2 if bar.hidden else bar.count)}"
                        for bar in bars)
    for bar in bars:
        for text in textwrap.wrap(bar.label, WRAP) or [""]:
            y += line
            parts.append(f'<text x="0" y="{y}">{escape(text)}</text>')
        if bar.hidden:
            y += line + 2
            parts.append(f'<text x="0" y="{y}" font-style="italic">{escape(bar.shown)}</text>')
        else:
            length = round(bar_width * bar.count / most)
            parts.append(f'<rect class="bar" x="0" y="{y + 5}" width="{length}" height="16">'
                         "</rect>")
            y += line + 4
            parts.append(f'<text x="{length + 6}" y="{y}">{bar.count}</text>')
        y += gap
    return "\n".join([
        f'<svg role="img" aria-labelledby="t-{key} d-{key}" width="{width}" height="{y}" '
        f'viewBox="0 0 {width} {y}">',
        f'<title id="t-{key}">Bar chart: {escape(name)}</title>',
        f'<desc id="d-{key}">{escape(summary)}</desc>', *parts, "</svg>"])


def _kind(step_type: str) -> str:
    return {"choice": "one choice", "scale": "a scale", "rank": "put in order",
            "text": "own words", "why": "reasons given", "reflect": "did others' views change "
            "theirs", "revisit": "asked again"}.get(step_type, step_type)


def _quotes(step: StepResult) -> list[str]:
    if step.postcode:
        return ['<p class="note">Postcodes are not quoted: they are counted by district in '
                '"Who we are hearing from" above.</p>']
    if not step.samples:
        return [f'<p class="note">No answer with at least {MIN_LETTERS} letters to quote.</p>']
    out = [f"<p>A fair sample of {len(step.samples)} of the {step.quotable} answers with at "
           f"least {MIN_LETTERS} letters, chosen at random (the same each time the report is "
           "made), in residents' own words:</p>", '<ul class="quotes">']
    for quote in step.samples:
        out.append(f'<li><q lang="{escape(quote.language)}" dir="auto">{escape(quote.text)}</q> '
                   f'<span class="lang">\u2014 in {escape(staff_words.language(quote.language))}'
                   "</span></li>")
    out.append("</ul>")
    return out


def _themes(step: StepResult, themed) -> list[str]:
    """The themes of an open question: names and counts (small ones hidden, by the one
    rule), as a table, found offline and checked by staff (`engage themes`)."""
    if themed is None or not themed.themes:
        return []
    rows = [(t.name, t.count) for t in themed.themes]
    if themed.unthemed:
        rows.append(("Not in a theme", themed.unthemed))
    cells = protect_table({n: c for n, (_, c) in enumerate(rows)} | {"all": themed.answered},
                          [("all", list(range(len(rows))))], fixed=["all"])
    return [_table("Themes in these answers (found by computer, checked by staff)",
                   ["Theme", "Answers"], [[name, cells[n].text] for n, (name, _) in
                                          enumerate(rows)])]


def _scrolling(parts: list[str], where: str) -> list[str]:
    """Each chart and table in a region that scrolls sideways on a narrow screen (the
    console's pages; the report's own styles shrink charts instead)."""
    out = []
    for number, part in enumerate(parts):
        if part.startswith(("<svg", "<table")):
            kind = "Chart" if part.startswith("<svg") else "Table"
            part = (f'<div class="table-scroll" role="region" tabindex="0" '
                    f'aria-label="{kind} {number}: {escape(where)}">{part}</div>')
        out.append(part)
    return out


def _step(number: int, step: StepResult, themed=None, scrolling: bool = False) -> str:
    key = f"q{number}"
    out = [f'<section aria-labelledby="h-{key}">',
           f'<h3 id="h-{key}">{escape(step.title)}</h3>',
           f'<p class="asked">Asked ({escape(_kind(step.type))}): '
           f"\u201c{escape(step.question)}\u201d</p>"]
    skipped = f" Skipped the question: {step.skipped_shown.text}." if step.skipped else ""
    if step.suppressed:
        words = f"{FEW[0].upper()}{FEW[1:]} people answered" if step.answered \
            else "No answers yet"
        out.append(f'<p class="note">{escape(words)}: not shown, so that no one can be '
                   f"recognised.{escape(skipped)}</p></section>")
        return "\n".join(out)
    out.append(f"<p>{step.answered} people answered.{escape(skipped)}</p>")
    if step.type == "rank":
        out.append("<p>Order of importance, by points: each person's first choice gets the most "
                   "points, their last none (a Borda count).</p>")
        out.append(_chart(key, step.title, step.bars, "points"))
        out.append(_table("Points for each option, highest first", ["Option", "Points", "Place"],
                          [[b.label, str(b.count), str(i)] for i, b in enumerate(step.bars, 1)]))
    elif step.type == "revisit":
        stayed, moved = step.movement
        out.append(f"<p>Asked again after \u201c{escape(step.of_title or '')}\u201d: "
                   f"{stayed.text} kept their answer, {moved.text} changed it.</p>")
        if step.changes:
            out.append(_table("How answers changed", ["Before", "After", "People"],
                              [[a, b, cell.text] for a, b, cell in step.changes], (2,)))
        if step.bars:
            out.append(_chart(key, step.title, step.bars, "people"))
            out.append(_table("Answers the second time", ["Answer", "People", "Share"],
                              [[b.label, b.shown, b.share_text] for b in step.bars]))
    elif step.type in ("text", "why"):
        out.extend(_themes(step, themed))
        out.extend(_quotes(step))
    else:
        out.append(_chart(key, step.title, step.bars, "people"))
        out.append(_table("Answers", ["Answer", "People", "Share"],
                          [[b.label, b.shown, b.share_text] for b in step.bars]))
        if step.median is not None:
            out.append(f"<p>The middle answer (median) is <strong>{step.median:g}</strong>.</p>")
    out.append("</section>")
    return "\n".join(_scrolling(out, step.title) if scrolling else out)


def _taking_part(report: Report) -> str:
    funnel = report.funnel
    rows = [[("\u00a0\u00a0" * stage.depth) + stage.name, shown(funnel.totals.get(stage.key, 0)).text,
             stage.meaning] for stage in STAGES]
    out = ['<section aria-labelledby="h-taking-part">',
           '<h2 id="h-taking-part">Who took part</h2>',
           f"<p>{escape(WHO_COUNTS)} Each stage is part of the one above it.</p>",
           _table("Residents at each stage", ["Stage", "Residents", "What it means"], rows, (1,))]
    languages = sorted(funnel.by_language)
    if languages:
        cells = _stage_table(funnel, languages)
        columns = {code: [cells[(code, s.key)] for s in STAGES] for code in languages}
        out.append(_table("Residents at each stage, by the language they chose",
                          ["Stage", *[staff_words.language(c) for c in languages]],
                          [[("\u00a0\u00a0" * s.depth) + s.name,
                            *[columns[c][n].text for c in languages]]
                           for n, s in enumerate(STAGES)]))
    if funnel.follow_up is not None:
        out.append(follow_up_table(funnel.follow_up))
    out.append("</section>")
    return "\n".join(out)


def follow_up_table(found) -> str:
    """"You said, we did" (a campaign with `follow_up: true`): who asked to hear what
    happened and how far their message got. The sends are part of those who asked, so a
    small one is hidden with whatever would give it away."""
    parts = {"told": found.told, "queued": found.queued, "failed": found.failed,
             "asked": found.opted_in}
    cells = protect_table(parts, [("asked", ["told", "queued", "failed"])], fixed=["asked"])
    asked = shown(found.opted_in)
    rows = [["Asked to hear what happened", asked.text, "Agreed residents who said yes to "
             "hearing what the team did with the answers"],
            ["Told what happened", cells["told"].text, "their message went to the provider"],
            ["Waiting to be sent", cells["queued"].text, "with the worker, in quiet hours, "
             "or with the provider"],
            ["Failed", cells["failed"].text, "the provider refused it"]]
    return _table("Hearing what happened (you said, we did)", ["", "Residents", "What it means"],
                  rows, (1,))


def _stage_table(funnel: funnel_module.Funnel, languages: list[str]) -> dict:
    """Stage by language, protected as the table it is: in each language the stages add up
    (Started = Deciding + Agreed + Said no + Withdrew + Stopped before agreeing; Agreed =
    Finished + Still answering), and each stage adds up across languages to the totals
    shown in the table above."""
    top = [STARTED.key, "deciding", AGREED.key, "said_no", "withdrew", "stopped_early"]
    counts: dict = {}
    sums: list = []
    for code in languages:
        for stage in STAGES:
            counts[(code, stage.key)] = funnel.by_language[code].get(stage.key, 0)
        sums.append(((code, STARTED.key), [(code, key) for key in top[1:]]))
        sums.append(((code, AGREED.key), [(code, "finished"), (code, "answering")]))
    for stage in STAGES:
        counts[("all", stage.key)] = funnel.totals.get(stage.key, 0)
        sums.append((("all", stage.key), [(code, stage.key) for code in languages]))
    return protect_table(counts, sums, fixed=[("all", stage.key) for stage in STAGES])


def reach_section(reach: reach_module.Reach | None, no_reach: str | None,
                  scrolling: bool = False) -> str:
    """"Who we are hearing from": a table per characteristic (the console shows it too)."""
    out = ['<section aria-labelledby="h-reach">',
           '<h2 id="h-reach">Who we are hearing from</h2>']
    if reach is None:
        out += [f'<p class="note">{escape(no_reach or "")}</p>', "</section>"]
        return "\n".join(out)
    out.append(f"<p>Residents who agreed, against the target population ("
               f"{escape(reach.source or 'the target shares in the campaign file')}). Share: of "
               "those who answered; gap: share minus target, in percentage points.</p>")
    if too_few(reach.participants):
        out += [f'<p class="note">Fewer than {THRESHOLD} residents have agreed so far, so there '
                "is nothing to show yet.</p>", "</section>"]
        return "\n".join(out)
    for item in reach.characteristics:
        rows = []
        for group in item.groups:
            count, share, gap = reach_module.shown_group(group, item)
            flag = reach_module.FLAG if not too_few(item.answered) and group.under_heard else ""
            rows.append([group.label, reach_module.percent(group.target), count, share, gap,
                         flag])
        if not item.postcode:
            rows.append(["Prefer not to say", "-", item.people("prefer_not"), "-", "-", ""])
        rows.append(["Not given", "-", item.people("not_given"), "-", "-", ""])
        out.append(_table(f"{item.label} (asked: \u201c{item.question}\u201d)",
                          ["Group", "Target", "People", "Share", "Gap", "Note"], rows,
                          (1, 2, 3, 4)))
    out.append("</section>")
    return "\n".join(_scrolling(out, "who we are hearing from") if scrolling else out)


def questions(results: Results, themed: dict | None = None, scrolling: bool = False) -> str:
    """Each question's section: a chart with its data as a table, or a fair sample of open
    answers (the console's results page shows them as the report does, `scrolling`)."""
    themed = themed or {}
    return "\n".join(_step(number, step, themed.get(step.step_id), scrolling)
                     for number, step in enumerate(results.steps, 1))


def _how(report: Report) -> str:
    points = [
        f"{AGREED.definition}. {WITHDRAWN_RULE}",
        WHO_COUNTS,
        RULE,
        f"Open answers: up to {SAMPLE} per question, chosen at random from the answers with at "
        f"least {MIN_LETTERS} letters (replies such as \u201c1\u201d or \u201cx\u201d are "
        "counted but not quoted), not the latest; the same answers each time the report is made.",
        "Phone numbers, email addresses and full postcodes that residents typed are removed "
        "from quotes (the postcode district is kept).",
        NO_TRANSLATION,
        "Questions are titled by their label in the campaign file; the wording residents saw "
        "(in the campaign's first language) is under each title.",
    ]
    return "\n".join(['<section aria-labelledby="h-how">',
                      '<h2 id="h-how">How these figures were made</h2>', "<ul>",
                      *[f"<li>{escape(point)}</li>" for point in points], "</ul>", "</section>"])


def render(report: Report, stylesheet: str | None = None) -> str:
    """The page. `stylesheet`: a link to the styles instead of a <style> element (the
    console's pages allow no inline styles); by default the file stands alone."""
    results = report.results
    title = f"Results: {results.title}"
    state = "closed to new residents" if results.status == "closed" else "open to new residents"
    facts = [
        ("Campaign", f"{results.slug}, version{'s' if len(results.versions) > 1 else ''} "
                     f"{', '.join(map(str, results.versions))}; {state}"),
        ("Fieldwork", f"first published {_day(results.published)}; answers counted from "
                      f"{_day(results.first_answer)} to {_day(results.last_answer)}"),
        ("Made", f"{_day(report.made_at)} at {report.made_at:%H:%M} UTC, by "
                 f"\u201c{report.command}\u201d, from the campaign's database"),
        ("Languages", ", ".join(staff_words.language(code) for code in results.languages)),
        (AGREED.name, f"{shown(results.agreed).text} residents ({AGREED.meaning})"),
    ]
    if report.filtered:
        facts.insert(4, ("Who", f"{report.only.words()}. Invitations are counted for "
                                "everyone; themes are left out (they are of every answer)."))
    if report.left_out:
        facts[-1] = (AGREED.name, "not shown")
    steps = questions(results, report.themes)
    contents = [("h-how", "How these figures were made"), ("h-taking-part", "Who took part"),
                ("h-reach", "Who we are hearing from"), ("h-answers", "Answers, question by "
                                                                    "question")]
    return f"""<!DOCTYPE html>
<html lang="{escape(results.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{_styles(stylesheet)}
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<dl class="facts">
{"".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)}
</dl>
<nav aria-label="Contents"><ul>
{"".join(f'<li><a href="#{key}">{escape(name)}</a></li>' for key, name in contents)}
</ul></nav>
{_how(report)}
{_body(report, steps)}
</main>
</body>
</html>
"""


def _styles(stylesheet: str | None) -> str:
    if stylesheet is None:
        return f"<style>{STYLE}</style>"
    return f'<link rel="stylesheet" href="{escape(stylesheet)}">'


def _body(report: Report, steps: str) -> str:
    if report.left_out:
        return f'<h2 id="h-taking-part">Who took part</h2>\n<p class="note">{escape(LEFT_OUT)}</p>'
    return "\n".join([_taking_part(report), reach_section(report.reach, report.no_reach),
                      '<h2 id="h-answers">Answers, question by question</h2>', steps])


def report_page(sessions: sessionmaker, slug: str, command: str, by: str,
                only: AnswerFilter | None = None, stylesheet: str | None = None) -> str:
    """The printable report for the console, recorded in the audit log with `by` (as a
    written report is). Raises bot.errors.UnknownCampaign."""
    with transaction(sessions) as session:
        html = render(gather(session, slug, command, only=only), stylesheet)
        audit.record(session, "export", slug, {"format": "html", "to": "console",
                                               **(only.audit() if only else {})}, who=by)
    return html


def report_path(path: str | Path) -> Path:
    """Where the report will go, or CannotWrite saying why it cannot."""
    path = Path(path)
    if path.is_dir() or not path.parent.is_dir():
        raise CannotWrite(f"cannot write the report to {path}: choose a file in an existing "
                          "folder.")
    return path


def write_report(sessions: sessionmaker, slug: str, path: str | Path, command: str,
                 by: str | None = None, only: AnswerFilter | None = None) -> Path:
    """Write the printable HTML report and record it in the audit log, in one transaction:
    a file that cannot be written raises CannotWrite and records nothing. `command` is the
    line the page says it was made by."""
    path = report_path(path)
    with transaction(sessions) as session:
        html = render(gather(session, slug, command, only=only))
        try:
            path.write_text(html, encoding="utf-8")
        except OSError as error:
            raise CannotWrite(f"cannot write the report to {path} ({error}).") from error
        audit.record(session, "export", slug, {"format": "html", "to": str(path),
                                               **(only.audit() if only else {})}, who=by)
    return path
