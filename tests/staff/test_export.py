"""`engage export`: one rule for withdrawn residents (their answers are used nowhere, exports
included), and personal details typed into answers masked and marked, in every format."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from test_results import SLUG, build

from bot.cli import main
from bot.conversation import ConversationService
from bot.store.db import session_factory


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    build(url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def exports(tmp_path, capsys) -> dict[str, list[dict]]:
    """Every format's rows as dicts of column -> text."""
    assert main(["export", SLUG, "--format", "csv"]) == 0
    got = {"csv": list(csv.DictReader(io.StringIO(capsys.readouterr().out)))}
    assert main(["export", SLUG, "--format", "jsonl"]) == 0
    got["jsonl"] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    target = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(target)]) == 0
    capsys.readouterr()
    sheet = load_workbook(target)["Answers"]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    got["xlsx"] = [dict(zip(header, row, strict=True)) for row in rows]
    return got


def test_a_resident_who_said_stop_is_in_no_export(db, tmp_path, capsys):
    """"stopper" agreed, answered travel_mode (walk) and said STOP; results leave them out,
    and so does every export, as does "decliner", who never agreed."""
    for name, rows in exports(tmp_path, capsys).items():
        people = {row["participant"] for row in rows}
        assert "stopper" not in people and "decliner" not in people, name
        assert people == {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "midway"}, name
    assert main(["results", SLUG]) == 0
    assert "Agreed: 8 residents" in capsys.readouterr().out


def test_personal_details_are_masked_and_marked_in_every_format(db, tmp_path, capsys):
    service = ConversationService(session_factory(db))
    for text in ["TESTALL", "1", "YES", "ok", "walk",
                 "ring me on 07700 900123 or sam@example.org", "123", "I live at CF10 1AB"]:
        service.handle("chatty", "rest", text)
    for name, rows in exports(tmp_path, capsys).items():
        row = next(r for r in rows if r["participant"] == "chatty")
        answers = row["answers"] if name == "jsonl" else row
        why, ideas = answers["travel_mode.why"], answers["ideas"]
        assert why == "ring me on [phone number removed] or [email address removed]", name
        assert ideas == "I live at CF10 [rest of postcode removed]", name
        if name == "jsonl":
            assert row["personal_details"] == {
                "travel_mode.why": ["phone number", "email address"],
                "ideas": ["full postcode"]}
        else:
            assert row["personal_details"] == (
                "travel_mode.why: phone number, email address; ideas: full postcode"), name
        others = [r for r in rows if r["participant"] != "chatty"]
        assert all(not r["personal_details"] for r in others), name


def _export_entries(url: str) -> int:
    from bot.store.db import transaction
    from bot.store.models import AuditEntry

    with transaction(session_factory(url)) as session:
        return session.query(AuditEntry).filter_by(action="export").count()


@pytest.mark.parametrize("form", ["csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("where", ["missing-folder/out.file", "a-folder", "a-file/out.file"])
def test_an_unwritable_path_is_a_plain_error_and_no_audit_entry(db, tmp_path, capsys, form,
                                                                where):
    """A folder that is not there, a folder in place of the file, a file in place of the
    folder: `Error: ...`, exit 1, no traceback, nothing written and nothing in the audit log
    (an export is recorded only once its file exists)."""
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / where
    assert main(["export", SLUG, "--format", form, "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "Traceback" not in err and str(target) in err
    assert _export_entries(db) == 0
    assert not target.is_file()
