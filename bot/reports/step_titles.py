"""Short staff-facing titles for campaign steps: the step's `label` from the campaign file,
or, when it has none, its id in plain words ("travel_mode" -> "Travel mode"). Headings,
tables and the place residents have got to use these, never the raw prompt or the id."""

from __future__ import annotations

from bot.campaigns.model import Step


def title(step: Step) -> str:
    if step.label:
        return step.label
    words = step.id.replace("_", " ").replace("-", " ").split()
    if not words:
        return step.id
    text = " ".join(words)
    return text[0].upper() + text[1:]


def why_title(step: Step) -> str:
    """The title of a choice step's "why?" follow-up."""
    return f"{title(step)}: why"
