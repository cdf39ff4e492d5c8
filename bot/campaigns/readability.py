"""English reading age (Flesch-Kincaid), computed offline.

textstat counts words and sentences. Its own English syllable counter downloads the NLTK
CMU dictionary from the internet on first use, which fails offline (and in CI), so syllables
are estimated here from vowel groups: close enough for a "this is hard to read" warning.
"""

from __future__ import annotations

import re

import textstat

GRADE_TO_AGE = 5  # US school grade + 5 = reading age in years
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e ("make"), but not "-le" ("table"); at least 1."""
    word = word.lower().split("'")[0]
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith(("ed", "es")) and count > 1 and not word.endswith(("ted", "ded", "ses",
                                                                          "zes", "ces", "ges")):
        count -= 1
    return max(1, count)


def flesch_kincaid_grade(text: str) -> float:
    """0.39 words per sentence + 11.8 syllables per word - 15.59."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.0
    word_count = max(1, textstat.lexicon_count(text))
    sentence_count = max(1, textstat.sentence_count(text))
    per_word = sum(syllables(word) for word in words) / len(words)
    return 0.39 * word_count / sentence_count + 11.8 * per_word - 15.59


def reading_age(text: str) -> float:
    return flesch_kincaid_grade(text) + GRADE_TO_AGE
