"""`engage results`: figures agree with the conversations residents actually had."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.reports.results import collect
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry

FIXTURE = str(Path(__file__).resolve().parent.parent / "fixtures" / "campaign_all_steps.yml")
SLUG = "test-all-steps"

# name: (channel, language menu number, travel mode, why, fare scale or None, rank, idea,
#        reflect 1 yes / 2 no, travel mode again)
RESIDENTS = {
    "p1": ("rest", "1", "bus", "cheap", "4", "312", "idea one", "2", "walk"),
    "p2": ("rest", "1", "bus", "no car", "5", "123", "idea two", "1", "bus"),
    "p3": ("rest", "1", "bus", "near", "2", "132", "idea three", "2", "bus"),
    "p4": ("rest", "1", "walk", "close", None, "213", "idea four", "2", "walk"),
    "p5": ("telegram", "1", "car", "fast", None, "321", "idea five", "1", "bus"),
    "p6": ("telegram", "1", "bus", "w", "4", "123", "idea six", "2", "car"),
    "p7": ("rest", "2", "1", "rhad", "3", "231", "idea seven", "1", "1"),
}


def take_part(service: ConversationService, name: str, answers: tuple) -> None:
    """The reflect answer only where it is asked: with fewer than 5 answers so far there is
    nothing to show, and the bot goes straight on to the next question."""
    channel, language, mode, why, scale, rank, idea, reflect, again = answers
    script = ["TESTALL", language, "YES", "ok", mode, why]
    script += [scale] if scale is not None else []
    script += [rank, idea]
    for text in script:
        replies = service.handle(name, channel, text).messages
    if replies[-1].endswith("\n1 Yes\n2 No") or replies[-1].endswith("\n1 Ydy\n2 Nac ydy"):
        service.handle(name, channel, reflect)
    service.handle(name, channel, again)


def build(url: str) -> ConversationService:
    """Seven residents who finish, one who stops half-way, one who declines, one who is mid-way."""
    upgrade(url)
    publish_files([FIXTURE], url)
    service = ConversationService(session_factory(url), tally_ttl=0)  # counts as they grow
    # The stopper and "midway" choose first, so from p3 on there are 5 answers to reflect on
    # (p1 and p2 are not asked); midway's why comes last.
    for text in ["TESTALL", "1", "YES", "ok", "walk", "STOP"]:
        service.handle("stopper", "rest", text)
    for text in ["TESTALL", "1", "YES", "ok", "car"]:
        service.handle("midway", "rest", text)
    for name, answers in RESIDENTS.items():
        take_part(service, name, answers)
    for text in ["TESTALL", "1", "NO"]:
        service.handle("decliner", "rest", text)
    service.handle("midway", "rest", "because")
    return service


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    build(url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def results_by_step(url: str):
    with transaction(session_factory(url)) as session:
        results = collect(session, SLUG)
    return results, {step.step_id: step for step in results.steps}


def test_choice_counts_and_shares_count_consented_answers_only(db):
    results, steps = results_by_step(db)
    # p1..p7 and "midway" gave consent; the resident who said STOP withdrew it
    assert results.agreed == 8
    choice = steps["travel_mode"]
    assert choice.answered == 8
    assert [(b.label, b.count) for b in choice.bars] == [("Bus", 5), ("Walk", 1), ("Car", 2)]
    assert round(choice.bars[0].share, 3) == 0.625
    assert [b.hidden for b in choice.bars] == [False, True, True]  # the small-number rule


def test_scale_distribution_and_median(db):
    _, steps = results_by_step(db)
    scale = steps["fare_cost"]
    assert scale.answered == 5
    assert [b.count for b in scale.bars] == [0, 1, 1, 2, 1]
    assert scale.bars[0].label == "1 (Strongly disagree)"
    assert scale.median == 4


def test_rank_borda_scores_and_order(db):
    _, steps = results_by_step(db)
    rank = steps["priorities"]
    assert [(b.label, b.count) for b in rank.bars] == [("Cost", 8), ("Time", 7), ("Safety", 6)]
    assert rank.order == ["Cost", "Time", "Safety"]


def test_revisit_pairs_each_resident_with_their_first_answer(db):
    _, steps = results_by_step(db)
    revisit = steps["travel_mode_again"]
    assert (revisit.stayed, revisit.moved) == (4, 3)
    assert sorted((a, b, cell.count) for a, b, cell in revisit.changes) == [
        ("Bus", "Car", 1), ("Bus", "Walk", 1), ("Car", "Bus", 1)]
    assert all(cell.hidden for _, _, cell in revisit.changes)


def test_reflect_yes_no_and_text_samples(db):
    _, steps = results_by_step(db)
    # p1 and p2 reached it with fewer than 5 answers to show, so were not asked
    assert [(b.label, b.count) for b in steps["others_mode"].bars] == [("Yes", 2), ("No", 3)]
    ideas = steps["ideas"]
    assert ideas.answered == 7 and ideas.quotable == 7
    ideas_given = {f"idea {n}" for n in ("one two three four five six seven".split())}
    quoted = [quote.text for quote in ideas.samples]
    assert len(quoted) == len(set(quoted)) == 6 and set(quoted) <= ideas_given
    why = steps["travel_mode.why"]
    assert why.answered == 8 and why.quotable == 7  # "w" is counted, never quoted
    assert "w" not in [quote.text for quote in why.samples]


def test_small_numbers_are_not_shown(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'small.db'}"
    upgrade(url)
    publish_files([FIXTURE], url)
    service = ConversationService(session_factory(url))
    for name in ("p1", "p2"):
        take_part(service, name, RESIDENTS[name])
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    _, steps = results_by_step(url)
    assert all(step.suppressed and not step.bars and not step.samples for step in steps.values())
    assert main(["results", SLUG]) == 0
    out = capsys.readouterr().out
    assert "fewer than 5 answers" in out
    assert "%" not in out and "idea one" not in out


def test_small_counts_within_a_question_are_hidden_in_the_terminal_and_the_report(
        db, tmp_path, capsys):
    """Walk (1) and Car (2) of travel_mode: "fewer than 5" and no share, as reach shows them."""
    report = tmp_path / "results.html"
    assert main(["results", SLUG, "--report", str(report)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Travel mode:"))
    walk = next(line for line in lines[start:] if line.strip().startswith("Walk"))
    car = next(line for line in lines[start:] if line.strip().startswith("Car"))
    for line in (walk, car):
        assert "fewer than 5" in line and "%" not in line and "#" not in line
    html = report.read_text(encoding="utf-8")
    assert "Walk: 1 " not in html and "Car: 2 " not in html and ">13%<" not in html
    assert "Walk: fewer than 5" in html


def test_terminal_output_is_readable(db, capsys):
    assert main(["results", SLUG]) == 0
    out = capsys.readouterr().out
    assert "Bus" in out and "62%" in out
    assert "Median: 4" in out
    assert "fewer than 5 stayed, fewer than 5 changed" in out


def test_html_report_is_self_contained_and_has_the_figures(db, tmp_path, capsys):
    report = tmp_path / "results.html"
    assert main(["results", SLUG, "--report", str(report)]) == 0
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html
    assert html.count("<svg") >= 5 and 'role="img"' in html and "<title id=" in html
    assert "<h1>" in html and "<h2" in html and "<caption>" in html and "@media print" in html
    assert "Bus: 5 people" in html and ">62%<" in html
    assert "<strong>4</strong>" in html  # the median
    assert "idea seven" in html
    with transaction(session_factory(db)) as session:
        entry = session.query(AuditEntry).filter_by(action="export").one()
        assert entry.subject == SLUG and entry.details["format"] == "html"


def test_mistakes_get_a_plain_message_and_change_nothing(db, tmp_path, capsys):
    assert main(["results", "no-such-campaign"]) == 1
    assert "Error: No campaign called 'no-such-campaign'" in capsys.readouterr().err
    missing = tmp_path / "nowhere" / "r.html"
    assert main(["results", SLUG, "--report", str(missing)]) == 1
    assert capsys.readouterr().err.startswith("Error:")
    assert not missing.exists()
    with transaction(session_factory(db)) as session:
        assert session.query(AuditEntry).count() == 0


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["results", "--help"])
    assert "example:" in capsys.readouterr().out
