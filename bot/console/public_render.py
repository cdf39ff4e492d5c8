"""The public results page as HTML, from the content service (bot.deliberation.public): the
console serves it at /p/<slug> (its style sheet from /static), and `engage public export`
writes the same page as self-contained files, one per language, that print well. Bar charts
are SVG drawn here, each with its figures as a table beside it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from html import escape
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.deliberation.public import Page

WRAP = 56  # characters of a bar's label per line: long labels wrap, never cut


def _environment() -> Environment:
    return Environment(loader=PackageLoader("bot.console", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def style_sheet() -> str:
    return resources.files("bot.console").joinpath("static", "public.css").read_text(
        encoding="utf-8")


def percent(share: float | None) -> str:
    return "-" if share is None else f"{round(share * 100)}%"


def chart(page: Page, key: str, question: str, bars: list[dict]) -> Markup:
    """Horizontal bars, each label above its bar. A hidden count draws no bar (its length
    would give it away): its words ("fewer than 5") stand in its place."""
    width, bar_width, line, gap = 640, 520, 18, 10
    values = [bar.get("points", bar.get("count", {}).get("n")) for bar in bars]
    most = max((v for v in values if v is not None), default=0) or 1
    parts, y, summary = [], 4, []
    for bar, value in zip(bars, values, strict=True):
        label = page.text(bar["label"])
        said = str(value) if value is not None else page.count(bar["count"])
        summary.append(f"{label}: {said}")
        for text in textwrap.wrap(label, WRAP) or [""]:
            y += line
            parts.append(f'<text x="0" y="{y}">{escape(text)}</text>')
        if value is None:
            y += line + 2
            parts.append(f'<text x="0" y="{y}" class="hidden-count">{escape(said)}</text>')
        else:
            length = round(bar_width * value / most)
            parts.append(f'<rect class="bar" x="0" y="{y + 5}" width="{length}" '
                         'height="16"></rect>')
            y += line + 4
            parts.append(f'<text x="{length + 6}" y="{y}">{value}</text>')
        y += gap
    title = page.say("chart", question=question)
    return Markup("\n".join([
        f'<svg class="chart" role="img" aria-labelledby="t-{key} d-{key}" width="{width}" '
        f'height="{y}" viewBox="0 0 {width} {y}">',
        f'<title id="t-{key}">{escape(title)}</title>',
        f'<desc id="d-{key}">{escape("; ".join(summary))}</desc>', *parts, "</svg>"]))


def headline(page: Page, question: dict) -> str | None:
    """One sentence a reader takes away: the answer chosen most (when its count is shown
    and no other shares the top), or the first priority."""
    bars = question.get("bars") or []
    if question["type"] == "rank" and bars:
        return page.say("top_priority", answer=page.text(bars[0]["label"]))
    if question["type"] not in ("choice", "scale", "reflect"):
        return None
    if not bars or any(bar["count"].get("hidden") == "complement" for bar in bars):
        return None  # a count "not shown" may be the largest
    counts = [bar["count"].get("n", 0) for bar in bars]  # "fewer than 5" is below any shown
    top = max(counts)
    if counts.count(top) != 1 or top < 5:
        return None
    bar = bars[counts.index(top)]
    return page.say("most_chose", answer=page.text(bar["label"]), share=percent(bar["share"]))


def render(page: Page, link: Callable[[str], str], standalone: bool = False) -> str:
    """The page in its language; `link(code)` is the address of the page in another
    language. `standalone`: the style sheet inside the page (a file that travels alone)."""
    template = _environment().get_template("public/page.html")
    return template.render(page=page, link=link, standalone=standalone,
                           css=Markup(style_sheet()) if standalone else "",
                           chart=lambda key, question, bars: chart(page, key, question, bars),
                           headline=lambda question: headline(page, question),
                           percent=percent)


def not_published(language: str = "en") -> str:
    from bot.deliberation.public import words

    said = words(language)
    return _environment().get_template("public/not_published.html").render(
        words=said, language=language)
