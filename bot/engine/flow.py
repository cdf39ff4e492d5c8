"""Which step comes next: conditions are checked here, and nothing else."""

from __future__ import annotations

from typing import Any

from bot.campaigns.model import Campaign, Step


def applies(step: Step, answers: dict[str, Any]) -> bool:
    """Whether to ask a step, given the answers so far.

    A step whose condition does not hold is left out silently; so is a reflect or revisit
    step whose earlier question was never asked (there is nothing to reflect on).
    """
    if step.when is not None and not step.when.holds(answers.get(step.when.step)):
        return False
    if step.type in ("reflect", "revisit") and step.of not in answers:
        return False
    return True


def next_step(campaign: Campaign, after: str | None, answers: dict[str, Any]) -> Step | None:
    """The first step after `after` (or the first of all) that applies; None at the end."""
    start = 0 if after is None else campaign.index(after) + 1
    for step in campaign.steps[start:]:
        if applies(step, answers):
            return step
    return None


def answer_type(campaign: Campaign, step: Step) -> str:
    """How a step's reply is read: a revisit is read like the step it asks again."""
    if step.type == "revisit" and step.of is not None:
        return campaign.step(step.of).type
    return step.type
