"""The funnel of a campaign: who was invited, reached, started, agreed, finished or left, and
where those still part-way have got to. Counts only, never pseudonyms.

The residents' stages (from "started" on) are defined once, in `bot.stages`, and counted
here the same way as in results, reach and exports: each resident once, by their latest
participation in the campaign. An invited resident who has not replied is not "started".

Invitations (queued, sent, delivered, failed, with reasons) come from bot.launch.status."""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.model import Campaign, Step
from bot.campaigns.versions import versions
from bot.launch.status import InvitationCounts, invitation_counts, invitation_lines
from bot.reports import staff_words
from bot.reports.filtering import AnswerFilter
from bot.reports.small_numbers import Shown, protect_table
from bot.reports.step_titles import title, why_title
from bot.stages import (
    DECIDING,
    STAGES,
    WHO_COUNTS,
    counted,
    latest_participations,
    stages_of,
)
from bot.store.db import transaction
from bot.store.models import CampaignVersion, Participant, Response

WAITING = {"choosing_language": "choosing a language", "awaiting_consent": "deciding on consent"}


@dataclass
class Funnel:
    slug: str
    title: str
    versions: list[int]
    invitations: InvitationCounts = field(default_factory=InvitationCounts)
    totals: Counter = field(default_factory=Counter)
    by_channel: dict[str, Counter] = field(default_factory=dict)
    by_language: dict[str, Counter] = field(default_factory=dict)
    waiting_at: list[tuple[str, int]] = field(default_factory=list)  # where, how many
    follow_up: object | None = None  # bot.deliberation.follow_up.Counts, with follow_up: true


def collect(session: Session, slug: str, only: AnswerFilter | None = None) -> Funnel:
    """The funnel of the residents `only` admits (default: every resident). Invitations
    are counted without the filter: they are made before anyone has a channel of their own
    or a language."""
    rows = versions(session, slug)
    campaign = Campaign.from_dict(rows[-1].definition)
    ids = [row.id for row in rows]
    funnel = Funnel(slug=slug, title=campaign.title.get(campaign.default_language, slug),
                    versions=[row.version for row in rows])
    funnel.invitations = invitation_counts(session, ids)
    steps = _steps(rows)
    order = {step_id: number for number, step_id in enumerate(steps)}
    waiting: Counter = Counter()
    for participant in latest_participations(session, ids, only):
        stages = stages_of(participant.consent, participant.status, participant.last_message_at)
        if not stages:
            continue  # invited, has not replied: counted with the invitations above
        funnel.totals.update(stages)
        funnel.by_channel.setdefault(participant.channel, Counter()).update(stages)
        funnel.by_language.setdefault(participant.language, Counter()).update(stages)
        if participant.status == "in_progress":
            waiting[_where(participant)] += 1
    places = sorted(waiting.items(), key=lambda item: _place(item[0], order))
    funnel.waiting_at = [(_words(where, steps), count) for where, count in places]
    if campaign.follow_up and (only is None or not only.active):
        from bot.deliberation.follow_up import counts

        funnel.follow_up = counts(session, slug)
    return funnel


@dataclass(frozen=True)
class StepCount:
    """How many Agreed residents got to a question (answered or skipped it), and how many
    fewer than the question before (None: more got here, a question asked only of some
    residents came before it). Both as staff may see them (bot.reports.small_numbers)."""

    step_id: str
    title: str
    reached: Shown
    dropped: Shown | None


def step_counts(session: Session, slug: str, only: AnswerFilter | None = None
                ) -> tuple[Shown, list[StepCount]]:
    """The funnel question by question: (Agreed residents `only` admits, each question of
    the newest version in order, with how many got to it and the drop from the one before).
    A question asked only of some (`when:`) can be reached by fewer than the next one.
    Each count that could point to a resident is hidden, and so is any count it could be
    worked out from (every drop is the count before minus the count after)."""
    rows = versions(session, slug)
    steps = [step for step in Campaign.from_dict(rows[-1].definition).steps
             if step.type != "info"]
    agreed = [participant.id for participant in counted(session, slug, only)]
    reached: Counter = Counter()
    if agreed:
        for step_id, in (session.query(Response.step_id)
                         .filter(Response.participant_id.in_(agreed))):
            reached[step_id] += 1
    cells: dict = {"agreed": len(agreed)}
    sums: list = []
    before = "agreed"
    for step in steps:
        cells[step.id] = reached[step.id]
        drop = cells[before] - cells[step.id]
        if drop >= 0:
            cells[("drop", step.id)] = drop
            sums.append((before, [step.id, ("drop", step.id)]))
        before = step.id
    shown_cells = protect_table(cells, sums, fixed=["agreed"])
    found = [StepCount(step.id, title(step), shown_cells[step.id],
                       shown_cells.get(("drop", step.id))) for step in steps]
    return shown_cells["agreed"], found


