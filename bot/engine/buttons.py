"""Buttons for the question a resident must answer now, and reading a tapped button back.

A button's label is what the resident could type: numbered menus keep their number first
("1 Bus", "2 Cymraeg", "5 Strongly agree"), yes/no and go-on steps use the words the
message asks for ("Yes"/"No", "Ie"/"Na", "OK"/"More"). A channel that shows them sends the
label's text back when tapped, and `tapped` turns it into the reply the engine already reads:
the number alone for a numbered button, the word itself otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.campaigns.model import Campaign, Step
from bot.engine.flow import answer_type
from bot.engine.outcome import Context
from bot.engine.phrases import phrase
from bot.engine.prompts import has_results, menu_languages, switch_options
from bot.engine.state import ASKS_BEFORE_SWITCHING, ParticipantState, Phase
from bot.language import endonym
from bot.text import fold

MAX_SCALE_BUTTONS = 10  # a longer scale is typed, not tapped


@dataclass(frozen=True)
class Button:
    """What the resident sees, and what the engine reads when it is tapped."""

    label: str
    reply: str
    numbered: bool = False


def _numbered(labels: Sequence[str], numbers: Sequence[int] | None = None) -> list[Button]:
    numbers = numbers if numbers is not None else range(1, len(labels) + 1)
    return [Button(" ".join(part for part in (str(number), " ".join(label.split())) if part),
                   str(number), numbered=True)
            for number, label in zip(numbers, labels, strict=True)]


def _words(*labels: str) -> list[Button]:
    return [Button(label, label) for label in labels]


def _scale(step: Step, language: str) -> list[Button]:
    low = step.min if step.min is not None else 1
    high = step.max if step.max is not None else 5
    points = range(low, high + 1)
    if len(points) > MAX_SCALE_BUTTONS:
        return []
    return _numbered([step.labels[point][language] if point in step.labels else ""
                      for point in points], points)


def _step(campaign: Campaign, step: Step, state: ParticipantState,
          context: Context) -> list[Button]:
    language = state.language
    if step.type == "info" or (step.type == "reflect" and
                               not has_results(campaign, step, context)):
        if step.more and not state.detail_shown:
            return _words(phrase("button_ok", language), phrase("button_more", language))
        return _words(phrase("button_ok", language))
    kind = answer_type(campaign, step)
    asked = campaign.step(step.of) if step.type == "revisit" and step.of else step
    if kind == "choice":
        return _numbered([option.text[language] for option in asked.options])
    if kind == "scale":
        return _scale(asked, language)
    if kind == "reflect":
        return _numbered([phrase("yes", language), phrase("no", language)])
    return []  # text and rank are typed


def buttons_for(campaign: Campaign, state: ParticipantState, context: Context) -> list[Button]:
    """The buttons for what the resident is asked now; empty when there is nothing to tap.
    `context` says whether a reflect step has results to ask about (else it is only OK)."""
    if state.switch_offered is not None and state.phase in ASKS_BEFORE_SWITCHING:
        return _numbered(switch_options(state.switch_offered, state.language))
    if state.phase is Phase.CHOOSING_LANGUAGE:
        return _numbered([endonym(code) for code in menu_languages(campaign)])
    if state.phase is Phase.AWAITING_CONSENT:
        return _words(phrase("consent_yes", state.language), phrase("consent_no", state.language))
    if state.phase is Phase.IN_STEP and state.step_id is not None:
        return _step(campaign, campaign.step(state.step_id), state, context)
    if state.phase is Phase.AWAITING_FOLLOW_UP:
        return _numbered([phrase("yes", state.language), phrase("no", state.language)])
    return []  # a why follow-up, the end, a decline, an opt-out, an erasure


def tapped(buttons: Sequence[Button], text: str) -> str | None:
    """The reply a tapped button stands for, or None when the text is no button's label.

    A numbered label cut short by a channel ("1 Hospital par...") still counts: its number
    and the start of its words are enough."""
    key = fold(text)
    if not key:
        return None
    for button in buttons:
        label = fold(button.label)
        if key == label:
            return button.reply
        if button.numbered and key.startswith(f"{button.reply} ") and label.startswith(key):
            return button.reply
    return None
