"""The one filter (bot.reports.filtering.AnswerFilter): residents by the day they joined,
their channel and their language, in results, the funnel, exports, the report and the
command line, on residents who took part through the real conversation service
(tests/staff/test_results.py: p1-p4, p7, "midway", "stopper" and "decliner" on web chat,
p5 and p6 on Telegram, p7 in Welsh). p1, p2 and p3 joined in November here: their
`started_at` is moved after they took part, as time would have."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from databases import fresh_postgres_database
from test_results import SLUG, build

from bot.cli import main
from bot.errors import BadRequest
from bot.reports import export, funnel, report_html, results
from bot.reports.filtering import EVERYONE, AnswerFilter, left_out_too_few
from bot.stages import counted, version_ids
from bot.store.db import engine_for, session_factory, transaction
from bot.store.models import Participant

NOVEMBER = AnswerFilter(date(2026, 11, 1), date(2026, 11, 30))
TELEGRAM = AnswerFilter(channel="telegram")


def residents(url: str) -> str:
    build(url)
    with transaction(session_factory(url)) as session:
        for participant in session.query(Participant).filter(
                Participant.pseudonym.in_(["p1", "p2", "p3"])):
            participant.started_at = datetime(2026, 11, 10, 23, 59)
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def url(request, tmp_path_factory) -> Iterator[str]:
    """The residents on a SQLite file, then on a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('filter') / 'engage.db'}"
        yield residents(url)
        engine_for(url).dispose()
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url"),
                                 "engage_filter") as url:
        yield residents(url)


def names(url: str, only: AnswerFilter) -> set[str]:
    with transaction(session_factory(url)) as session:
        return {p.pseudonym for p in counted(session, SLUG, only)}


def test_what_staff_type_is_read_or_refused_in_plain_words():
    assert AnswerFilter.parse(" 2026-11-01", "2026-11-30 ", "SMS", " CY ") == AnswerFilter(
        date(2026, 11, 1), date(2026, 11, 30), "twilio_sms", "cy")
    assert AnswerFilter.parse("", "", "web", "") == AnswerFilter(channel="rest")
    assert AnswerFilter.parse() == EVERYONE and not EVERYONE.active
    problems = {
        ("2026-13-01", "", "", ""): "The 'from' date '2026-13-01' is not a date like 2026-11-01.",
        ("", "next week", "", ""): "The 'to' date 'next week' is not a date like 2026-11-01.",
        ("2026-11-02", "2026-11-01", "", ""): "The 'to' date (2026-11-01) is before the 'from' "
                                              "date (2026-11-02)",
        ("", "", "fax", ""): "'fax' is not a channel: choose one of sms, whatsapp, telegram, web.",
        ("", "", "", "klingon"): "'klingon' is not a language the bot speaks",
    }
    for typed, words in problems.items():
        with pytest.raises(BadRequest) as refused:
            AnswerFilter.parse(*typed)
        assert words in str(refused.value)
    chosen = AnswerFilter.parse("2026-11-01", "", "telegram", "cy")
    assert AnswerFilter.parse(*[chosen.query().get(k, "") for k in ("from", "to", "channel",
                                                                    "language")]) == chosen
    assert chosen.words() == ("Residents who joined on or after 1 November 2026 (UTC), on "
                              "Telegram, in Welsh (Cymraeg)")


def test_each_filter_keeps_the_residents_it_names(url):
    assert names(url, EVERYONE) == {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "midway"}
    assert names(url, TELEGRAM) == {"p5", "p6"}
    assert names(url, AnswerFilter(language="cy")) == {"p7"}
    assert names(url, NOVEMBER) == {"p1", "p2", "p3"}  # 23:59 on the 10th: inside
    assert names(url, AnswerFilter(until=date(2026, 11, 10))) == {"p1", "p2", "p3"}
    assert names(url, AnswerFilter(since=date(2026, 11, 11), until=date(2026, 11, 30))) == set()
    assert len(names(url, AnswerFilter(date.min, date.max))) == 8  # the calendar's very ends
    assert names(url, AnswerFilter(since=date(2026, 12, 1), channel="rest")) == {
        "p4", "p7", "midway"}


def test_results_funnel_exports_and_report_count_the_same_filtered_residents(url):
    with transaction(session_factory(url)) as session:
        found = results.collect(session, SLUG, only=TELEGRAM)
        stages = funnel.collect(session, SLUG, TELEGRAM)
        rows = list(csv.DictReader(io.StringIO(export.to_csv(session, SLUG, TELEGRAM))))
        page = report_html.render(report_html.gather(session, SLUG, "test", only=TELEGRAM))
        every = funnel.collect(session, SLUG)
    assert found.agreed == 2 == stages.totals["agreed"] == len(rows)
    assert {row["participant"] for row in rows} == {"p5", "p6"}
    assert all(step.suppressed for step in found.steps)  # 2 answers: no question is shown
    assert stages.totals == every.by_channel["telegram"]  # the same count, two ways
    assert stages.by_channel.keys() == {"telegram"}
    assert stages.invitations == every.invitations  # invitations are never filtered
    assert "Residents who took part, on Telegram" in page
    assert "fewer than 5 residents" in page


