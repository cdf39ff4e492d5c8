"""Spreadsheet formula injection: every CSV the product writes quotes cells a spreadsheet would
run (`=`, `+`, `-`, `@`, tab, carriage return), leaves numbers alone, and reads back exactly;
the XLSX export holds answers as text, never formulas (real SQLite, real conversations)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from test_reach import CAMPAIGN as REACH_CAMPAIGN
from test_reach import converse
from test_results import SLUG, build

from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.reports.csvcells import original, safe_cell
from bot.store.db import session_factory
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
# What residents might send as their "why": the attacks, and harmless look-alikes.
PAYLOADS = {
    "dde": "=cmd|' /C calc'!A0",
    "plus": "+SUM(1,2)",
    "at": "@SUM(1,2)",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "spaced": "  =HYPERLINK(\"http://x.example\",\"y\")",
    "negative": "-1",
    "quoted": "'=1+1",
    "plain": "because it is cheap",
}


@pytest.mark.parametrize("text,cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+1", "'-1+1"), ("@A1", "'@A1"),
    ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("\tplain", "'\tplain"), (" =1", "' =1"),
    ("\n-1+1", "'\n-1+1"), ("'=1", "''=1"), ("''@x", "'''@x"),
    ("-1", "-1"), ("-4.5", "-4.5"), ("12", "12"), ("- 1", "'- 1"), ("-", "'-"),
    ("it's fine", "it's fine"), ("'quoted'", "'quoted'"), ("a=b", "a=b"), ("", ""),
    (3, 3), (-11.5, -11.5), (None, None),
])
def test_cells_a_spreadsheet_would_run_are_quoted_and_nothing_else(text, cell):
    assert safe_cell(text) == cell
    if isinstance(text, str):
        assert original(cell) == text


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    service = build(url)
    for name, why in PAYLOADS.items():
        for text in ["TESTALL", "1", "YES", "ok", "walk", why]:
            service.handle(name, "rest", text)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def test_the_csv_export_quotes_formulas_and_reads_back_exactly(db, capsys):
    assert main(["export", SLUG]) == 0
    stored = {row["participant"]: row["answers"]["travel_mode.why"]
              for row in map(json.loads, capsys.readouterr().out.splitlines())
              if row["participant"] in PAYLOADS}
    assert stored["dde"] == PAYLOADS["dde"] and stored["negative"] == "-1"
    assert main(["export", SLUG, "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    cells = {row["participant"]: row["travel_mode.why"] for row in table}
    assert cells["dde"] == "'=cmd|' /C calc'!A0"
    assert cells["plus"] == "'+SUM(1,2)" and cells["at"] == "'@SUM(1,2)"
    assert cells["minus"] == "'-2+3+cmd|' /C calc'!A0"
    assert cells["quoted"] == "''=1+1"
    assert cells["negative"] == "-1" and cells["plain"] == "because it is cheap"
    for name, answer in stored.items():
        assert original(cells[name]) == answer, name
    # No cell anywhere in the file starts with what a spreadsheet runs, numbers apart.
    for row in table:
        for value in row.values():
            assert not re.match(r"[\s']*[=+\-@]", value) or re.fullmatch(r"-?\d+(\.\d+)?", value) \
                or value.startswith("'"), value
    assert next(r for r in table if r["participant"] == "p1")["fare_cost"] == "4"


def test_the_xlsx_export_holds_formula_like_answers_as_text(db, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(target)]) == 0
    sheet = load_workbook(target)["Answers"]
    header = [cell.value for cell in sheet[1]]
    why = header.index("travel_mode.why")
    found = {row[0].value: row[why] for row in sheet.iter_rows(min_row=2)
             if row[0].value in PAYLOADS}
    for name, payload in PAYLOADS.items():
        if name == "spaced":
            payload = payload.strip()  # the conversation trims what residents send
        assert found[name].value == payload and found[name].data_type == "s", name
    with zipfile.ZipFile(target) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in book.read(name).decode("utf-8"), name


def test_the_reach_csv_quotes_staff_labels_and_keeps_negative_gaps_as_numbers(
        tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    path = tmp_path / "reach-test.yml"
    path.write_text(REACH_CAMPAIGN.replace('"40 or over"', '"=1+1 or over"'), encoding="utf-8")
    publish_files([str(path)], url)
    service = ConversationService(session_factory(url))
    for number in range(8):
        converse(service, f"young{number}", "1", "1", "CF10 1AB")
    for number in range(5):
        converse(service, f"old{number}", "1", "2", "CF11 1AA")
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    assert main(["campaign", "reach", "reach-test", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    old = next(r for r in rows if r["group"] == "old")
    assert old["label"] == "'=1+1 or over"
    assert old["gap_points"] == "-11.5" and old["people"] == "5"


def test_every_csv_the_product_writes_goes_through_safe_cells():
    writers = re.compile(r"csv\.(writer|DictWriter)\b")
    direct = [str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
              if path.name != "csvcells.py" and writers.search(path.read_text(encoding="utf-8"))]
    assert direct == []
