"""Complementary suppression: no hidden count can be worked out from what is shown.

Only small counts (1 to 4) need protecting; a count hidden as a complement may be worked
out (it names nobody). An adversary sees every shown count exactly, knows that "fewer than 5" means 1 to 4 and that
"not shown" may be anything, and knows the totals shown beside the rows. The tests search every
assignment of the hidden counts that fits what is shown (brute force, independent of the
linear programming the module uses) and require each hidden count to have at least two
possible values."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.small_numbers import FEW, HIDDEN, THRESHOLD, protect, protect_table, shown


def _possible(cell, cap: int) -> range:
    if not cell.hidden:
        return range(cell.count, cell.count + 1)
    if cell.complement:
        return range(0, cap + 1)
    return range(1, THRESHOLD)


def test_a_count_hidden_as_a_complement_says_nothing_of_its_size():
    cells = protect([30, 7, 3], 40)
    assert cells[1].complement and cells[1].share(40) is None and cells[1].text == HIDDEN


def _row_values_that_fit(cells, total) -> list[tuple[int, ...]]:
    """Every row of counts consistent with what is shown of the row and its total."""
    total_shown = shown(total)
    totals = [total] if not total_shown.hidden else list(range(1, THRESHOLD))
    cap = max(totals)
    fits = []
    for values in itertools.product(*[_possible(cell, cap) for cell in cells]):
        if sum(values) in totals:
            fits.append(values)
    return fits


rows = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(rows)
def test_no_hidden_count_in_a_row_can_be_worked_out_from_its_total(counts):
    total = sum(counts)
    cells = protect(counts, total)
    assert [cell.count for cell in cells] == counts
    for cell, count in zip(cells, counts, strict=True):
        if 0 < count < THRESHOLD:
            assert cell.hidden  # every small count is hidden
    hidden = [index for index, cell in enumerate(cells) if cell.hidden and 0 < counts[index] < 5]
    if not hidden or (len(counts) == 1):
        return  # a lone count is its own total: the caller hides the question (too_few)
    fits = _row_values_that_fit(cells, total)
    assert tuple(counts) in fits
    for index in hidden:
        assert len({values[index] for values in fits}) >= 2, (counts, cells)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(rows)
def test_complements_are_hidden_only_when_needed(counts):
    """No total shown: nothing can be worked out, so only the small counts are hidden."""
    cells = protect(counts)
    assert [cell.hidden for cell in cells] == [0 < c < THRESHOLD for c in counts]
    assert not any(cell.complement for cell in cells)


def test_the_example_in_the_brief_hides_a_second_count():
    # 40 answered: 30 bus, 7 walk, 3 taxi. Without a second hidden count, taxi = 40 - 37.
    bus, walk, taxi = protect([30, 7, 3], 40)
    assert taxi.text == FEW and walk.text == HIDDEN and not bus.hidden


def test_two_small_counts_that_are_both_the_least_possible_are_protected():
    # 1 and 1 out of 12 shown as 10: "fewer than 5" twice adding to 2 can only be 1 and 1.
    cells = protect([10, 1, 1], 12)
    fits = _row_values_that_fit(cells, 12)
    assert len({values[1] for values in fits}) >= 2


def test_a_row_whose_every_count_is_small_and_largest_is_protected():
    # 4 and 4 of 8: both "fewer than 5" adding to 8 can only be 4 and 4.
    first, second = protect([4, 4], 8)
    assert first.hidden and second.hidden and HIDDEN in (first.text, second.text)


grids = st.lists(st.lists(st.integers(min_value=0, max_value=8), min_size=2, max_size=3),
                 min_size=2, max_size=3).filter(lambda g: len({len(r) for r in g}) == 1)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(grids)
def test_no_hidden_count_in_a_table_with_row_and_column_totals_can_be_worked_out(grid):
    """A table such as "stage by language": each row and column has a total, and the grand
    total is shown; a count can be worked out through several sums at once."""
    n_rows, n_cols = len(grid), len(grid[0])
    counts = {(r, c): grid[r][c] for r in range(n_rows) for c in range(n_cols)}
    sums = []
    for r in range(n_rows):
        counts[("row", r)] = sum(grid[r])
        sums.append((("row", r), [(r, c) for c in range(n_cols)]))
    for c in range(n_cols):
        counts[("col", c)] = sum(grid[r][c] for r in range(n_rows))
        sums.append((("col", c), [(r, c) for r in range(n_rows)]))
    counts["all"] = sum(map(sum, grid))
    sums.append(("all", [("row", r) for r in range(n_rows)]))
    result = protect_table(counts, sums, fixed=["all"])
    for key, value in counts.items():
        if 0 < value < THRESHOLD and key != "all":
            assert result[key].hidden
    hidden = [key for key, cell in result.items()
              if cell.hidden and key != "all" and 0 < counts[key] < THRESHOLD]
    for key in hidden:
        low, high = _integer_range(key, counts, result, sums)
        assert low <= counts[key] <= high
        assert low < high, (grid, key, {k: v.text for k, v in result.items()})


def _integer_range(key, counts, result, sums) -> tuple[int, int]:
    """The least and greatest whole value `key` can take given what is shown: an integer
    programme (scipy's milp), built here independently of the module's own check."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    keys = list(counts)
    where = {k: i for i, k in enumerate(keys)}
    low = np.zeros(len(keys))
    high = np.full(len(keys), np.inf)
    for k, cell in result.items():
        if not cell.hidden:
            low[where[k]] = high[where[k]] = cell.count
        elif not cell.complement:
            low[where[k]], high[where[k]] = 1, THRESHOLD - 1
    matrix = np.zeros((len(sums), len(keys)))
    for row, (total, parts) in enumerate(sums):
        for part in parts:
            matrix[row, where[part]] += 1
        matrix[row, where[total]] -= 1
    constraint = LinearConstraint(matrix, 0, 0)
    found = []
    for sign in (1, -1):
        target = np.zeros(len(keys))
        target[where[key]] = sign
        answer = milp(target, constraints=constraint, bounds=Bounds(low, high),
                      integrality=np.ones(len(keys)))
        found.append(round(sign * answer.fun) if answer.status == 0 else sign * -10**9)
    return found[0], found[1]
