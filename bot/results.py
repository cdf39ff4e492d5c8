"""Results of a campaign for the engagement team: what residents answered, step by step.

Only answers from residents whose consent stands count (a resident who said STOP has withdrawn
it). Every published version of the campaign counts; steps and labels come from the newest
version, in the campaign's first language. Fewer than `SMALL` answers could identify people,
so then only that fact is shown, never counts, shares or quotes.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign, Step
from bot.store.models import CampaignVersion, Participant, Response

SMALL = 5
SAMPLE = 5
FEW = f"fewer than {SMALL} answers"


class UnknownCampaign(LookupError):
    pass


@dataclass
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the answers counted for the step


@dataclass
class StepResult:
    step_id: str
    type: str
    question: str
    answered: int = 0  # non-skipped answers
    skipped: int = 0
    bars: list[Bar] = field(default_factory=list)  # choice, scale, reflect, rank (Borda points)
    median: float | None = None  # scale
    order: list[str] = field(default_factory=list)  # rank: labels, highest Borda score first
    moved: int = 0  # revisit
    stayed: int = 0
    changes: list[tuple[str, str, int]] = field(default_factory=list)  # revisit: from, to, count
    samples: list[str] = field(default_factory=list)  # text and why
    of: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.answered < SMALL


@dataclass
class Results:
    slug: str
    title: str
    language: str
    versions: list[int]
    participants: int  # residents whose answers count
    steps: list[StepResult]


def _campaign(session: Session, slug: str) -> tuple[Campaign, list[CampaignVersion]]:
    rows = (session.query(CampaignVersion).filter_by(slug=slug)
            .order_by(CampaignVersion.version).all())
    if not rows:
        raise UnknownCampaign(f"No campaign called '{slug}' has been published. "
                              "See `engage campaign list`.")
    return Campaign.from_dict(rows[-1].definition), rows


def _steps(rows: list[CampaignVersion]) -> list[Step]:
    """The newest version's steps, then any answered step only older versions had."""
    newest = Campaign.from_dict(rows[-1].definition)
    steps = {step.id: step for step in newest.steps}
    order = [step.id for step in newest.steps]
    for row in reversed(rows[:-1]):
        for step in Campaign.from_dict(row.definition).steps:
            if step.id not in steps:
                steps[step.id] = step
                order.append(step.id)
    return [steps[step_id] for step_id in order]


def _label(step: Step | None, value: Any, language: str) -> str:
    if step is not None and step.options:
        for option in step.options:
            if option.id == str(value):
                return option.text.get(language) or next(iter(option.text.values()))
    if step is not None and step.type == "scale" and isinstance(value, int):
        words = step.labels.get(value, {})
        label = words.get(language) or next(iter(words.values()), "")
        return f"{value} ({label})" if label else str(value)
    if step is not None and step.type == "reflect":
        return {"yes": "Yes", "no": "No"}.get(str(value), str(value))
    return str(value)


def _display(step: Step | None, value: Any, language: str) -> str:
    if isinstance(value, list):
        return " > ".join(_label(step, item, language) for item in value)
    return _label(step, value, language)


def _bars(counts: list[tuple[str, int]], total: int) -> list[Bar]:
    return [Bar(label, count, (count / total) if total else 0.0) for label, count in counts]


def collect(session: Session, slug: str) -> Results:
    campaign, rows = _campaign(session, slug)
    language = campaign.default_language
    steps = _steps(rows)
    by_id = {step.id: step for step in steps}
    answers = (
        session.query(Response, Participant.id)
        .join(Participant, Participant.id == Response.participant_id)
        .join(CampaignVersion, CampaignVersion.id == Participant.campaign_id)
        .filter(CampaignVersion.slug == slug, Participant.consent == "given")
        .order_by(Response.answered_at.desc(), Response.id.desc())
        .all()
    )
    per_step: dict[str, list[tuple[Response, int]]] = {}
    for response, participant_id in answers:
        per_step.setdefault(response.step_id, []).append((response, participant_id))
    people = {participant_id for _, participant_id in answers}

    results: list[StepResult] = []
    for step in steps:
        if step.type == "info":
            continue
        results.append(_step_result(step, per_step.get(step.id, []), by_id, per_step, language))
        if step.type == "choice" and step.why:
            why = StepResult(f"{step.id}.why", "why",
                             step.why.get(language) or next(iter(step.why.values())))
            _text_result(why, per_step.get(f"{step.id}.why", []))
            results.append(why)
    return Results(slug=slug, title=campaign.title.get(language, slug), language=language,
                   versions=[row.version for row in rows], participants=len(people),
                   steps=results)


def _text_result(result: StepResult, rows: list[tuple[Response, int]]) -> None:
    given = [r for r, _ in rows if not r.skipped and r.value not in (None, "")]
    result.answered, result.skipped = len(given), len(rows) - len(given)
    if not result.suppressed:
        result.samples = [str(r.value) for r in given[:SAMPLE]]  # most recent first


