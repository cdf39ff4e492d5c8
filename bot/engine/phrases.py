"""The bot's own sentences, from each language's phrases.yml, in the resident's language.

Read once with the languages (bot.language): the engine itself still does no I/O while it
handles a message.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.language import LANGUAGES

FALLBACK_LANGUAGE = "en"


@cache
def phrases() -> dict[str, dict[str, str]]:
    """Every phrase English has: key -> language -> text (the languages that have it)."""
    keys = LANGUAGES[FALLBACK_LANGUAGE].phrases
    return {key: {code: language.phrases[key] for code, language in LANGUAGES.items()
                  if language.phrases.get(key)}
            for key in keys}


def phrase(key: str, language: str, **fields: Any) -> str:
    """One phrase in a language (English if it were ever missing), with fields filled in."""
    texts = phrases()[key]
    template = texts.get(language) or texts[FALLBACK_LANGUAGE]
    return template.format(**fields) if fields else template
