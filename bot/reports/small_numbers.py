"""The one small-number rule for every figure about residents that staff see: results, reach,
the HTML report, exports of figures, the public results page (and, later, the console).

A count of 1 to 4 people could point to someone ("the one resident in CF3 who said..."), so it
is shown as "fewer than 5", with no share and no gap. A count of 0 is shown: it names nobody.
Points (a rank step's Borda score) are not people and are not hidden one by one; a question
fewer than 5 people answered is hidden whole, through `too_few`.

Hiding a small count is not enough when a total is shown beside it: 40 answered, 30 said
bus, 7 said walk and "fewer than 5" said taxi gives taxi away (3). So every row of counts is
protected together (`protect`, or `protect_table` for tables whose rows and columns add up):
while any hidden count could still be worked out from what is shown (the totals, the other
counts, and what "fewer than 5" itself says: 1 to 4), another count is hidden too, shown as
"not shown" (complementary suppression). A "not shown" count says nothing about its size.
Whether a hidden count can be worked out is decided exactly: the smallest and largest value
it could have, given everything shown, by linear programming (`scipy`), must differ.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
FEW = f"fewer than {THRESHOLD}"
HIDDEN = "not shown"
RULE = (f"Counts of 1 to {THRESHOLD - 1} people are shown as \"{FEW}\", without a share, "
        "and a question fewer than 5 people answered is not shown: small numbers could "
        f"identify people. Where a hidden count could be worked out from a total and the "
        f"other counts, another count is hidden too (\"{HIDDEN}\").")

SMALL, COMPLEMENT, SENSITIVE = "small", "complement", "sensitive"


@dataclass(frozen=True)
class Shown:
    """A count as staff may see it. `complement`: hidden so that a small count beside it
    cannot be worked out (its text says nothing about its size)."""

    count: int
    hidden: bool
    complement: bool = False

    @property
    def text(self) -> str:
        if not self.hidden:
            return str(self.count)
        return HIDDEN if self.complement else FEW

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


def protect(counts: Sequence[int], total: int | None = None,
            sensitive: Iterable[int] = ()) -> list[Shown]:
    """A row of counts as staff may see them. `total`: the number shown beside the row that
    the counts add up to (by `shown`: exact, or "fewer than 5"), if one is shown; then
    counts are hidden until none of the small ones can be worked out from it. `sensitive`:
    the indexes of counts that must be hidden and never worked out, whatever their size (a
    filtered count whose difference from the unfiltered one is small)."""
    cells = {index: count for index, count in enumerate(counts)}
    sums: list[tuple[Hashable, Sequence[Hashable]]] = []
    fixed: list[Hashable] = []
    if total is not None:
        cells["total"] = total
        sums.append(("total", list(range(len(counts)))))
        fixed.append("total")
    result = protect_table(cells, sums, fixed, sensitive)
    return [result[index] for index in range(len(counts))]


def protect_table(counts: Mapping[Hashable, int],
                  sums: Sequence[tuple[Hashable, Sequence[Hashable]]] = (),
                  fixed: Iterable[Hashable] = (),
                  sensitive: Iterable[Hashable] = ()) -> dict[Hashable, Shown]:
    """Counts that add up (`sums`: each total's key and the keys of its parts) as staff may
    see them. `fixed` counts are shown elsewhere by `shown` whatever happens here (a headline
    total), so they are never hidden as complements. Small counts are hidden; then, while any
    hidden count can be worked out, the smallest count shown beside it in a sum is hidden too
    (or, with none left, a "fewer than 5" becomes "not shown", which says less)."""
    fixed_keys, hide = set(fixed), set(sensitive)
    state: dict[Hashable, str | None] = {
        key: SENSITIVE if key in hide and value else SMALL if is_small(value) else None
        for key, value in counts.items()}
    if sums:
        while True:
            found = _derivable(counts, sums, state)
            if found is None:
                break
            if not _hide_beside(found, counts, sums, state, fixed_keys):
                break  # nothing left to hide (a lone count that is its own total)
    return {key: Shown(value, state[key] is not None, state[key] in (COMPLEMENT, SENSITIVE))
            for key, value in counts.items()}


def _bounds(value: int, state: str | None) -> tuple[float, float | None]:
    if state is None:
        return (value, value)
    if state == SMALL:
        return (1, THRESHOLD - 1)
    return (0, None)  # "not shown" says nothing of its size


def _derivable(counts: Mapping[Hashable, int],
               sums: Sequence[tuple[Hashable, Sequence[Hashable]]],
               state: Mapping[Hashable, str | None],
               only: Hashable | None = None) -> Hashable | None:
    """A small count (`only`, if given) whose value follows from everything shown, or None. (A count hidden
    only as a complement may be worked out: it is not small, or is 0, and names nobody.)"""
    hidden = [key for key, how in state.items()
              if (how == SENSITIVE or (how is not None and is_small(counts[key])))
              and (only is None or key == only)]
    if not hidden:
        return None
    keys = list(counts)
    if len(sums) == 1 and sums[0][0] not in sums[0][1]:
        return _derivable_in_one_sum(counts, sums[0], state, hidden)
    return _derivable_by_lp(counts, sums, state, hidden, keys)


def _derivable_in_one_sum(counts, relation, state, hidden) -> Hashable | None:
    """One sum: each hidden count's range, exactly, from the others' bounds."""
    total_key, parts = relation
    members = [total_key, *parts]
    bounds = {key: _bounds(counts[key], state[key]) for key in members}
    signs = {key: (-1 if key == total_key else 1) for key in members}
    for key in hidden:
        if key not in bounds:
            continue
        low_rest = high_rest = 0.0
        for other in members:
            if other == key:
                continue
            low, high = bounds[other]
            high = math.inf if high is None else high
            if signs[other] > 0:
                low_rest, high_rest = low_rest + low, high_rest + high
            else:
                low_rest, high_rest = low_rest - high, high_rest - low
        # sign[key] * x + rest = 0  ->  x = -rest / sign[key]
        if signs[key] > 0:
            low, high = -high_rest, -low_rest
        else:
            low, high = low_rest, high_rest
        own_low, own_high = bounds[key]
        own_high = math.inf if own_high is None else own_high
        low, high = max(low, own_low), min(high, own_high)
        if math.isfinite(low) and math.isfinite(high) and \
                math.ceil(low - 1e-9) >= math.floor(high + 1e-9):
            return key
    return None


def _derivable_by_lp(counts, sums, state, hidden, keys) -> Hashable | None:
    """Several sums that share counts: the smallest and largest value of each hidden count
    given all of them, by linear programming (the tables here are sums of rows and columns,
    whose corners are whole numbers, so this is exact)."""
    from scipy.optimize import linprog

    index = {key: number for number, key in enumerate(keys)}
    rows = []
    for total_key, parts in sums:
        row = [0.0] * len(keys)
        for part in parts:
            row[index[part]] += 1.0
        row[index[total_key]] -= 1.0
        rows.append(row)
    bounds = [_bounds(counts[key], state[key]) for key in keys]
    rhs = [0.0] * len(rows)
    for key in hidden:
        target = [0.0] * len(keys)
        extremes = []
        for sign in (1.0, -1.0):
            target[index[key]] = sign
            answer = linprog(target, A_eq=rows, b_eq=rhs, bounds=bounds, method="highs")
            if answer.status != 0:  # unbounded above: it cannot be worked out
                extremes.append(math.inf if sign < 0 else -math.inf)
            else:
                extremes.append(sign * answer.fun)
        low, high = extremes
        if math.isfinite(low) and math.isfinite(high) and \
                math.ceil(low - 1e-6) >= math.floor(high + 1e-6):
            return key
    return None


def _hide_beside(key: Hashable, counts: Mapping[Hashable, int],
                 sums: Sequence[tuple[Hashable, Sequence[Hashable]]],
                 state: dict[Hashable, str | None], fixed: set[Hashable]) -> bool:
    """Hide one more count, as close to `key` as the sums go (a count in a sum with it, else
    one in a sum with those...): the smallest shown there (one that names people first),
    else a "fewer than 5" there becomes "not shown", which says less. False if none is left."""
    neighbours: dict[Hashable, list[Hashable]] = {}
    for total_key, parts in sums:
        members = [total_key, *parts]
        for member in members:
            neighbours.setdefault(member, []).extend(m for m in members if m != member)
    order: list[Hashable] = []  # every count reachable through the sums, nearest first
    seen, level = {key}, [key]
    while level:
        order.append(level)
        following = []
        for member in level:
            for other in neighbours.get(member, []):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        level = following
    for group in order:
        shown_here = sorted((m for m in group if state[m] is None and m not in fixed),
                            key=lambda m: (counts[m] == 0, counts[m]))
        if not shown_here:
            continue
        for candidate in shown_here:  # the smallest that protects `key` on its own
            state[candidate] = COMPLEMENT
            if _derivable(counts, sums, state, only=key) is None:
                return True
            state[candidate] = None
        state[shown_here[0]] = COMPLEMENT
        return True
    for group in order:
        widen = [m for m in group if state[m] == SMALL and m not in fixed]
        if widen:
            state[widen[0]] = COMPLEMENT
            return True
    return False


def text(count: int) -> str:
    return shown(count).text
