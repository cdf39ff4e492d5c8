"""One definition of each funnel stage: `campaign status`, `campaign reach`, `results`, the HTML
report and the exports count the same residents, through the real commands, and each says
what its figures mean in staff words (never `opted_out` or `in_progress`)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook
from test_reach import CAMPAIGN

from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import CampaignVersion, Invitation
from bot.store.vault import ContactVault

SLUG = "reach-test"
INTERNAL = ("opted_out", "in_progress", "consented", "declined", "twilio_sms")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    """Six residents finish; one agrees and stops; one stops, starts again, agrees and is
    still answering; one
    says no; three are invited and never reply; one is invited and is choosing a language."""
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    path = tmp_path / "reach-test.yml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    publish_files([str(path)], url)
    factory = session_factory(url)
    service = ConversationService(factory)
    for number in range(6):
        for text in ("REACHT", "YES", "1", "1", f"CF10 {number}AB"):
            service.handle(f"finisher{number}", "rest", text)
    for text in ("REACHT", "YES", "1", "STOP"):
        service.handle("withdrew", "rest", text)
    for text in ("REACHT", "YES", "2", "STOP", "START", "YES", "2", "2"):
        service.handle("comeback", "rest", text)
    for text in ("REACHT", "NO"):
        service.handle("decliner", "rest", text)
    with transaction(factory) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        invited = []
        for number in range(4):
            name = ContactVault(session, "test-secret").remember(
                "twilio_sms", f"+447700900{number:03d}")
            row = Invitation(campaign_id=version.id, pseudonym=name, channel="twilio_sms")
            session.add(row)
            session.flush()
            invited.append((name, row.id))
    for _, invitation_id in invited:
        service.invite(invitation_id)
    service.handle(invited[0][0], "twilio_sms", "hello")  # replied: now deciding
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def run(capsys, *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def figure(text: str, pattern: str) -> int:
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{pattern!r} not in:\n{text}"
    return int(found.group(1))


def test_every_output_counts_the_same_residents(db, capsys, tmp_path):
    status = run(capsys, "campaign", "status", SLUG)
    assert figure(status, r"^\s*Started\s+(\d+)$") == 10  # the silent three are not started
    assert figure(status, r"^\s*Deciding\s+(\d+)$") == 1
    assert figure(status, r"^\s*Agreed\s+(\d+)$") == 7  # the one who withdrew is not
    assert figure(status, r"^\s*Finished\s+(\d+)$") == 6
    assert figure(status, r"^\s*Still answering\s+(\d+)$") == 1
    assert figure(status, r"^\s*Withdrew\s+(\d+)$") == 1
    assert figure(status, r"^\s*Said no\s+(\d+)$") == 1

    reach = run(capsys, "campaign", "reach", SLUG)
    assert figure(reach, r"^Agreed: (\d+)") == 7
    results = run(capsys, "results", SLUG)
    assert figure(results, r"^Agreed: (\d+)") == 7

    target = tmp_path / "out.csv"
    assert main(["export", SLUG, "--format", "csv", "-o", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == len({row["participant"] for row in rows}) == 7
    assert "Wrote 7 resident(s) who agreed" in capsys.readouterr().err
    jsonl = run(capsys, "export", SLUG, "--format", "jsonl")
    assert len(jsonl.splitlines()) == 7
    assert {json.loads(line)["status"] for line in jsonl.splitlines()} == {
        "Finished", "Still answering"}
    book = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(book)]) == 0
    assert load_workbook(book)["Answers"].max_row == 1 + 7


def test_each_output_states_its_definitions_in_staff_words(db, capsys, tmp_path):
    meaning = "gave consent and has not withdrawn it"
    outputs = {
        "status": run(capsys, "campaign", "status", SLUG),
        "reach": run(capsys, "campaign", "reach", SLUG),
        "results": run(capsys, "results", SLUG, "--report", str(tmp_path / "r.html")),
    }
    outputs["report"] = (tmp_path / "r.html").read_text(encoding="utf-8")
    book = tmp_path / "out.xlsx"
    assert main(["export", SLUG, "--format", "xlsx", "-o", str(book)]) == 0
    sheet = load_workbook(book)["About this export"]
    outputs["xlsx"] = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True)
                                for cell in row if cell)
    for name, text in outputs.items():
        assert meaning in text, name
        for word in INTERNAL:
            assert word not in text, (name, word)
    assert "Withdrew: agreed, then said STOP" in outputs["status"]
    assert "Started: wrote back at least once" in outputs["status"]
