"""The results as one self-contained HTML page: inline SVG bar charts, each with its data as a
table, plain words, print styles. No scripts, fonts or images from anywhere else."""

from __future__ import annotations

from html import escape

from bot.results import FEW, Bar, Results, StepResult, percent

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a;
       background: #fff; max-width: 50rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-top: 1px solid #767676;
     padding-top: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #767676; padding: 0.25rem 0.6rem; text-align: left; }
td.num { text-align: right; }
.note { color: #333; font-style: italic; }
svg { max-width: 100%; height: auto; }
svg text { font-size: 14px; fill: #1a1a1a; }
svg rect.bar { fill: #1f4e8c; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  svg rect.bar { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  section { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _chart(step: StepResult, bars: list[Bar], unit: str) -> str:
    label_width, bar_width, row = 220, 360, 28
    height = row * len(bars) + 8
    most = max((bar.count for bar in bars), default=0) or 1
    title_id, desc_id = f"t-{step.step_id}", f"d-{step.step_id}"
    summary = "; ".join(f"{bar.label}: {bar.count} {_unit(unit, bar.count)}" for bar in bars)
    parts = [f'<svg role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
             f'width="{label_width + bar_width + 90}" height="{height}" '
             f'viewBox="0 0 {label_width + bar_width + 90} {height}" '
             '>',
             f'<title id="{escape(title_id)}">Bar chart: {escape(step.question)}</title>',
             f'<desc id="{escape(desc_id)}">{escape(summary)}</desc>']
    for number, bar in enumerate(bars):
        y = number * row + 4
        length = round(bar_width * bar.count / most)
        parts.append(f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end">'
                     f'{escape(bar.label[:30])}</text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{length}" '
                     f'height="{row - 8}"></rect>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 18}">{bar.count}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _unit(unit: str, count: int) -> str:
    return {"people": "person", "points": "point"}.get(unit, unit) if count == 1 else unit


def _table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<th scope="row">{escape(cells[0])}</th>'
            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells[1:])) + "</tr>"
        for cells in rows)
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _section(step: StepResult) -> str:
    out = [f'<section aria-labelledby="h-{escape(step.step_id)}">',
           f'<h2 id="h-{escape(step.step_id)}">{escape(step.question)}</h2>',
           f"<p>Question <code>{escape(step.step_id)}</code> ({escape(_kind(step.type))}).</p>"]
    skipped = f" {step.skipped} skipped the question." if step.skipped else ""
    if step.suppressed:
        words = FEW if step.answered else "No answers yet"
        out.append(f'<p class="note">{escape(words[0].upper() + words[1:])}: not shown, so that '
                   f"no one can be recognised.{escape(skipped)}</p></section>")
        return "\n".join(out)
    out.append(f"<p>{step.answered} people answered.{escape(skipped)}</p>")
    if step.type == "rank":
        out.append("<p>Order of importance, by points: each person's first choice gets the most "
                   "points, their last none (a Borda count).</p>")
        out.append(_chart(step, step.bars, "points"))
        out.append(_table("Points for each option, highest first", ["Option", "Points", "Place"],
                          [[b.label, str(b.count), str(i)] for i, b in enumerate(step.bars, 1)]))
    elif step.type == "revisit":
        out.append(f"<p>Asked again: {step.stayed} kept their answer, {step.moved} changed it.</p>")
        if step.changes:
            out.append(_table("How answers changed", ["Before", "After", "People"],
                              [[a, b, str(n)] for a, b, n in step.changes]))
        if step.bars:
            out.append(_chart(step, step.bars, "people"))
            out.append(_table("Answers the second time", ["Answer", "People", "Share"],
                              [[b.label, str(b.count), percent(b.share)] for b in step.bars]))
    elif step.type in ("text", "why"):
        out.append("<p>The most recent answers, in residents' own words:</p><ul>")
        out.extend(f"<li>{escape(sample)}</li>" for sample in step.samples)
        out.append("</ul>")
    else:
        out.append(_chart(step, step.bars, "people"))
        out.append(_table("Answers", ["Answer", "People", "Share"],
                          [[b.label, str(b.count), percent(b.share)] for b in step.bars]))
        if step.median is not None:
            out.append(f"<p>The middle answer (median) is <strong>{step.median:g}</strong>.</p>")
    out.append("</section>")
    return "\n".join(out)


def _kind(step_type: str) -> str:
    return {"choice": "one choice", "scale": "a scale", "rank": "put in order",
            "text": "own words", "why": "reasons given", "reflect": "did others' views change "
            "theirs", "revisit": "asked again"}.get(step_type, step_type)


def render(results: Results) -> str:
    title = f"Results: {results.title}"
    body = "\n".join(_section(step) for step in results.steps)
    return f"""<!DOCTYPE html>
<html lang="{escape(results.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p>Campaign <code>{escape(results.slug)}</code>, versions {escape(", ".join(map(str, results.versions)))}.
{results.participants} residents gave consent and answered.
Only answers from residents who agreed to take part, and did not later withdraw, are counted.
Where fewer than 5 people answered a question, the answers are not shown, so that no one can be
recognised.</p>
{body}
</main>
</body>
</html>
"""
