"""Warnings for the mistakes docs/campaign-format.md warns about, in every campaign language:

- a question that writes its own "Reply 1, 2 or 3" or numbered options (the bot adds both, so
  residents read them twice, and the written ones can disagree with the real options);
- a consent text that never says how to stop (STOP) or delete answers (DELETE), in words the
  bot understands (languages/<code>/language.yml), written in capitals as the bot writes them;
- a consent text whose number of days is not `retention_days`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.campaigns.model import Campaign, Step
from bot.campaigns.problems import Problem
from bot.campaigns.yamlnodes import Parsed
from bot.engine.phrases import phrases
from bot.engine.vocabulary import ERASE, OPT_OUT, folded
from bot.language import endonym
from bot.text import fold

# Words that tell a resident how to answer, after `fold` (accents and case do not matter).
REPLY_WORDS = frozenset({
    "reply", "respond", "answer", "text", "send", "choose", "pick", "type", "select", "press",
    "atebwch", "ateb", "tecstiwch", "anfonwch", "dewiswch", "teipiwch",
    "odpisz", "odpowiedz", "wyslij", "napisz", "wybierz", "wpisz",
    "ارسل", "رد", "اجب", "اكتب", "اختر",
    "raspundeti", "raspunde", "trimiteti", "trimite", "alegeti", "alege", "scrieti", "scrie",
    "tastati",
})
WORDS_TO_THE_NUMBER = 4  # "Reply with a number from 1": at most this many words between
# Little words between numbers in "1, 2 or 3", "1 to 5", "1 neu 2", "od 1 do 5", "1 أو 2".
NUMBER_JOINERS = frozenset({"or", "to", "and", "neu", "i", "hyd", "lub", "albo", "do", "od",
                            "sau", "la", "si", "او", "الى", "من", "و", "-"})
ANSWERED_WITH_NUMBERS = ("choice", "scale", "rank", "reflect", "revisit")
# "1. Bus", "1) Bus", "2 - Walk", or a line that starts with the number, then a word (so
# "£1.50", "at 1:30" and "1 to 5" are not options).
_OPTION_MARK = re.compile(r"(?:^|(?<=\s))(\d)\s*(?:[.)\]:]|\s-)\s*(?=[^\W\d_])"
                          r"|^\s*(\d)\s+(?=[^\W\d_])", re.MULTILINE)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# Day words after a number, after `fold`: "365 days", "365 diwrnod", "365 dni", "365 يوما",
# "365 de zile". Welsh mutates: diwrnod, niwrnod, ddiwrnod.
DAY_WORDS = frozenset({"day", "days", "diwrnod", "niwrnod", "ddiwrnod", "diwrnodau", "dzien",
                       "dni", "dnia", "يوم", "يوما", "ايام", "zi", "zile"})


@dataclass(frozen=True)
class _Token:
    text: str
    key: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    found = []
    for match in _WORD.finditer(text):
        key = fold(match.group())
        if key:
            found.append(_Token(match.group(), key, match.start(), match.end()))
    return found


def _number(token: _Token) -> int | None:
    return int(token.key) if token.key.isdigit() and len(token.key) <= 6 else None


# -- "Reply 1, 2 or 3" -----------------------------------------------------------------------

def written_instruction(text: str) -> tuple[str, list[int]] | None:
    """The "Reply 1, 2 or 3" a text writes itself, and its numbers; or None."""
    tokens = _tokens(text)
    for index, token in enumerate(tokens):
        if token.key not in REPLY_WORDS:
            continue
        window = tokens[index + 1:index + 2 + WORDS_TO_THE_NUMBER]
        first = next((n for n, t in enumerate(window) if _number(t) is not None), None)
        if first is None:
            continue
        numbers, last = [], index + 1 + first
        for position in range(last, len(tokens)):
            value = _number(tokens[position])
            if value is not None:
                numbers.append(value)
                last = position
            elif tokens[position].key not in NUMBER_JOINERS:
                break
        return text[token.start:tokens[last].end], numbers
    return None


def written_options(text: str) -> list[int]:
    """The numbers of options a text lists itself ("1. Bus 2. Walk"); [] when it lists none."""
    numbers = sorted({int(a or b) for a, b in _OPTION_MARK.findall(text)})
    return numbers if len(numbers) >= 2 and numbers[:2] == [1, 2] else []


def _real_options(step: Step) -> tuple[int, str]:
    """The highest number a resident can reply, said in words."""
    if step.type == "scale":
        highest = step.max if step.max is not None else 5
        return highest, f"the scale goes to {highest}"
    return len(step.options), f"the step has {len(step.options)} options"


def instruction_warning(campaign: Campaign, step: Step, language: str) -> str | None:
    text = step.text[language]
    found = written_instruction(text)
    listed = written_options(text)
    if found is None and not listed:
        return None
    quoted, numbers = found if found is not None else ("1 ... 2 ...", listed)
    what = "its own reply instructions" if found is not None else "its own numbered options"
    message = (f'in {endonym(language)} the text writes {what} ("{quoted}"); leave them out: '
               "the bot adds the numbered options and how to reply")
    if step.type == "revisit":
        step = campaign.step(step.of or "")
    if numbers and step.type in ("choice", "scale", "rank"):
        highest, real = _real_options(step)
        if max(numbers) != highest:
            message += f" (it says up to {max(numbers)}, but {real})"
    return message


# -- the consent text ------------------------------------------------------------------------

def commands_written(text: str) -> set[str]:
    """Folded command words the text shows as commands: in capitals ("Text STOP"), or in a
    script without capitals (Arabic), alone or as two or three words ("DIM MWY")."""
    tokens = _tokens(text)
    shown = [not any(ch.islower() for ch in token.text) for token in tokens]
    found = set()
    for size in (1, 2, 3):
        for start in range(len(tokens) - size + 1):
            if all(shown[start:start + size]):
                found.add(" ".join(token.key for token in tokens[start:start + size]))
    return found


def bot_word(words: tuple[str, ...], language: str) -> str:
    """How the bot itself writes the command in a language (from its help message)."""
    keys = folded(words)
    for token in _tokens(phrases()["help"][language]):
        if token.key in keys and not any(ch.islower() for ch in token.text):
            return token.text
    return words[0].upper()


def days_mentioned(text: str) -> list[int]:
    """Every number of days a text mentions ("365 days", "365 de zile", "٣٦٥ يومًا")."""
    tokens = _tokens(text)
    found = []
    for index, token in enumerate(tokens):
        value = _number(token)
        if value is None:
            continue
        after = [t.key for t in tokens[index + 1:index + 3]]
        if after and after[0] == "de":  # Romanian: "365 de zile"
            after = after[1:]
        if after and after[0] in DAY_WORDS:
            found.append(value)
    return found


def consent_warnings(campaign: Campaign, language: str) -> Iterator[str]:
    text = campaign.consent_text[language]
    written = commands_written(text)
    for words, what in ((OPT_OUT, "how to stop"), (ERASE, "how to delete their answers")):
        if not written & folded(words):
            word = bot_word(words, language)
            how = "in capitals as the bot writes it" if word.lower() != word.upper() else \
                "as the bot writes it"
            yield (f"in {endonym(language)} the consent text never says {what}: say it with "
                   f"the word {word}, {how}")
    wrong = [days for days in days_mentioned(text) if days != campaign.retention_days]
    if wrong:
        yield (f"in {endonym(language)} the consent text says {wrong[0]} days, but "
               f"retention_days is {campaign.retention_days}; they must agree")


# -- all of them -----------------------------------------------------------------------------

def mistake_warnings(campaign: Campaign, parsed: Parsed, file: str = "") -> list[Problem]:
    problems = []

    def warn(where: str, message: str, subject: str) -> None:
        problems.append(Problem("warning", parsed.line_of(where), where, message, subject, file))

    for language in campaign.languages:
        for message in consent_warnings(campaign, language):
            warn(f"consent.text.{language}", message, "consent")
        for number, step in enumerate(campaign.steps, start=1):
            if step.type not in ANSWERED_WITH_NUMBERS:
                continue
            message = instruction_warning(campaign, step, language)
            if message:
                warn(f"steps[{number}].text.{language}", message, f"steps[{number}] ({step.id})")
    return problems
