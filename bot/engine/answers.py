"""Reading a reply as the answer to one step, whatever its type (a revisit reads like the
step it asks again). Returns the value to store, or None when the reply is not an answer."""

from __future__ import annotations

from typing import Any

from bot.campaigns.model import Campaign, Step
from bot.engine.flow import answer_type
from bot.engine.parsing import (
    leading_yes_no,
    parse_choice,
    parse_number,
    parse_rank,
    parse_scale,
    parse_yes_no,
)


def read_reflect(text: str, loose: bool = False) -> str | None:
    """"1"/"2" as listed, or a yes/no word in any language (the listed labels are among them);
    loosely, a reply that starts with one ("no, I still take the bus", "yes a bit")."""
    number = parse_number(text)
    if number in (1, 2):
        return "yes" if number == 1 else "no"
    decision = parse_yes_no(text)
    if decision is None and loose:
        decision = leading_yes_no(text)
    return None if decision is None else ("yes" if decision else "no")


def read_answer(campaign: Campaign, step: Step, text: str, language: str, loose: bool) -> Any:
    """The stored value for a choice, scale, rank, reflect or revisit step, or None."""
    kind = answer_type(campaign, step)
    asked = campaign.step(step.of) if step.type == "revisit" and step.of else step
    languages = [language, *(code for code in campaign.languages if code != language)]
    if kind == "choice":
        return parse_choice(text, asked.options, languages, loose)
    if kind == "scale":
        return parse_scale(text, asked, languages, loose)
    if kind == "rank":
        return parse_rank(text, asked.options, languages)
    if kind == "reflect":
        return read_reflect(text, loose)
    return None
