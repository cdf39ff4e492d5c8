"""Results of a campaign for the engagement team: what residents answered, step by step.

Whose answers count is defined once, in `bot.stages`: Agreed residents (consent given and not
withdrawn), each by their latest participation. A resident who said STOP has withdrawn, and
their answers are used nowhere. Every published version counts; steps and labels come from the
newest version, in the campaign's first language, and each step is titled by its `label`.

Small counts follow the one rule in `bot.reports.small_numbers`: a question fewer than 5 answered is
not shown at all; a count of 1 to 4 people is shown as "fewer than 5", without its share.
Open answers are a fair sample: chosen at random (the same each time), from the answers with
at least three letters, with phone numbers, email addresses and full postcodes masked
(`bot.privacy.screen`).
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.model import Campaign, Step
from bot.campaigns.population import population_from_dict
from bot.campaigns.versions import versions
from bot.privacy.screen import screen
from bot.reports.filtering import LEFT_OUT, AnswerFilter, left_out_too_few
from bot.reports.small_numbers import FEW, RULE, Shown, is_small, protect, shown, too_few
from bot.reports.step_titles import title, why_title
from bot.stages import AGREED, WHO_COUNTS, WITHDRAWN_RULE, counted
from bot.store.db import transaction
from bot.store.models import CampaignVersion, Response

SAMPLE = 6  # open answers shown per question
MIN_LETTERS = 3  # shorter answers ("1", "x", "ok") are counted but never quoted
NO_TRANSLATION = ("Open answers are shown as residents wrote them, with their language beside "
                  "them: machine translation is not available offline.")


@dataclass
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the answers counted for the step
    hidden: bool = False  # a count of people the small-number rule hides
    complement: bool = False  # hidden so a small count beside it cannot be worked out

    @property
    def shown(self) -> str:
        return Shown(self.count, self.hidden, self.complement).text

    @property
    def share_text(self) -> str:
        return "-" if self.hidden else percent(self.share)


@dataclass
class Quote:
    """One open answer as staff may read it: personal details masked."""

    text: str
    language: str
    masked: tuple[str, ...] = ()  # the kinds of personal details removed


@dataclass
class StepResult:
    step_id: str
    type: str
    title: str  # a short staff-facing title: the step's label
    question: str  # what residents were asked, in the campaign's first language
    answered: int = 0  # non-skipped answers
    skipped: int = 0
    bars: list[Bar] = field(default_factory=list)  # choice, scale, reflect, rank (Borda points)
    median: float | None = None  # scale
    order: list[str] = field(default_factory=list)  # rank: labels, highest Borda score first
    moved: int = 0  # revisit
    stayed: int = 0
    changes: list[tuple[str, str, Shown]] = field(default_factory=list)  # revisit: from, to
    samples: list[Quote] = field(default_factory=list)  # text and why: a fair sample
    quotable: int = 0  # text and why: answers long enough to quote
    postcode: bool = False  # a text step read as a postcode: counted by district in reach
    of: str | None = None
    of_title: str | None = None

    @property
    def suppressed(self) -> bool:
        return too_few(self.answered)

    @property
    def skipped_shown(self) -> Shown:
        return shown(self.skipped)

    @property
    def movement(self) -> tuple[Shown, Shown]:
        """A revisit's (stayed, moved) as shown: they add up to those who answered both
        times (about the number answered, which is shown), so a small one hides the other."""
        stayed, moved = protect([self.stayed, self.moved], self.stayed + self.moved)
        return stayed, moved


@dataclass
class Results:
    slug: str
    title: str
    language: str
    versions: list[int]
    agreed: int  # Agreed residents (bot.stages): only their answers count
    steps: list[StepResult]
    first_answer: datetime | None = None  # the fieldwork: first and last answer counted
    last_answer: datetime | None = None
    published: datetime | None = None  # the first version's publication
    status: str = "live"  # the newest version: live or closed
    languages: list[str] = field(default_factory=list)
    only: AnswerFilter | None = None  # the residents counted (None: every one)
    left_out: bool = False  # `only` leaves out 1 to 4 residents: nothing may be shown


def _campaign(session: Session, slug: str) -> tuple[Campaign, list[CampaignVersion]]:
    rows = versions(session, slug)
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
    """Bars of people: each small count hidden, by the one small-number rule."""
    cells = protect([count for _, count in counts], total)
    return [Bar(label, count, (count / total) if total else 0.0, cell.hidden, cell.complement)
            for (label, count), cell in zip(counts, cells, strict=True)]


def _postcode_steps(campaign: Campaign) -> set[str]:
    if not campaign.population:
        return set()
    try:
        population = population_from_dict(campaign.population)
    except (KeyError, TypeError, ValueError):
        return set()
    return {c.step for c in population.characteristics}


def collect(session: Session, slug: str, language: str | None = None,
            only: AnswerFilter | None = None) -> Results:
    """The results, worded in `language` (default: the campaign's first; the public page
    asks for each of the campaign's languages), of the residents `only` admits (default:
    every resident)."""
    campaign, rows = _campaign(session, slug)
    language = language if language in campaign.languages else campaign.default_language
    steps = _steps(rows)
    by_id = {step.id: step for step in steps}
    agreed = [participant.id for participant in counted(session, slug, only)]
    answers = (session.query(Response)
               .filter(Response.participant_id.in_(agreed))
               .order_by(Response.answered_at.desc(), Response.id.desc()).all())
    per_step: dict[str, list[tuple[Response, int]]] = {}
    for response in answers:
        per_step.setdefault(response.step_id, []).append((response, response.participant_id))
    about_you = _postcode_steps(campaign)

    results: list[StepResult] = []
    for step in steps:
        if step.type == "info":
            continue
        result = _step_result(step, per_step.get(step.id, []), by_id, per_step, language)
        if step.type == "text" and step.id in about_you:
            result.postcode, result.samples = True, []
        else:
            _sample(result, slug, per_step.get(step.id, []))
        results.append(result)
        if step.type == "choice" and step.why:
            why = StepResult(f"{step.id}.why", "why", why_title(step),
                             step.why.get(language) or next(iter(step.why.values())))
            _text_result(why, per_step.get(f"{step.id}.why", []))
            _sample(why, slug, per_step.get(f"{step.id}.why", []))
            results.append(why)
    if only is not None and only.active:
        _beside_everyone(results, collect(session, slug, language).steps)
    moments = [response.answered_at for response in answers]
    return Results(slug=slug, title=campaign.title.get(language, slug), language=language,
                   versions=[row.version for row in rows], agreed=len(agreed), steps=results,
                   first_answer=min(moments, default=None),
                   last_answer=max(moments, default=None), published=rows[0].published_at,
                   status=rows[-1].status, languages=list(campaign.languages), only=only,
                   left_out=left_out_too_few(session, [row.id for row in rows], only))


def _beside_everyone(steps: list[StepResult], everyone: list[StepResult]) -> None:
    """Filtered bars, beside the same bars for every resident: where the difference (the
    residents the filter leaves out) is 1 to 4 people, the filtered count would point to
    them, so it is hidden too, with whatever it could be worked out from."""
    whole = {step.step_id: step for step in everyone}
    for step in steps:
        other = whole.get(step.step_id)
        if step.suppressed or step.type == "rank" or other is None or not step.bars or \
                [bar.label for bar in other.bars] != [bar.label for bar in step.bars]:
            continue
        sensitive = [number for number, (mine, all_) in enumerate(zip(step.bars, other.bars,
                                                                      strict=True))
                     if is_small(all_.count - mine.count)]
        if not sensitive:
            continue
        cells = protect([bar.count for bar in step.bars], step.answered, sensitive)
        for bar, cell in zip(step.bars, cells, strict=True):
            bar.hidden, bar.complement = cell.hidden, cell.complement


def _given(rows: list[tuple[Response, int]]) -> list[Response]:
    return [r for r, _ in rows if not r.skipped and r.value not in (None, "")]


def _text_result(result: StepResult, rows: list[tuple[Response, int]]) -> None:
    given = _given(rows)
    result.answered, result.skipped = len(given), len(rows) - len(given)


def quotable(text: str) -> bool:
    """Long enough to say something: at least three letters ("1", "x" and "ok" are not)."""
    return sum(char.isalpha() for char in text) >= MIN_LETTERS


def _sample(result: StepResult, slug: str, rows: list[tuple[Response, int]]) -> None:
    """A fair sample of open answers: at random among those worth quoting, the same sample
    each time (seeded by campaign and step), not the latest; personal details masked."""
    if result.type not in ("text", "why"):
        return
    candidates = sorted((r for r in _given(rows) if quotable(str(r.value))), key=lambda r: r.id)
    result.quotable = len(candidates)
    if result.suppressed:
        return
    chosen = random.Random(f"{slug}/{result.step_id}").sample(
        candidates, min(SAMPLE, len(candidates)))
    for response in chosen:
        screened = screen(str(response.value))
        result.samples.append(Quote(screened.text, response.language, screened.found))


def _step_result(step: Step, rows: list[tuple[Response, int]], by_id: dict[str, Step],
                 per_step: dict[str, list[tuple[Response, int]]], language: str) -> StepResult:
    question = step.text.get(language) or next(iter(step.text.values()))
    earlier = by_id.get(step.of or "")
    if step.type == "reflect":
        question = f"{question} Does this change your view?"
    if step.type == "revisit" and earlier is not None:
        question = f"{question} {earlier.text.get(language) or next(iter(earlier.text.values()))}"
    result = StepResult(step.id, step.type, title(step), question, of=step.of,
                        of_title=title(earlier) if earlier is not None else step.of)
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
        most = sum(scores.values()) or 1
        # Points, not people: never hidden one by one (the question is, below 5 answers).
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
        ordered_moves = sorted(moves.items(), key=lambda i: (-i[1], i[0]))
        cells = protect([n for _, n in ordered_moves], result.moved)
        result.changes = [(a, b, cell) for ((a, b), _), cell in zip(ordered_moves, cells, strict=True)]
        if earlier is not None and earlier.type == "choice":
            result.bars = _bars([(_label(earlier, o.id, language), counts.get(o.id, 0))
                                 for o in earlier.options], total)
    return result


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def _answers_line(step: StepResult) -> str:
    skipped = f", {step.skipped_shown.text} skipped" if step.skipped else ""
    if step.suppressed:
        return (f"  {FEW} answers{skipped}: not shown (small numbers could identify people)"
                if step.answered else f"  no answers yet{skipped}")
    return f"  {step.answered} answers{skipped}"


def render_text(results: Results) -> str:
    """Plain text for the terminal."""
    out = [f"Results: {results.title} ({results.slug}), versions "
           f"{', '.join(map(str, results.versions))}",
           f"{AGREED.name}: {shown(results.agreed).text} residents ({AGREED.meaning})",
           f"{WHO_COUNTS} {WITHDRAWN_RULE}", RULE, ""]
    if results.only is not None and results.only.active:
        out.insert(1, f"Who: {results.only.words()}.")
    if results.left_out:
        out[2 if results.only is not None and results.only.active else 1] = \
            f"{AGREED.name}: not shown"
        return "\n".join(out + [LEFT_OUT])
    for step in results.steps:
        out.append(f"{step.title}: {step.question}")
        out.append(_answers_line(step))
        if step.suppressed:
            out.append("")
            continue
        if step.type == "rank":
            out.append("  Order (Borda score: points for each place, first place most):")
            for number, bar in enumerate(step.bars, 1):
                out.append(f"    {number}. {bar.label}: {bar.count} points")
        elif step.type == "revisit":
            stayed, moved = step.movement
            out.append(f"  Compared with \"{step.of_title}\": {stayed.text} stayed, "
                       f"{moved.text} changed")
            for before, after, cell in step.changes:
                out.append(f"    {before} -> {after}: {cell.text}")
            for bar in step.bars:
                out.append(f"    now {bar.label}: {bar.shown} ({bar.share_text})")
        elif step.postcode:
            out.append("  Counted by postcode district in `engage campaign reach`.")
        elif step.type in ("text", "why"):
            out.append(f"  A fair sample of {len(step.samples)} of the {step.quotable} answers "
                       f"with at least {MIN_LETTERS} letters (at random, the same each time):")
            out.extend(f"    - [{quote.language}] {quote.text}" for quote in step.samples)
        else:
            width = max((len(bar.label) for bar in step.bars), default=0)
            for bar in step.bars:
                out.append(f"    {bar.label.ljust(width)}  {bar.shown.rjust(12)}  "
                           f"{bar.share_text.rjust(4)}  "
                           f"{'' if bar.hidden else '#' * round(bar.share * 30)}".rstrip())
            if step.median is not None:
                out.append(f"  Median: {step.median:g}")
        out.append("")
    if any(step.samples for step in results.steps):
        out.append(NO_TRANSLATION)
        out.append("Phone numbers, email addresses and full postcodes in answers are masked.")
    return "\n".join(out)


def campaign_results(sessions: sessionmaker, slug: str,
                     only: AnswerFilter | None = None) -> Results:
    """`engage results`: what Agreed residents answered (those `only` admits), step by
    step. Raises UnknownCampaign."""
    with transaction(sessions) as session:
        return collect(session, slug.strip(), only=only)
