"""What a language folder still lacks: `engage language check CODE` and the tests.

Each finding says what is missing or untranslated and where to add it, in plain words, so a
volunteer can work through the list. English is the reference: every phrase English has,
every command, yes and no, numbers one to ten, the names people type for the language in
every shipped language, and NLU examples for every meta-intent.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import yaml

from bot.language_data import COMMANDS, FALLBACK_LANGUAGE, Language

# The meta-intents residents type (data/external.yml holds the two the worker triggers).
INTENTS = ("affirm", "deny", "stop", "help", "skip", "repeat", "more", "erase",
           "change_language", "greet", "start", "inform")
MIN_NLU_EXAMPLES = 15  # per intent: fewer and the model barely knows the language
NUMBERS = range(1, 11)
ORDINALS = range(1, 4)  # "the first", "the second", "the third": the ones people use
# Phrases allowed to read the same as English: a word every language uses.
SAME_AS_ENGLISH = {"button_ok"}
_SHOWN_WORD = re.compile(r"\b[^\W\d_]{2,}\b")

Level = Literal["missing", "untranslated", "note"]


@dataclass(frozen=True)
class Finding:
    level: Level
    where: str  # the file and field, e.g. "phrases.yml: help"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def _fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return {"(a stray { or })"}


def _phrases(language: Language, english: Language) -> list[Finding]:
    found = []
    for key, reference in english.phrases.items():
        text = language.phrases.get(key, "")
        where = f"phrases.yml: {key}"
        if not text:
            found.append(Finding("missing", where, f"no text (in English: \"{reference}\")"))
        elif _fields(text) != _fields(reference):
            found.append(Finding("missing", where, "must keep exactly the {placeholders} "
                                 f"of the English: {', '.join(sorted(_fields(reference)))}"))
        elif language.code != english.code and text == reference and \
                key not in SAME_AS_ENGLISH and key not in language.same_as_english:
            found.append(Finding("untranslated", where, "is the same as the English"))
    for key in sorted(set(language.phrases) - set(english.phrases)):
        found.append(Finding("note", f"phrases.yml: {key}", "is not a phrase the bot uses"))
    return found


def _words(language: Language) -> list[Finding]:
    found = []
    for command in COMMANDS:
        if not language.command(command):
            found.append(Finding("missing", f"language.yml: commands.{command}",
                                 f"no word for {command.upper()}"))
    for name in ("yes", "no"):
        if not getattr(language, name):
            found.append(Finding("missing", f"language.yml: {name}", f"no word for {name}"))
    numbers = [str(n) for n in NUMBERS if not language.numbers.get(n)]
    if numbers:
        found.append(Finding("missing", "language.yml: numbers",
                             f"no word for {', '.join(numbers)}"))
    ordinals = [str(n) for n in ORDINALS if not language.ordinals.get(n)]
    if ordinals:
        found.append(Finding("missing", "language.yml: ordinals",
                             f"no word for the {', '.join(ordinals)} (first, second, third)"))
    for name in ("last", "number_prefixes", "little_words"):
        if not getattr(language, name):
            found.append(Finding("missing", f"language.yml: {name}", "is empty"))
    return found


def _names(language: Language, shipped: Mapping[str, Language]) -> list[Finding]:
    found = []
    for code, other in shipped.items():
        if not language.names_by_language.get(code) and code != language.code:
            found.append(Finding("missing", f"language.yml: names.{code}",
                                 f"how {other.english_name} speakers write "
                                 f"{language.english_name}"))
    if not language.names_by_language.get(language.code):
        found.append(Finding("missing", f"language.yml: names.{language.code}",
                             "the names its own speakers type for it"))
    for code, other in shipped.items():
        if code != language.code and not other.names_by_language.get(language.code):
            found.append(Finding("missing", f"languages/{code}/language.yml: "
                                 f"names.{language.code}",
                                 f"how {language.english_name} speakers write "
                                 f"{other.english_name}"))
    return found


def _shown_words_understood(language: Language, understood: frozenset[str]) -> list[Finding]:
    """Words the phrases show in capitals (STOP, TAK) must be words the bot reads."""
    from bot.text import fold

    found = []
    for key, text in language.phrases.items():
        shown = {word for word in _SHOWN_WORD.findall(text)
                 if word.isupper() and word not in ("OK",)}
        for word in sorted(shown):
            if fold(word) not in understood:
                found.append(Finding("missing", f"phrases.yml: {key}",
                                     f"shows {word}, which is not a command, yes or no word"))
    return found


def nlu_counts(language: Language) -> Counter[str] | None:
    """Examples per intent in the folder's nlu.yml; None when there is no such file."""
    path = language.folder / "nlu.yml" if language.folder else None
    if path is None or not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    counts: Counter[str] = Counter()
    for item in data.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item:
            counts[item["intent"]] += sum(1 for line in str(item.get("examples", "")).splitlines()
                                          if line.strip().startswith("- "))
    return counts


def _nlu(language: Language) -> list[Finding]:
    counts = nlu_counts(language)
    if counts is None:
        return [Finding("missing", "nlu.yml", "no NLU training examples (see docs/nlu.md)")]
    return [Finding("missing", f"nlu.yml: {intent}",
                    f"{counts[intent]} examples; at least {MIN_NLU_EXAMPLES} are needed")
            for intent in INTENTS if counts[intent] < MIN_NLU_EXAMPLES]


def _files(language: Language) -> list[Finding]:
    if language.folder is None or (language.folder / "stopwords.yml").is_file():
        return []
    return [Finding("missing", "stopwords.yml", "no stop words, so open answers in it cannot "
                    "be grouped into themes")]


def check_language(code: str, shipped: Mapping[str, Language] | None = None,
                   understood: frozenset[str] | None = None) -> list[Finding]:
    """Everything the folder of `code` still lacks, missing items first."""
    if shipped is None:
        from bot.language import LANGUAGES as shipped  # noqa: N811
    if understood is None:
        from bot.engine.vocabulary import command_words
        understood = command_words()
    if code not in shipped:
        return [Finding("missing", f"languages/{code}", "no such language folder with a "
                        "language.yml")]
    language, english = shipped[code], shipped[FALLBACK_LANGUAGE]
    found = (_phrases(language, english) + _words(language) + _names(language, shipped)
             + _shown_words_understood(language, understood) + _nlu(language) + _files(language))
    if not language.reviewed:
        found.append(Finding("note", "language.yml: reviewed",
                             "false: no native speaker has checked these texts yet"))
    order = {"missing": 0, "untranslated": 1, "note": 2}
    return sorted(found, key=lambda finding: order[finding.level])


def complete(findings: list[Finding]) -> bool:
    """Nothing missing or untranslated (notes are only notes)."""
    return all(finding.level == "note" for finding in findings)
