"""The one small-number rule for every figure about residents that staff see: results, reach,
the HTML report and exports of figures (and, later, the console).

A count of 1 to 4 people could point to someone ("the one resident in CF3 who said..."), so it
is shown as "fewer than 5", with no share and no gap. A count of 0 is shown: it names nobody.
Points (a rank step's Borda score) are not people and are not hidden one by one; a question
fewer than 5 people answered is hidden whole, through `too_few`.

Callers pass a whole row of counts (the groups of one question, with the total shown beside
them) to `protect`, never one cell at a time: a later change adds complementary suppression
there (hiding a second cell when a hidden one could be worked out from the total and the
others) without any caller changing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
FEW = f"fewer than {THRESHOLD}"
RULE = (f"Counts of 1 to {THRESHOLD - 1} people are shown as \"{FEW}\", without a share, "
        "and a question fewer than 5 people answered is not shown: small numbers could "
        "identify people.")


@dataclass(frozen=True)
class Shown:
    """A count as staff may see it."""

    count: int
    hidden: bool

    @property
    def text(self) -> str:
        return FEW if self.hidden else str(self.count)

    def share(self, total: int) -> float | None:
        """Its share of `total`, or None when hidden (a share would give the count away)."""
        if self.hidden or not total:
            return None
        return self.count / total


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def too_few(count: int) -> bool:
    """Fewer answers than this and a whole question (or table) is not shown."""
    return count < THRESHOLD


def shown(count: int) -> Shown:
    """One count that stands alone (a total, a headline figure)."""
    return Shown(count, is_small(count))


def protect(counts: Sequence[int], total: int | None = None) -> list[Shown]:
    """A row of counts as staff may see them; `total`, when it is shown beside the row, is
    what complementary suppression will need. Today: each small count is hidden."""
    del total  # kept for complementary suppression (a later change)
    return [Shown(count, is_small(count)) for count in counts]


def text(count: int) -> str:
    return shown(count).text
