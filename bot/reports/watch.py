"""Watching a campaign's results as answers arrive: everything the console's results pages
show, in one read. The figures are the report's own (funnel, reach, results: `bot.stages`
and `bot.reports.small_numbers`), narrowed by one `AnswerFilter`; nothing here counts
anything of its own.

- `campaign_lines`: every published campaign with its headline counts, for the list;
- `campaign_watch`: one campaign's funnel (stages, question by question with the drop,
  where those part-way have got to), reach and results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from bot.campaigns.model import Campaign
from bot.campaigns.versions import version_ids, versions
from bot.errors import NoPopulation
from bot.reports import funnel as funnel_module
from bot.reports import reach as reach_module
from bot.reports import results as results_module
from bot.reports.filtering import EVERYONE, AnswerFilter, left_out_too_few
from bot.reports.small_numbers import Shown, protect, shown
from bot.stages import AGREED, FINISHED, STAGES, STARTED, Stage, latest_participations, stages_of
from bot.store.db import transaction
from bot.store.models import CampaignVersion

HEADLINE: tuple[Stage, ...] = (STARTED, AGREED, FINISHED)


@dataclass(frozen=True)
class CampaignLine:
    slug: str
    title: str
    status: str  # live or closed
    counts: list[tuple[Stage, Shown]]


@dataclass
class Watch:
    slug: str
    title: str
    status: str
    languages: list[str]
    only: AnswerFilter
    left_out: bool  # the filter leaves out 1 to 4 residents: no figures are shown
    stages: list[tuple[Stage, Shown]] = field(default_factory=list)
    funnel: funnel_module.Funnel | None = None
    agreed: Shown | None = None
    steps: list[funnel_module.StepCount] = field(default_factory=list)
    waiting: list[tuple[str, Shown]] = field(default_factory=list)
    reach: reach_module.Reach | None = None
    no_reach: str | None = None
    results: results_module.Results | None = None
    made_at: datetime | None = None


def campaign_lines(sessions: sessionmaker) -> list[CampaignLine]:
    """Every published campaign, live ones first, with Started, Agreed and Finished (each
    hidden when it could point to a resident)."""
    with transaction(sessions) as session:
        slugs = sorted({slug for (slug,) in session.query(CampaignVersion.slug).distinct()})
        lines = []
        for slug in slugs:
            rows = versions(session, slug)
            campaign = Campaign.from_dict(rows[-1].definition)
            totals: dict[str, int] = {}
            for participant in latest_participations(session, [row.id for row in rows]):
                for key in stages_of(participant.consent, participant.status,
                                     participant.last_message_at):
                    totals[key] = totals.get(key, 0) + 1
            lines.append(CampaignLine(
                slug, campaign.title.get(campaign.default_language, slug), rows[-1].status,
                [(stage, shown(totals.get(stage.key, 0))) for stage in HEADLINE]))
    return sorted(lines, key=lambda line: (line.status != "live", line.slug))


def campaign_watch(sessions: sessionmaker, slug: str, only: AnswerFilter = EVERYONE,
                   now: datetime | None = None) -> Watch:
    """One campaign's figures, of the residents `only` admits. Raises UnknownCampaign."""
    with transaction(sessions) as session:
        slug = slug.strip()
        rows = versions(session, slug)
        campaign = Campaign.from_dict(rows[-1].definition)
        found = Watch(slug, campaign.title.get(campaign.default_language, slug),
                      rows[-1].status, list(campaign.languages), only,
                      left_out_too_few(session, version_ids(session, slug), only), made_at=now)
        if found.left_out:
            return found
        found.funnel = funnel_module.collect(session, slug, only)
        found.stages = [(stage, shown(found.funnel.totals.get(stage.key, 0)))
                        for stage in STAGES]
        found.agreed, found.steps = funnel_module.step_counts(session, slug, only)
        places = found.funnel.waiting_at
        cells = protect([count for _, count in places], sum(count for _, count in places))
        found.waiting = [(where, cell) for (where, _), cell in zip(places, cells, strict=True)]
        try:
            found.reach = reach_module.collect(session, slug, only=only)
        except NoPopulation:
            found.no_reach = ("The campaign file does not say whom the campaign wants to hear "
                              "from (its population: block), so there is nothing to compare "
                              "with.")
        found.results = results_module.collect(session, slug, only=only)
    return found
