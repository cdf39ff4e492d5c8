"""SMS text rules: what a message costs, how it is cleaned, and how replies are compared.

Residents pay attention to every SMS and providers bill per segment, so outgoing text is kept to
the GSM 03.38 alphabet where the language allows, and counted the way carriers count it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

# GSM 03.38 basic character set (the escape code 0x1B is not a character of its own).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each costs an escape septet plus its own.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

_SMS_REPLACEMENTS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2015": "-", "\u2212": "-",
        "\u2010": "-", "\u2011": "-",
        "\u2026": "...",
        "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ",
        "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
        "\u2008": " ", "\u205f": " ", "\u3000": " ",
    }
)
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


@dataclass(frozen=True)
class SegmentCount:
    """What one message costs: its encoding, its length as the network counts it, its parts."""

    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    segments: int


def normalise_for_sms(text: str) -> str:
    """Swap typographic characters for plain ones, so a message stays in cheap GSM-7."""
    return _TRAILING_SPACE.sub("", text.translate(_SMS_REPLACEMENTS))


def is_gsm7(text: str) -> bool:
    """True when every character fits the GSM 03.38 alphabet (basic or extension)."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def non_gsm_characters(text: str) -> list[str]:
    """The distinct characters that force a message into UCS-2, in order of appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM_BASIC and ch not in GSM_EXTENSION:
            seen.setdefault(ch, None)
    return list(seen)


def _pack(costs: list[int], single: int, part: int) -> int:
    """Parts needed when no unit (escape pair, surrogate pair) may be split across parts."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return parts


def sms_segments(text: str) -> SegmentCount:
    """Count segments as carriers do: GSM-7 160/153 septets, else UCS-2 70/67 code units."""
    if is_gsm7(text):
        costs = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        return SegmentCount("GSM-7", sum(costs), _pack(costs, GSM_SINGLE, GSM_PART))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount("UCS-2", sum(costs), _pack(costs, UCS2_SINGLE, UCS2_PART))


def render_options(labels: list[str]) -> str:
    """Numbered lines ("1 Bus"), the form every phone shows and every resident can answer."""
    return "\n".join(f"{number} {label}" for number, label in enumerate(labels, start=1))


_FOLD_EXTRA = str.maketrans(
    {
        "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe",
        "ة": "ه", "ى": "ي", "ـ": "", "\u200c": "", "\u200d": "",
        # Urdu, Panjabi (Shahmukhi) and Farsi letters people also type with an Arabic keyboard.
        "ی": "ي", "ې": "ي", "ک": "ك", "ہ": "ه", "ۀ": "ه", "ۃ": "ه",
        # The apostrophe Ukrainian keyboards type (пʼять) is the ' others type (п'ять).
        "\u02bc": "'",
    }
)
_NOT_WORD = re.compile(r"[^\w\s]|_")
# Scripts whose vowel signs, nukta and virama are marks (Devanagari to Sinhala: Bengali,
# Gurmukhi, Gujarati...; Thai to Myanmar): they are part of the word, never an accent.
_MARK_SCRIPTS = re.compile("[\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f]")


def _word_mark(ch: str) -> bool:
    return bool(_MARK_SCRIPTS.match(ch)) and unicodedata.category(ch).startswith("M")


def _fold_keeping_word_marks(decomposed: str) -> str:
    """fold for text in those scripts: accents elsewhere go, their marks stay (Python's \\w
    does not count a mark as part of a word)."""
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or _word_mark(ch))
    plain = plain.casefold().translate(_FOLD_EXTRA)
    return " ".join("".join(ch if (ch.isalnum() and ch != "_") or ch.isspace() or _word_mark(ch)
                            else " " for ch in plain).split())


def fold(text: str) -> str:
    """A matching key: case, accents, Arabic letter variants and punctuation do not matter.

    "Rezygnuję!" -> "rezygnuje", "إيقاف" -> "ايقاف", " 2. " -> "2"; the vowel signs of
    Bengali, Gurmukhi or Gujarati stay ("ਪੰਜਾਬੀ" is one word, not three letters).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    if _MARK_SCRIPTS.search(decomposed):
        return _fold_keeping_word_marks(decomposed)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.casefold().translate(_FOLD_EXTRA)
    return " ".join(_NOT_WORD.sub(" ", plain).split())


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_reply(text: str) -> str:
    """Drop control characters, lone surrogates (they cannot be stored as UTF-8) and outer
    whitespace from what a resident sent."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")).strip()
