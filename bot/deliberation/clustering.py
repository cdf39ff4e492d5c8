"""The offline method that groups open answers into themes: pure, CPU-only, deterministic,
and it downloads nothing.

Per language: each answer is folded (case, accents), split into words and its stop words
dropped; what is left is read as overlapping runs of 2 to 4 letters within words (so
"autobusy" and "autobusów", "bus" and "buses" share most of their runs: a stem without a
stemmer, for any alphabet; Arabic words lose their article "al" first). The runs are weighed
by TF-IDF (scikit-learn), and non-negative matrix factorisation (NMF, with its deterministic
NNDSVD start) finds k themes, about one for every answer's square root; each answer goes to
the theme it weighs most in, and an answer with no telling word goes to none. A theme is
named by its key terms: the words used most in its answers compared with the others.

Limits: no meaning, only shared words: "bus fares" and "the bus never comes" share "bus";
synonyms in different words ("cab", "taxi") meet only if other answers link them; short
answers carry little; languages are themed apart (no translation offline); Welsh mutations
(bws, fws) and scripts without spaces are not handled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.deliberation.stopwords import stop_words
from bot.text import fold

MAX_THEMES = 8
MIN_THEMES = 2
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC_ARTICLE = ("وال", "بال", "فال", "كال", "لل", "ال")


@dataclass(frozen=True)
class Found:
    """One theme: its key terms (whole words, most telling first) and its answers (index in
    the input, weight), strongest first."""

    terms: tuple[str, ...]
    members: tuple[tuple[int, float], ...]


def words(text: str, language: str) -> list[str]:
    """The telling words of an answer, folded, without stop words."""
    stops = stop_words(language)
    found = []
    for word in _WORD.findall(fold(text)):
        if language == "ar":
            for article in _ARABIC_ARTICLE:
                if word.startswith(article) and len(word) - len(article) >= 2:
                    word = word[len(article):]
                    break
        if len(word) < 2 or word.isdigit() or word in stops:
            continue
        found.append(word)
    return found


def theme_count(answers: int) -> int:
    """How many themes for this many answers: the square root, 2 to 8."""
    if answers < 2 * MIN_THEMES:
        return 1
    return max(MIN_THEMES, min(MAX_THEMES, round(math.sqrt(answers))))


def find_themes(texts: Sequence[str], language: str, k: int | None = None) -> list[Found]:
    """Themes of these answers (all in `language`): the same answers give the same themes."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    tokens = [words(text, language) for text in texts]
    usable = [index for index, row in enumerate(tokens) if row]
    if not usable:
        return []
    k = min(k or theme_count(len(usable)), len(usable))
    documents = [" ".join(tokens[index]) for index in usable]
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectoriser.fit_transform(documents)
    if k <= 1:
        weights = [[1.0] for _ in usable]
    else:
        model = NMF(n_components=k, init="nndsvd", random_state=0, max_iter=500)
        weights = model.fit_transform(matrix).tolist()
    groups: dict[int, list[tuple[int, float]]] = {}
    for row, index in enumerate(usable):
        best = max(range(len(weights[row])), key=lambda t: (weights[row][t], -t))
        if weights[row][best] <= 0:
            continue
        groups.setdefault(best, []).append((index, round(float(weights[row][best]), 6)))
    found = []
    for members in groups.values():
        members.sort(key=lambda item: (-item[1], item[0]))
        inside = {index for index, _ in members}
        found.append(Found(key_terms([tokens[i] for i in inside],
                                     [tokens[i] for i in usable if i not in inside]),
                           tuple(members)))
    found.sort(key=lambda theme: (-len(theme.members), theme.members[0][0]))
    return found


def key_terms(inside: list[list[str]], outside: list[list[str]],
              limit: int = 3) -> tuple[str, ...]:
    """The words that tell a theme's answers apart: the share of its answers using a word,
    less the share of the other answers using it."""
    def share(rows: list[list[str]]) -> dict[str, float]:
        counts: dict[str, int] = {}
        for row in rows:
            for word in set(row):
                counts[word] = counts.get(word, 0) + 1
        return {word: count / max(1, len(rows)) for word, count in counts.items()}

    mine, theirs = share(inside), share(outside)
    ranked = sorted(mine, key=lambda w: (-(mine[w] - theirs.get(w, 0.0)), -mine[w], w))
    return tuple(word for word in ranked if mine[word] - theirs.get(word, 0.0) > 0)[:limit]
