"""Themes reach the HTML report (names and protected counts) and the exports (a column)."""

from __future__ import annotations

import csv
import io

from delib_helpers import SLUG, factory, make_db, resident

from bot.deliberation import themes
from bot.reports.export import to_csv
from bot.reports.report_html import gather, render
from bot.store.db import transaction

PARKING = ["no parking at the hospital", "parking costs too much at the hospital",
           "more parking spaces please", "free parking for patients", "parking is full"]
BUSES = ["buses every hour is not enough", "more buses on sunday", "the bus is always late",
         "a direct bus to the hospital", "buses in the evening", "reliable buses"]


def test_themes_are_in_the_report_and_the_csv_export(tmp_path):
    url = make_db(tmp_path)
    with transaction(factory(url)) as session:
        for number, text in enumerate(PARKING + BUSES):
            resident(session, f"r{number}", {"ideas": text})
        [ideas] = [s for s in themes.run(session, SLUG, k=2) if s.step_id == "ideas"]
        parking = next(t for t in ideas.themes if "parking" in t.terms)
        themes.rename(session, SLUG, parking.id, "Hospital parking")
    with transaction(factory(url)) as session:
        page = render(gather(session, SLUG, "engage results delib-test --report x.html"))
        exported = to_csv(session, SLUG)
    assert "Themes in these answers" in page and "Hospital parking" in page
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert sum(r["themes"] == "ideas: Hospital parking" for r in rows) >= len(PARKING)
    assert all(r["themes"].startswith("ideas: ") for r in rows)