def test_a_filter_leaving_out_a_few_residents_shows_nothing(url, capsys, monkeypatch):
    with transaction(session_factory(url)) as session:
        ids = version_ids(session, SLUG)
        assert not left_out_too_few(session, ids, EVERYONE)
        assert not left_out_too_few(session, ids, NOVEMBER)  # leaves out 7 who started
        december = AnswerFilter(since=date(2026, 12, 1))  # leaves out p1, p2 and p3
        assert left_out_too_few(session, ids, december)
        assert results.collect(session, SLUG, only=december).left_out
        page = report_html.render(report_html.gather(session, SLUG, "test", only=december))
    assert "leaves out fewer than 5 residents" in page and "<svg" not in page
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    assert main(["results", SLUG, "--since", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "leaves out fewer than 5 residents" in out and "Agreed: not shown" in out
    assert "Travel" not in out.split("not shown", 1)[1]


def test_the_funnel_question_by_question_hides_what_could_point_to_someone(url):
    with transaction(session_factory(url)) as session:
        agreed, steps = funnel.step_counts(session, SLUG)
        small_agreed, small = funnel.step_counts(session, SLUG, TELEGRAM)
    assert agreed.text == "8"
    first = steps[0]
    assert first.step_id == "travel_mode" and first.reached.text == "8"
    assert first.dropped.text == "0"
    # fare_cost is asked only of some: 5 got to it, 3 fewer; the 3 is hidden, and so is the
    # 5 it could be worked out from (8 - 5); the next question, asked of all, has more again
    second, third = steps[1], steps[2]
    assert (second.step_id, second.reached.count, second.dropped.count) == ("fare_cost", 5, 3)
    assert second.dropped.text == "fewer than 5" and second.reached.text == "not shown"
    assert (third.reached.text, third.dropped) == ("7", None)
    for before, after in zip([agreed, *[s.reached for s in steps]], steps, strict=False):
        if after.dropped is not None and after.dropped.hidden and 0 < after.dropped.count < 5:
            assert before.hidden or after.reached.hidden, after.step_id
    assert small_agreed.text == "fewer than 5"
    assert all(step.reached.hidden or step.reached.count == 0 for step in small)


def test_engage_export_and_results_take_the_filter(url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    assert main(["export", SLUG, "--format", "csv", "--since", "2026-11-01", "--until",
                 "2026-11-30"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {row["participant"] for row in rows} == {"p1", "p2", "p3"}
    assert main(["results", SLUG, "--channel", "telegram"]) == 0
    out = capsys.readouterr().out
    assert "Who: Residents who took part, on Telegram." in out
    assert "Agreed: fewer than 5 residents" in out
    report = tmp_path / "telegram.html"
    assert main(["results", SLUG, "--channel", "telegram", "--report", str(report)]) == 0
    assert "Residents who took part, on Telegram" in report.read_text(encoding="utf-8")
    assert main(["export", SLUG, "--until", "2026-02-30"]) != 0
    assert "The 'to' date '2026-02-30' is not a date" in capsys.readouterr().err
    assert main(["results", SLUG, "--channel", "pigeon"]) != 0
    assert "'pigeon' is not a channel" in capsys.readouterr().err


def test_a_filtered_count_beside_everyone_s_is_hidden_when_the_difference_is_small():
    """Bus 10 of 16 for Telegram, beside bus 12 for everyone, says 2 others chose bus: the
    10 is hidden, and so is the 6 it could be worked out from."""
    from bot.reports.results import Bar, StepResult, _beside_everyone
    from bot.reports.small_numbers import protect

    assert [c.text for c in protect([10, 6], 16, sensitive=[0])] == ["not shown"] * 2
    assert [c.text for c in protect([10, 6, 4], 20, sensitive=[0])] == [
        "not shown", "6", "fewer than 5"]
    assert [c.text for c in protect([0, 6], 6, sensitive=[0])] == ["0", "6"]

    def step(counts):
        total = sum(counts)
        return StepResult("mode", "choice", "Mode", "How?", answered=total,
                          bars=[Bar(label, n, n / total) for label, n in
                                zip(["Bus", "Walk", "Car"], counts, strict=True)])

    telegram, everyone = step([10, 6, 5]), step([12, 16, 5])
    _beside_everyone([telegram], [everyone])
    assert [bar.shown for bar in telegram.bars] == ["not shown", "6", "not shown"]
    far = step([10, 6, 5])
    _beside_everyone([far], [step([20, 16, 15])])
    assert [bar.shown for bar in far.bars] == ["10", "6", "5"]
