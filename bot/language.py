"""Which language a resident wants: their explicit request first, a confident guess second.

Every language is data: one folder in `languages/<code>/` (docs/languages.md) with its names,
command words, numbers, phrases and NLU examples. They are read once, here, when the package
is imported (a static resource, like code): the engine itself still does no I/O while it
handles a message.

Explicit requests ("Cymraeg", "in Welsh please", "po polsku") always win. Guessing from free
text is only allowed on long messages with a clear winner: langdetect calls "yes" Turkish, and a
short reply must never flip the conversation into another language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from bot.language_data import (
    COMMANDS,
    LANGUAGES_DIR,
    Language,
    LanguageDataError,
    load_languages,
)
from bot.text import fold, is_gsm7

__all__ = [
    "COMMANDS", "LANGUAGES", "LANGUAGES_DIR", "SUPPORTED", "Language", "LanguageDataError",
    "detect_language", "endonym", "find_language_name", "match_language_name",
    "plain_for_sms", "requested_language",
]

DetectorFactory.seed = 0  # the same text always gets the same guess

MIN_DETECT_CHARACTERS = 25
MIN_DETECT_WORDS = 4
MIN_DETECT_PROBABILITY = 0.9

LANGUAGES: Mapping[str, Language] = MappingProxyType(load_languages(LANGUAGES_DIR))
SUPPORTED: tuple[str, ...] = tuple(LANGUAGES)

# Words people wrap around a language name: "in Welsh please", "po polsku proszę", "بالعربي لو سمحت".
_FILLER = frozenset(fold(word) for language in LANGUAGES.values()
                    for word in language.around_names)
_NAMES: dict[str, str] = {
    fold(name): code
    for code, language in LANGUAGES.items()
    for name in (*language.names, language.endonym)
    if fold(name)
}


def endonym(code: str) -> str:
    """The language's own name, as a resident who reads it would recognise it."""
    return LANGUAGES[code].endonym


def _named(text: str) -> str | None:
    """The language a whole message asks for, whatever its candidates."""
    words = fold(text).split()
    if not words or len(words) > 8:
        return None
    whole = " ".join(words)
    if whole in _NAMES:
        return _NAMES[whole]
    kept = [word for word in words if word not in _FILLER]
    if not kept:
        return None
    return _NAMES.get(" ".join(kept))


def requested_language(text: str) -> str | None:
    """Any supported language the message asks for, even one this campaign lacks."""
    return _named(text)


def match_language_name(text: str, candidates: Iterable[str]) -> str | None:
    """The candidate language a message explicitly asks for ("Cymraeg", "in Welsh please")."""
    code = _named(text)
    return code if code in set(candidates) else None


def find_language_name(text: str, candidates: Iterable[str]) -> str | None:
    """A candidate language named anywhere in a message ("can I do this in Polish")."""
    allowed = set(candidates)
    words = fold(text).split()
    found = {
        _NAMES[" ".join(words[start:start + size])]
        for size in (3, 2, 1)
        for start in range(len(words) - size + 1)
        if " ".join(words[start:start + size]) in _NAMES
    }
    found &= allowed
    return found.pop() if len(found) == 1 else None


def detect_language(text: str, candidates: Iterable[str]) -> str | None:
    """A confident guess among the candidates, for long free text only; else None."""
    allowed = set(candidates)
    stripped = text.strip()
    if len(stripped) < MIN_DETECT_CHARACTERS or len(stripped.split()) < MIN_DETECT_WORDS:
        return None
    try:
        guesses = detect_langs(stripped)
    except LangDetectException:
        return None
    for guess in guesses:  # best first
        if guess.lang in allowed:
            return guess.lang if guess.prob >= MIN_DETECT_PROBABILITY else None
    return None


def plain_for_sms(text: str, code: str) -> str:
    """The text as people commonly text it in a Latin-script language, without the letters
    that force the 70-character SMS: "Dziękuję" -> "Dziekuje", "ștergeți" -> "stergeti",
    "ŵyr" -> "wyr" (the folder's sms_plain first, then the letter without its accent).
    Other scripts are returned as they are: they cannot be written faithfully in GSM-7."""
    language = LANGUAGES.get(code)
    if language is None or language.script != "Latin" or is_gsm7(text):
        return text
    out = []
    for ch in text:
        if is_gsm7(ch):
            out.append(ch)
        elif ch in language.sms_plain:
            out.append(language.sms_plain[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if not unicodedata.combining(c))
            out.append(base if base and is_gsm7(base) else ch)
    return "".join(out)
