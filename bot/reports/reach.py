"""Who a campaign is hearing from, against the target population it declares.

For each characteristic in the campaign's `population:` block (age, ethnic group, postcode
district, ...), the residents who agreed to take part are counted by their answer to the
"about you" step that asks it, across every published version of the campaign. A resident who
said STOP has withdrawn consent and an erased resident is gone, so neither counts.

Shares are of those who answered; "Prefer not to say" and "not given" (skipped, unreadable, or
not reached yet) are shown apart. Who counts ("Agreed") is defined once, in `bot.stages`; small
counts follow the one rule in `bot.reports.small_numbers` ("fewer than 5", with no share or gap).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.model import Campaign, Step
from bot.campaigns.population import (
    OTHER_DISTRICT,
    PREFER_NOT,
    Characteristic,
    population_from_dict,
    postcode_district,
)
from bot.campaigns.versions import versions
from bot.errors import NoPopulation
from bot.reports.csvcells import safe_writer
from bot.reports.filtering import AnswerFilter
from bot.reports.small_numbers import FEW, RULE, THRESHOLD, Shown, protect_table, too_few
from bot.reports.small_numbers import text as people
from bot.stages import AGREED, WHO_COUNTS, WITHDRAWN_RULE, counted
from bot.store.db import transaction
from bot.store.models import CampaignVersion, Response

UNDER_HEARD = 0.8  # a group is under-heard when its share is below this part of its target
FLAG = "hearing less from"
HOW_TO_ADD = (
    "Add a `population:` block to the campaign file, naming for each characteristic the "
    "\"about you\" step that asks it and the target shares, e.g.\n"
    "  population:\n"
    "    source: \"ONS Census 2021, Cardiff\"\n"
    "    age: {step: about_age, shares: {\"16-24\": 0.20, \"25-34\": 0.19, ...}}\n"
    "then check and publish it again (engage campaign check / publish). "
    "See docs/campaign-format.md, \"Who you are hearing from\".")


@dataclass
class Group:
    """One group of a characteristic: its target share and how many we heard from."""

    key: str
    label: str
    target: float | None  # None: a group the population block does not list
    count: int = 0
    share: float | None = None  # of those who answered (excluding prefer-not and not-given)
    hidden: bool = False  # the small-number rule hides its count (bot.reports.small_numbers.protect)
    text: str = ""  # its count as shown: the number, "fewer than 5" or "not shown"

    @property
    def small(self) -> bool:
        return self.hidden

    @property
    def gap(self) -> float | None:
        """Share minus target, in percentage points."""
        if self.share is None or self.target is None:
            return None
        return (self.share - self.target) * 100

    @property
    def under_heard(self) -> bool:
        return bool(self.target) and self.share is not None and \
            self.share < UNDER_HEARD * (self.target or 0)


@dataclass
class CharacteristicReach:
    name: str
    label: str
    step_id: str
    question: str
    groups: list[Group] = field(default_factory=list)
    answered: int = 0
    prefer_not: int = 0
    not_given: int = 0
    postcode: bool = False  # a text step read as a postcode: SKIP is how to prefer not to say
    # answered, prefer_not, not_given as shown: they add up to the Agreed residents, so one
    # may be hidden to keep a small one from being worked out (complementary suppression)
    shown_counts: dict[str, Shown] = field(default_factory=dict)

    def people(self, name: str) -> str:
        return self.shown_counts[name].text


@dataclass
class Reach:
    slug: str
    title: str
    source: str | None
    participants: int  # Agreed residents (bot.stages), any version
    characteristics: list[CharacteristicReach]


def _versions(session: Session, slug: str) -> list[CampaignVersion]:
    return versions(session, slug)


def _find_step(campaigns: list[Campaign], step_id: str) -> Step | None:
    """The step in the newest version that has it."""
    for campaign in reversed(campaigns):
        for step in campaign.steps:
            if step.id == step_id:
                return step
    return None


def _words(text: dict[str, str] | None, language: str, fallback: str) -> str:
    if not text:
        return fallback
    return text.get(language) or next(iter(text.values()), fallback)


def _latest_answers(session: Session, slug: str, step_ids: list[str],
                    only: AnswerFilter | None = None
                    ) -> tuple[int, dict[str, dict[str, Response]]]:
    """(Agreed residents `only` admits, step id -> pseudonym -> their answer to it)."""
    agreed = {participant.id: participant.pseudonym
              for participant in counted(session, slug, only)}
    rows = (session.query(Response)
            .filter(Response.participant_id.in_(list(agreed)), Response.step_id.in_(step_ids))
            .order_by(Response.answered_at, Response.id).all())
    latest: dict[str, dict[str, Response]] = {step_id: {} for step_id in step_ids}
    for response in rows:
        latest[response.step_id][agreed[response.participant_id]] = response
    return len(agreed), latest


def _group_of(step: Step | None, response: Response, shares: dict[str, float]) -> str | None:
    """The group key of an answer; PREFER_NOT; or None when it is not given."""
    if response.skipped or response.value in (None, ""):
        return None
    if step is not None and step.type == "text":
        district = postcode_district(str(response.value))
        if district is None:
            return None
        return district if district in shares else OTHER_DISTRICT
    return str(response.value)


def _measure(characteristic: Characteristic, step: Step | None, answers: dict[str, Response],
             consenting: int, language: str) -> CharacteristicReach:
    question = _words(step.text if step else None, language, characteristic.step)
    postcode = step is not None and step.type == "text"
    result = CharacteristicReach(characteristic.name, characteristic.label, characteristic.step,
                                 question, postcode=postcode)
    groups: dict[str, Group] = {}
    for key, target in characteristic.shares.items():
        groups[key] = Group(key, _label(step, key, language, postcode), target)
    for response in answers.values():
        key = _group_of(step, response, characteristic.shares)
        if key is None:
            continue
        if key == PREFER_NOT:
            result.prefer_not += 1
            continue
        if key not in groups:  # an option no longer in the population block
            groups[key] = Group(key, _label(step, key, language, postcode), None)
        groups[key].count += 1
        result.answered += 1
    if postcode and OTHER_DISTRICT not in groups:
        groups[OTHER_DISTRICT] = Group(OTHER_DISTRICT, _label(step, OTHER_DISTRICT, language,
                                                              True), None)
    result.not_given = consenting - result.answered - result.prefer_not
    for group in groups.values():
        group.share = group.count / result.answered if result.answered else None
    result.groups = list(groups.values())
    if postcode and not groups[OTHER_DISTRICT].count and groups[OTHER_DISTRICT].target is None:
        result.groups.remove(groups[OTHER_DISTRICT])
    _protect(result, consenting)
    return result


def _protect(result: CharacteristicReach, consenting: int) -> None:
    """Hide small counts, and any count a small one could be worked out from: the groups add
    up to those who answered, and answered, preferred not to say and not given add up to the
    Agreed residents shown at the top."""
    cells: dict[Any, int] = {("group", n): g.count for n, g in enumerate(result.groups)}
    cells.update(answered=result.answered, prefer_not=result.prefer_not,
                 not_given=result.not_given, agreed=consenting)
    sums = [("agreed", ["answered", "prefer_not", "not_given"]),
            ("answered", [("group", n) for n in range(len(result.groups))])]
    shown = protect_table(cells, sums, fixed=["agreed"])
    for number, group in enumerate(result.groups):
        cell = shown[("group", number)]
        group.hidden, group.text = cell.hidden, cell.text
    result.shown_counts = {name: shown[name] for name in ("answered", "prefer_not", "not_given")}


def _label(step: Step | None, key: str, language: str, postcode: bool) -> str:
    if postcode:
        return "Other districts" if key == OTHER_DISTRICT else key
    if step is not None:
        for option in step.options:
            if option.id == key:
                return _words(option.text, language, key)
    return key


def collect(session: Session, slug: str, language: str | None = None,
            only: AnswerFilter | None = None) -> Reach:
    """The reach of every characteristic the newest version declares, worded in `language`
    (default: the campaign's first), among the residents `only` admits (default: every
    resident). Raises UnknownCampaign or NoPopulation."""
    rows = _versions(session, slug)
    campaigns = [Campaign.from_dict(row.definition) for row in rows]
    newest = campaigns[-1]
    if not newest.population:
        raise NoPopulation(f"{slug} does not say whom it wants to hear from, so there is "
                           f"nothing to compare with.\n{HOW_TO_ADD}")
    population = population_from_dict(newest.population)
    language = language if language in newest.languages else newest.default_language
    steps = [c.step for c in population.characteristics]
    consenting, latest = _latest_answers(session, slug, steps, only)
    measured = [_measure(c, _find_step(campaigns, c.step), latest[c.step], consenting, language)
                for c in population.characteristics]
    return Reach(slug, newest.title.get(language, slug), population.source, consenting, measured)


# -- showing it ---------------------------------------------------------------------------

def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def shown_group(group: Group, item: CharacteristicReach) -> tuple[str, str, str]:
    """(people, share, gap) for a group; share and gap hidden for small counts, and for
    every group of a question too few answered."""
    if group.small:
        return group.text or FEW, "-", "-"
    if too_few(item.answered) or item.shown_counts["answered"].hidden:
        return str(group.count), "-", "-"  # a share of a hidden total would give it away
    gap = group.gap
    return str(group.count), percent(group.share), "-" if gap is None else f"{gap:+.0f} pts"


def render_text(reach: Reach) -> str:
    lines = [f"Who {reach.slug} is hearing from: {reach.title}",
             f"Compared with: {reach.source or 'the target shares in the campaign file'}",
             f"{AGREED.name}: {people(reach.participants)} residents ({AGREED.meaning})",
             f"{WHO_COUNTS} {WITHDRAWN_RULE}", ""]
    if too_few(reach.participants):
        lines.append(f"Fewer than {THRESHOLD} residents have agreed to take part so far, so "
                     "there is nothing to show yet (small numbers could identify people).")
        return "\n".join(lines)
    width = max([len(g.label) for c in reach.characteristics for g in c.groups] +
                [len("Prefer not to say"), 10]) + 2
    for item in reach.characteristics:
        lines.append(f"{item.label} (asked: \"{item.question}\")")
        if item.postcode:
            lines.append(f"  answered: {item.people('answered')}, not given (skipped, not a "
                         f"postcode, or not reached yet): {item.people('not_given')}")
        else:
            lines.append(f"  answered: {item.people('answered')}, preferred not to say: "
                         f"{item.people('prefer_not')}, not given (skipped or not reached "
                         f"yet): {item.people('not_given')}")
        lines.append(f"  {'group':<{width}}{'target':>7}  {'people':<13}{'share':>6}  "
                     f"{'gap':>8}")
        for group in item.groups:
            count, share, gap = shown_group(group, item)
            flag = f"  {FLAG}" if not too_few(item.answered) and group.under_heard else ""
            lines.append(f"  {group.label:<{width}}{percent(group.target):>7}  {count:<13}"
                         f"{share:>6}  {gap:>8}{flag}".rstrip())
        if too_few(item.answered):
            lines.append(f"  Fewer than {THRESHOLD} residents answered this, so shares are not "
                         "shown yet.")
        under = [g.label for g in item.groups if not too_few(item.answered) and g.under_heard]
        if under:
            lines.append(f"  We are hearing less from: {', '.join(under)}.")
        lines.append("")
    lines += ["Share: of those who answered. Gap: share minus target, in percentage points.",
              f"\"{FLAG}\": the share is below {UNDER_HEARD:.0%} of the target.",
              RULE]
    return "\n".join(lines)


def render_csv(reach: Reach) -> str:
    out = io.StringIO()
    writer = safe_writer(out, lineterminator="\n")
    writer.writerow(["characteristic", "step", "group", "label", "target_share", "people",
                     "share", "gap_points", "flag"])
    for item in reach.characteristics:
        for group in item.groups:
            hidden = group.small or too_few(item.answered) or \
                item.shown_counts["answered"].hidden
            row: list[Any] = [
                item.name, item.step_id, group.key, group.label,
                "" if group.target is None else f"{group.target:.4g}",
                group.text if group.small else str(group.count),
                "" if hidden or group.share is None else f"{group.share:.4f}",
                "" if hidden or group.gap is None else f"{group.gap:.1f}",
                FLAG if not too_few(item.answered) and group.under_heard else ""]
            writer.writerow(row)
        apart = [("not_given", "Not given", item.people("not_given"))]
        if not item.postcode:
            apart.insert(0, (PREFER_NOT, "Prefer not to say", item.people("prefer_not")))
        for key, label, count in apart:
            writer.writerow([item.name, item.step_id, key, label, "", count, "", "", ""])
    return out.getvalue()


def campaign_reach(sessions: sessionmaker, slug: str,
                   only: AnswerFilter | None = None) -> Reach:
    """`engage campaign reach`: who the campaign hears from against its population (among
    the residents `only` admits). Raises UnknownCampaign or NoPopulation."""
    with transaction(sessions) as session:
        return collect(session, slug.strip(), only=only)
