"""Option texts that clash with keywords: a resident's answer that is also a keyword is read as
the keyword, before the question ever sees it.

The keyword lookup runs first on every message (see `Conversation._turn`), so an option "Bws"
in a campaign whose keyword is BWS restarts the campaign ("you are already taking part")
instead of recording the answer; an option that is another live campaign's keyword is read
as the answer at its own question but starts that campaign anywhere else (before consent, at
another question it asks about switching). Both are errors. The other live campaigns are an optional input:
`campaign check` passes them when it has a database, publishing always does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.campaigns.model import Campaign
from bot.campaigns.problems import Problem
from bot.campaigns.yamlnodes import Parsed

KEYWORD_NOISE = re.compile(r"[^\w]+", re.UNICODE)


def keyword_of(text: str) -> str:
    """'  buses! ' -> 'BUSES'; '/start BUSES' (Telegram deep link) -> 'BUSES'."""
    text = text.strip()
    if text.lower().startswith("/start"):
        text = text[len("/start"):]
    return KEYWORD_NOISE.sub("", text).upper()


def keyword_key(text: str) -> str:
    """What the keyword lookup makes of a message ("Bws!" -> "BWS")."""
    return keyword_of(text)


@dataclass(frozen=True)
class _Option:
    campaign: str
    step: str
    text: str


def _options(campaign: Campaign) -> Iterable[tuple[str, str, str]]:
    """(where, label, text) of every option text in every language of the campaign."""
    for number, step in enumerate(campaign.steps, start=1):
        for index, option in enumerate(step.options, start=1):
            for language in campaign.languages:
                text = option.text.get(language)
                if text:
                    yield (f"steps[{number}].options[{index}].text.{language}",
                           f'option {index} ("{option.id}")', text)


def _subject(campaign: Campaign, where: str) -> str:
    number = int(where[len("steps["):where.index("]")])
    return f"steps[{number}] ({campaign.steps[number - 1].id})"


def keyword_clashes(campaign: Campaign, others: Iterable[Campaign] = (),
                    parsed: Parsed | None = None, file: str = "") -> list[Problem]:
    """Errors for option texts that are this campaign's or another live campaign's keyword,
    and for keywords that are another live campaign's option text."""
    own = {keyword.upper() for keyword in campaign.keywords}
    their_keywords: dict[str, str] = {}
    their_options: dict[str, _Option] = {}
    for other in others:
        if other.id == campaign.id:
            continue
        for keyword in other.keywords:
            their_keywords.setdefault(keyword.upper(), other.id)
        for where, _, text in _options(other):
            their_options.setdefault(keyword_key(text),
                                     _Option(other.id, _subject(other, where), text))

    def problem(where: str, message: str, subject: str = "") -> Problem:
        line = parsed.line_of(where) if parsed is not None else None
        return Problem("error", line, where, message, subject, file)

    problems = []
    for where, label, text in _options(campaign):
        key = keyword_key(text)
        if key in own:
            problems.append(problem(where, f'{label} reads "{text}", which is also this '
                                    f"campaign's keyword {key}: a resident who replies with it "
                                    "is told they are already taking part and the answer is "
                                    "never recorded; reword the option or change the keyword",
                                    _subject(campaign, where)))
        elif key in their_keywords:
            problems.append(problem(where, f'{label} reads "{text}", which is the keyword of the '
                                    f"live campaign {their_keywords[key]}: a resident who "
                                    "replies with it is moved into that campaign instead of "
                                    "answering; reword the option", _subject(campaign, where)))
    for number, keyword in enumerate(campaign.keywords, start=1):
        clash = their_options.get(keyword.upper())
        if clash is not None:
            problems.append(problem(f"keywords[{number}]", f"the keyword {keyword.upper()} is "
                                    f'also the answer "{clash.text}" in the live campaign '
                                    f"{clash.campaign} ({clash.step}): residents who answer "
                                    "it there would be moved into this campaign; choose "
                                    "another keyword"))
    return problems