def _steps(rows: list[CampaignVersion]) -> dict[str, Step]:
    """Every step id of every version, in the newest version's order, with its newest step."""
    steps: dict[str, Step] = {}
    for row in reversed(rows):
        for step in Campaign.from_dict(row.definition).steps:
            steps.setdefault(step.id, step)
    return steps


def _where(participant: Participant) -> str:
    state = participant.state or {}
    phase = state.get("phase") or participant.phase
    if phase in WAITING:
        return phase
    step = state.get("step_id") or "?"
    return f"{step}.why" if phase == "awaiting_why" else step


def _place(where: str, order: dict[str, int]) -> tuple[int, int]:
    if where == "choosing_language":
        return (-2, 0)
    if where == "awaiting_consent":
        return (-1, 0)
    return (order.get(where.split(".")[0], len(order)), where.endswith(".why"))


def _words(where: str, steps: dict[str, Step]) -> str:
    """A place in staff words: the step's title, never its id."""
    if where in WAITING:
        return WAITING[where]
    step = steps.get(where.split(".")[0])
    if step is None:
        return "a question no longer in the campaign"
    return why_title(step) if where.endswith(".why") else title(step)


def stage_lines(totals: Counter, indent: str = "  ") -> list[str]:
    """The stages with their counts, each inside the one above it, then what each means."""
    width = max(len(stage.name) + 2 * stage.depth for stage in STAGES)
    lines = [f"{indent}{'  ' * stage.depth}{stage.name}".ljust(width + len(indent))
             + f"  {str(totals.get(stage.key, 0)).rjust(5)}" for stage in STAGES]
    lines += ["", f"{indent}What these mean:"]
    for text in [stage.definition for stage in STAGES] + [WHO_COUNTS]:
        lines += textwrap.wrap(text, 96, initial_indent=f"{indent}  ",
                               subsequent_indent=f"{indent}    ")
    return lines


def _table(title_: str, groups: dict[str, Counter], name) -> list[str]:
    out = ["", title_]
    if not groups:
        return out + ["  nobody yet"]
    codes = sorted(groups)
    names = [name(code) for code in codes]
    width = max(len(n) for n in names) + 2
    first = max(len(stage.name) + 2 * stage.depth for stage in STAGES) + 2
    out.append("  " + "".ljust(first) + "".join(n.rjust(width) for n in names))
    for stage in STAGES:
        out.append("  " + f"{'  ' * stage.depth}{stage.name}".ljust(first)
                   + "".join(str(groups[c].get(stage.key, 0)).rjust(width) for c in codes))
    return out


def render_text(funnel: Funnel) -> str:
    out = [f"Status: {funnel.title} ({funnel.slug}), versions "
           f"{', '.join(map(str, funnel.versions))}", ""]
    out += invitation_lines(funnel.invitations)
    out += ["", "Residents"]
    out += stage_lines(funnel.totals)
    out += _table("By channel", funnel.by_channel, staff_words.channel)
    out += _table("By language", funnel.by_language, staff_words.language)
    out += ["", f"Where residents still part-way have got to ({DECIDING.name} and still "
                "answering)"]
    if not funnel.waiting_at:
        out.append("  nobody is part-way")
    for where, count in funnel.waiting_at:
        out.append(f"  {str(count).rjust(5)}  {where}")
    if funnel.follow_up is not None:
        from bot.deliberation.follow_up import count_lines

        out += count_lines(funnel.follow_up)
    return "\n".join(out)


def campaign_status(sessions: sessionmaker, slug: str,
                    only: AnswerFilter | None = None) -> Funnel:
    """`engage campaign status`: the funnel of every version of `slug` (of the residents
    `only` admits). Raises UnknownCampaign."""
    with transaction(sessions) as session:
        return collect(session, slug.strip(), only)
