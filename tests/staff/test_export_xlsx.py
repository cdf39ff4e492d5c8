"""`engage export --format xlsx`: the CSV's rows and columns, and a data dictionary."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from test_results import SLUG, build

from bot.cli import main
from bot.conversation import ConversationService
from bot.store.db import session_factory, transaction
from bot.store.models import AuditEntry


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    build(url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_answers_sheet_matches_the_csv_export(db, tmp_path, capsys):
    target = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(target)]) == 0
    assert "Wrote 8 resident(s) who agreed" in capsys.readouterr().err  # not STOP, not NO
    assert main(["export", SLUG, "--format", "csv"]) == 0
    expected = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    book = load_workbook(target)
    assert book.sheetnames == ["Answers", "Data dictionary", "About this export"]
    got = rows(book["Answers"])
    assert got[0] == expected[0]
    assert [[("" if c is None else str(c)) for c in row] for row in got[1:]] == expected[1:]
    header = got[0]
    first = next(r for r in got if r[0] == "p1")
    assert first[header.index("fare_cost")] == 4  # a number Excel can add up
    assert first[header.index("priorities")] == "safety>cost>time"
    assert first[header.index("travel_mode.why")] == "cheap"
    with transaction(session_factory(db)) as session:
        details = [e.details for e in session.query(AuditEntry).filter_by(action="export")]
        assert {"format": "xlsx", "to": str(target)} in details


def test_data_dictionary_explains_steps_options_and_labels(db, tmp_path):
    target = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(target)]) == 0
    sheet = load_workbook(target)["Data dictionary"]
    table = rows(sheet)
    assert table[0] == ["column or step", "type", "what", "code", "text (en)", "text (cy)",
                        "text (pl)"]
    assert ["travel_mode", "choice", "question", None, "How do you usually get to your GP?",
            "Sut rydych chi'n mynd at y meddyg teulu fel arfer?",
            "Jak zwykle docierasz do lekarza?"] in table
    assert ["travel_mode", "choice", "option", "bus", "Bus", "Bws", "Autobus"] in table
    assert ["fare_cost", "scale", "scale label", 1, "Strongly disagree", "Anghytuno'n gryf",
            "Zdecydowanie nie"] in table
    assert any(r[0] == "travel_mode.why" and r[2] == "question" for r in table)
    assert any(r[0] == "priorities" and r[2] == "option" and r[3] == "safety" for r in table)
    assert not any(r[0] == "intro" for r in table)


def test_answers_that_look_like_formulas_stay_text(db, tmp_path):
    service = ConversationService(session_factory(db))
    for text in ["TESTALL", "1", "YES", "ok", "walk", "=HYPERLINK(\"x\",\"y\")"]:
        service.handle("sly", "rest", text)
    target = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(target)]) == 0
    sheet = load_workbook(target)["Answers"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "sly")
    cell = row[header.index("travel_mode.why")]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_mistakes_get_a_plain_message_and_write_nothing(db, tmp_path, capsys):
    assert main(["export", SLUG, "--format", "xlsx"]) == 1
    assert "Error: an Excel file cannot go to the screen" in capsys.readouterr().err
    assert main(["export", "nope", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx")]) == 1
    assert capsys.readouterr().err.startswith("Error: No campaign called 'nope'")
    assert not (tmp_path / "x.xlsx").exists()
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(tmp_path / "no" / "x.xlsx")]) == 1
    with transaction(session_factory(db)) as session:
        assert session.query(AuditEntry).count() == 0
