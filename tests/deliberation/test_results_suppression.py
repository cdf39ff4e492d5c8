"""Results' bars follow complementary suppression: a small count beside the question's total
cannot be worked out from the other bars."""

from __future__ import annotations

from bot.reports.results import _bars
from bot.reports.small_numbers import FEW, HIDDEN


def test_a_second_bar_is_hidden_when_the_total_would_give_a_small_one_away():
    bars = _bars([("Bus", 30), ("Walk", 7), ("Taxi", 3)], 40)
    assert [bar.shown for bar in bars] == ["30", HIDDEN, FEW]
    assert bars[1].share_text == "-" and bars[2].share_text == "-"


def test_the_report_s_stages_by_language_hide_what_the_nested_sums_would_give_away():
    """In Welsh 8 agreed = 6 finished + 2 still answering: the 2 must not follow from 8 - 6,
    nor from the English column and the totals."""
    from collections import Counter

    from test_complementary_suppression import _integer_range

    from bot.reports.funnel import Funnel
    from bot.reports.report_html import _stage_table

    english = Counter(started=20, deciding=2, agreed=15, finished=10, answering=5, said_no=3,
                      withdrew=0, stopped_early=0)
    welsh = Counter(started=10, deciding=0, agreed=8, finished=6, answering=2, said_no=2,
                    withdrew=0, stopped_early=0)
    funnel = Funnel("s", "t", [1], totals=english + welsh,
                    by_language={"en": english, "cy": welsh})
    cells = _stage_table(funnel, ["cy", "en"])
    assert cells[("cy", "answering")].hidden and cells[("cy", "said_no")].hidden
    top = ["deciding", "agreed", "said_no", "withdrew", "stopped_early"]
    counts = {key: cell.count for key, cell in cells.items()}
    sums = [((code, "started"), [(code, key) for key in top]) for code in ("cy", "en")]
    sums += [((code, "agreed"), [(code, "finished"), (code, "answering")])
             for code in ("cy", "en")]
    sums += [(("all", stage), [(code, stage) for code in ("cy", "en")])
             for stage in english]
    for key, cell in cells.items():
        if cell.hidden and 0 < cell.count < 5 and key[0] != "all":
            low, high = _integer_range(key, counts, cells, sums)
            assert low < high, key


def test_a_revisit_hides_who_stayed_when_a_small_number_changed():
    """14 answered both times and 4 changed: "10 stayed" would give the 4 away."""
    from bot.reports.results import StepResult

    step = StepResult("again", "revisit", "Again", "?", answered=14, stayed=10, moved=4)
    stayed, moved = step.movement
    assert (stayed.text, moved.text) == (HIDDEN, FEW)
    assert [c.text for c in StepResult("a", "revisit", "A", "?", stayed=9, moved=5).movement] \
        == ["9", "5"]
