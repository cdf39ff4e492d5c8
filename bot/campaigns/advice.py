"""Warnings about how a valid campaign will read: SMS length and English reading age.

Messages are measured exactly as residents receive them (question, numbered options and
the bot's own instructions, after SMS normalisation), so a warning means real cost.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.campaigns import readability
from bot.campaigns.model import Campaign, Step
from bot.campaigns.problems import Problem
from bot.campaigns.yamlnodes import Parsed
from bot.engine import prompts
from bot.engine.outcome import Context
from bot.language import endonym
from bot.text import non_gsm_characters, normalise_for_sms, sms_segments

MIN_WORDS_FOR_READING_AGE = 12
MAX_READING_AGE = 11
SAMPLE_VOTES = 10  # reflect steps are measured as if this many chose each option


def _step_messages(campaign: Campaign, number: int, step: Step,
                   language: str) -> Iterator[tuple[str, str]]:
    base = f"steps[{number}]"
    if step.type == "reflect":
        shown = Context(tallies={step.of or "": {o.id: SAMPLE_VOTES for o in
                                                 campaign.step(step.of or "").options}})
        hidden = Context()
        candidates = [prompts.step_prompt(campaign, step, language, ctx) for ctx in (shown, hidden)]
        yield f"{base}.text.{language}", max(candidates, key=len)
    else:
        yield f"{base}.text.{language}", prompts.step_prompt(campaign, step, language, Context())
    if step.more:
        yield f"{base}.more.{language}", prompts.more_message(step, language)
    if step.why:
        yield f"{base}.why.{language}", prompts.why_message(step, language)


def messages(campaign: Campaign) -> Iterator[tuple[str, str, str]]:
    """(where, language, message) for every message a resident can receive from the campaign."""
    yield "languages", campaign.default_language, prompts.language_menu(campaign)
    for language in campaign.languages:
        yield f"consent.text.{language}", language, prompts.consent_message(campaign, language)
        for number, step in enumerate(campaign.steps, start=1):
            for where, message in _step_messages(campaign, number, step, language):
                yield where, language, message
        yield f"thanks.{language}", language, campaign.thanks[language]


# Messages that are not a step's are named by the field they come from.
FIELD_SUBJECTS = {"consent": "consent", "thanks": "thanks", "languages": "languages"}


def _subject(campaign: Campaign, where: str) -> str:
    if not where.startswith("steps["):
        return FIELD_SUBJECTS.get(where.split(".", 1)[0], "")
    number = int(where[len("steps["):where.index("]")])
    return f"steps[{number}] ({campaign.steps[number - 1].id})"


def segment_warnings(campaign: Campaign, parsed: Parsed, file: str = "") -> list[Problem]:
    problems = []
    for where, language, message in messages(campaign):
        text = normalise_for_sms(message)
        count = sms_segments(text)
        if count.segments <= 1:
            continue
        # Name the culprits only when avoiding them would make the message plain GSM-7:
        # always in English; elsewhere only when no letter of the language needs UCS-2.
        odd = non_gsm_characters(text)
        if language != "en" and any(ch.isalpha() for ch in odd):
            odd = []
        reason = (f"; these characters need the shorter 70-character SMS: {' '.join(odd)}"
                  if count.encoding == "UCS-2" and odd and len(odd) <= 6 else "")
        problems.append(Problem(
            "warning", parsed.line_of(where), where,
            f"in {endonym(language)} this message needs {count.segments} SMS ({count.encoding}, "
            f"{count.characters} characters){reason}; one SMS is best",
            _subject(campaign, where), file))
    return problems


def english_texts(campaign: Campaign) -> Iterator[tuple[str, str]]:
    """(where, text) for every English text a resident reads as a sentence."""
    if "en" not in campaign.languages:
        return
    yield "consent.text.en", campaign.consent_text["en"]
    yield "thanks.en", campaign.thanks["en"]
    for number, step in enumerate(campaign.steps, start=1):
        for field, text in (("text", step.text), ("more", step.more), ("why", step.why)):
            if text:
                yield f"steps[{number}].{field}.en", text["en"]


def reading_age(text: str) -> float | None:
    """Flesch-Kincaid reading age, or None for texts too short to judge fairly."""
    if len(text.split()) < MIN_WORDS_FOR_READING_AGE:
        return None
    return readability.reading_age(text)


def reading_warnings(campaign: Campaign, parsed: Parsed, file: str = "") -> list[Problem]:
    problems = []
    for where, text in english_texts(campaign):
        age = reading_age(text)
        # Compared as it is shown: "about 11" is within "11 or under".
        if age is not None and round(age) > MAX_READING_AGE:
            problems.append(Problem(
                "warning", parsed.line_of(where), where,
                f"the English text has a reading age of about {round(age)}; aim for "
                f"{MAX_READING_AGE} or under (shorter sentences and everyday words help)",
                _subject(campaign, where), file))
    return problems
