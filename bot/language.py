"""Which language a resident wants: their explicit request first, a confident guess second.

Explicit requests ("Cymraeg", "in Welsh please", "po polsku") always win. Guessing from free
text is only allowed on long messages with a clear winner: langdetect calls "yes" Turkish, and a
short reply must never flip the conversation into another language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from bot.text import fold

DetectorFactory.seed = 0  # the same text always gets the same guess

MIN_DETECT_CHARACTERS = 25
MIN_DETECT_WORDS = 4
MIN_DETECT_PROBABILITY = 0.9


@dataclass(frozen=True)
class Language:
    """A supported language: its code, its own name, and the names people type for it."""

    code: str
    endonym: str
    names: tuple[str, ...]


LANGUAGES: Mapping[str, Language] = MappingProxyType(
    {
        "en": Language("en", "English", (
            "english", "eng", "englisch", "saesneg", "yn saesneg", "angielski", "po angielsku",
            "angielskim", "انجليزي", "انكليزي", "الانجليزية", "الانجليزيه", "الإنجليزية",
            "انجليزية", "بالانجليزي", "بالانجليزية", "engleza", "engleză", "limba engleza",
            "în engleză", "englezeste", "englezește",
        )),
        "cy": Language("cy", "Cymraeg", (
            "welsh", "cymraeg", "cymraeg plis", "gymraeg", "yn gymraeg", "cymrêg", "walijski",
            "po walijsku", "walijskim", "الويلزية", "ويلزي", "ويلزية", "بالويلزية", "galeza",
            "galeză", "limba galeza", "în galeză",
        )),
        "pl": Language("pl", "Polski", (
            "polish", "polski", "po polsku", "polskim", "pwyleg", "yn bwyleg",
            "البولندية", "بولندي", "بولندية", "بالبولندية", "poloneza", "poloneză",
            "limba poloneza", "în poloneză", "poloneste", "polonește",
        )),
        "ar": Language("ar", "العربية", (
            "arabic", "arabi", "araby", "arabeg", "yn arabeg", "arabski", "po arabsku",
            "arabskim", "عربي", "عربى", "العربية", "العربيه", "بالعربي", "بالعربية", "عربية",
            "araba", "arabă", "limba araba", "în arabă", "arabeste", "arăbește",
        )),
        "ro": Language("ro", "Română", (
            "romanian", "rumanian", "romana", "română", "limba romana", "limba română",
            "în română", "romaneste", "românește", "rwmaneg", "yn rwmaneg", "rumuński",
            "po rumuńsku", "rumuńskim", "الرومانية", "روماني", "رومانية", "بالرومانية",
        )),
    }
)
SUPPORTED: tuple[str, ...] = tuple(LANGUAGES)

# Words people wrap around a language name: "in Welsh please", "po polsku proszę", "بالعربي لو سمحت".
_FILLER = frozenset(
    fold(word)
    for word in (
        "in", "please", "pls", "plz", "plis", "thanks", "thank", "you", "i", "speak", "want",
        "would", "like", "language", "lang", "can", "we", "use", "only", "my", "is", "prefer",
        "yn", "os", "gwelwch", "dda", "diolch", "iaith", "dw", "i", "eisiau", "siarad", "plîs",
        "proszę", "prosze", "język", "jezyk", "mówię", "chcę", "dziękuję", "dziekuje", "w",
        "في", "من", "فضلك", "لو", "سمحت", "اللغة", "اريد", "أريد", "اتكلم", "أتكلم", "شكرا",
        "limba", "vreau", "vă", "va", "rog", "te", "vorbesc", "mulțumesc", "multumesc",
    )
)
_NAMES: dict[str, str] = {
    fold(name): code
    for code, language in LANGUAGES.items()
    for name in (*language.names, language.endonym)
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