def _step_result(step: Step, rows: list[tuple[Response, int]], by_id: dict[str, Step],
                 per_step: dict[str, list[tuple[Response, int]]], language: str) -> StepResult:
    question = step.text.get(language) or next(iter(step.text.values()))
    earlier = by_id.get(step.of or "")
    if step.type == "reflect":
        question = f"{question} Does this change your view?"
    if step.type == "revisit" and earlier is not None:
        question = f"{question} {earlier.text.get(language) or next(iter(earlier.text.values()))}"
    result = StepResult(step.id, step.type, question, of=step.of)
    if step.type == "text":
        _text_result(result, rows)
        return result
    values = [r.value for r, _ in rows if not r.skipped and r.value is not None]
    result.answered, result.skipped = len(values), len(rows) - len(values)
    if result.suppressed:
        return result
    total = len(values)
    counts = Counter(str(v) if not isinstance(v, list) else tuple(v) for v in values)
    if step.type == "choice":
        result.bars = _bars([(_label(step, o.id, language), counts.get(o.id, 0))
                             for o in step.options], total)
    elif step.type == "reflect":
        result.bars = _bars([(_label(step, v, language), counts.get(v, 0)) for v in ("yes", "no")],
                            total)
    elif step.type == "scale":
        numbers = [int(v) for v in values]
        low = step.min if step.min is not None else min(numbers)
        high = step.max if step.max is not None else max(numbers)
        tally = Counter(numbers)
        result.bars = _bars([(_label(step, point, language), tally.get(point, 0))
                             for point in range(low, high + 1)], total)
        result.median = float(statistics.median(numbers))
    elif step.type == "rank":
        size = len(step.options)
        scores = Counter({o.id: 0 for o in step.options})
        for ranking in values:
            for place, option_id in enumerate(ranking):
                scores[str(option_id)] += size - 1 - place
        position = {o.id: i for i, o in enumerate(step.options)}
        ordered = sorted(scores, key=lambda o: (-scores[o], position.get(o, size)))
        most = max(1, (size - 1) * total)
        result.bars = [Bar(_label(step, o, language), scores[o], scores[o] / most) for o in ordered]
        result.order = [_label(step, o, language) for o in ordered]
    elif step.type == "revisit":
        before = {pid: r.value for r, pid in per_step.get(step.of or "", [])
                  if not r.skipped and r.value is not None}
        now = {pid: r.value for r, pid in rows if not r.skipped and r.value is not None}
        pairs = [(before[pid], now[pid]) for pid in now if pid in before]
        result.stayed = sum(a == b for a, b in pairs)
        result.moved = len(pairs) - result.stayed
        moves = Counter((_display(earlier, a, language), _display(earlier, b, language))
                        for a, b in pairs if a != b)
        result.changes = [(a, b, n) for (a, b), n in sorted(moves.items(), key=lambda i: (-i[1], i[0]))]
        if earlier is not None and earlier.type == "choice":
            result.bars = _bars([(_label(earlier, o.id, language), counts.get(o.id, 0))
                                 for o in earlier.options], total)
    return result


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def render_text(results: Results) -> str:
    """Plain text for the terminal."""
    out = [f"Results: {results.title} ({results.slug}), versions "
           f"{', '.join(map(str, results.versions))}",
           f"Residents who gave consent and answered: {results.participants}",
           "Answers from residents who withdrew (STOP) or never agreed are not counted.", ""]
    for step in results.steps:
        out.append(f"{step.step_id} ({step.type}): {step.question}")
        skipped = f", {step.skipped} skipped" if step.skipped else ""
        if step.suppressed:
            out.append(f"  {FEW}{skipped}" if step.answered else f"  no answers yet{skipped}")
            out.append("")
            continue
        out.append(f"  {step.answered} answers{skipped}")
        if step.type == "rank":
            out.append("  Order (Borda score: points for each place, first place most):")
            for number, bar in enumerate(step.bars, 1):
                out.append(f"    {number}. {bar.label}: {bar.count} points")
        elif step.type == "revisit":
            out.append(f"  Compared with '{step.of}': {step.stayed} stayed, {step.moved} changed")
            for before, after, count in step.changes:
                out.append(f"    {before} -> {after}: {count}")
            for bar in step.bars:
                out.append(f"    now {bar.label}: {bar.count} ({percent(bar.share)})")
        elif step.type in ("text", "why"):
            out.append("  Most recent answers:")
            out.extend(f"    - {sample}" for sample in step.samples)
        else:
            width = max((len(bar.label) for bar in step.bars), default=0)
            for bar in step.bars:
                out.append(f"    {bar.label.ljust(width)}  {str(bar.count).rjust(4)}  "
                           f"{percent(bar.share).rjust(4)}  {'#' * round(bar.share * 30)}")
            if step.median is not None:
                out.append(f"  Median: {step.median:g}")
        out.append("")
    return "\n".join(out)
