"""The bot's own sentences, from phrases.yml, in the resident's language.

Loaded once from the package (a static resource, like code): the engine itself still does
no I/O while it handles a message.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

FALLBACK_LANGUAGE = "en"


@cache
def phrases() -> dict[str, dict[str, str]]:
    """Every phrase: key -> language -> text."""
    text = resources.files("bot.engine").joinpath("phrases.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(key): {str(lang): str(words) for lang, words in value.items()}
            for key, value in data.items()}


def phrase(key: str, language: str, **fields: Any) -> str:
    """One phrase in a language (English if it were ever missing), with fields filled in."""
    texts = phrases()[key]
    template = texts.get(language) or texts[FALLBACK_LANGUAGE]
    return template.format(**fields) if fields else template
