"""How far the offline themes agree with a person's labels, on a labelled set of answers.

    python -m bot.deliberation.agreement tests/deliberation/data/appointments_labelled.yml

Per language (themes are found per language), two figures: the adjusted Rand index (ARI:
0 is chance, 1 the same grouping) and the share of answers whose theme matches their hand
label under the best one-to-one mapping of themes to labels (Hungarian method); then both
over all answers, each language weighed by its answers. Answers the method puts in no theme
count as wrong.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.deliberation.clustering import find_themes

NO_THEME = -1


@dataclass(frozen=True)
class Agreement:
    language: str
    answers: int
    themes: int
    ari: float
    matched: float  # share of answers matched under the best one-to-one mapping


def clusters(texts: list[str], language: str) -> list[int]:
    theme_of = [NO_THEME] * len(texts)
    for number, theme in enumerate(find_themes(texts, language)):
        for index, _ in theme.members:
            theme_of[index] = number
    return theme_of


def best_mapping_share(found: list[int], labels: list[str]) -> float:
    from scipy.optimize import linear_sum_assignment

    themes = sorted(set(found) - {NO_THEME})
    names = sorted(set(labels))
    table = Counter(zip(found, labels, strict=True))
    cost = [[-table[(theme, name)] for name in names] for theme in themes]
    if not themes:
        return 0.0
    rows, cols = linear_sum_assignment(cost)
    return -sum(cost[r][c] for r, c in zip(rows, cols, strict=True)) / len(labels)


def measure(path: Path) -> list[Agreement]:
    from sklearn.metrics import adjusted_rand_score

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_language: dict[str, list[dict]] = {}
    for answer in data["answers"]:
        by_language.setdefault(answer["lang"], []).append(answer)
    out = []
    for language, answers in by_language.items():
        texts = [a["text"] for a in answers]
        labels = [a["label"] for a in answers]
        found = clusters(texts, language)
        out.append(Agreement(language, len(answers), len(set(found) - {NO_THEME}),
                             float(adjusted_rand_score(labels, found)),
                             best_mapping_share(found, labels)))
    return out


def overall(results: list[Agreement]) -> Agreement:
    total = sum(r.answers for r in results)
    return Agreement("all", total, sum(r.themes for r in results),
                     sum(r.ari * r.answers for r in results) / total,
                     sum(r.matched * r.answers for r in results) / total)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.deliberation.agreement LABELLED.yml", file=sys.stderr)
        return 1
    results = measure(Path(args[0]))
    for row in [*results, overall(results)]:
        print(f"{row.language:>4}  answers {row.answers:>4}  themes {row.themes:>3}  "
              f"ARI {row.ari:.3f}  matched {row.matched:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
