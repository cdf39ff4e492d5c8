"""Stop words per language, from one data file each (`stopwords/<code>.yml`), so that a new
language adds a file, not code."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from bot.text import fold


class NoStopWords(LookupError):
    """A language with no stop-word file: its answers cannot be themed."""


def available() -> set[str]:
    folder = resources.files("bot.deliberation").joinpath("stopwords")
    return {entry.name.removesuffix(".yml") for entry in folder.iterdir()
            if entry.name.endswith(".yml")}


@cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, folded as answers are."""
    if language not in available():
        raise NoStopWords(f"no stop words for language '{language}': add "
                          f"bot/deliberation/stopwords/{language}.yml")
    path = resources.files("bot.deliberation").joinpath("stopwords", f"{language}.yml")
    words = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or []  # "no", "on" stay words
    return frozenset(fold(str(word)) for word in words if fold(str(word)))
