"""Stop words per language, from each language's folder (`languages/<code>/stopwords.yml`),
so that a new language adds data, not code."""

from __future__ import annotations

from functools import cache

import yaml

from bot.language import LANGUAGES
from bot.text import fold

FILE = "stopwords.yml"


class NoStopWords(LookupError):
    """A language with no stop-word file: its answers cannot be themed."""


def available() -> set[str]:
    return {code for code, language in LANGUAGES.items()
            if language.folder is not None and (language.folder / FILE).is_file()}


@cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, folded as answers are."""
    if language not in available():
        raise NoStopWords(f"no stop words for language '{language}': add "
                          f"languages/{language}/{FILE}")
    path = LANGUAGES[language].folder / FILE
    words = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or []  # "no", "on" stay words
    return frozenset(fold(str(word)) for word in words if fold(str(word)))
