"""Watch and results: the console's results pages on a real database where residents took
part through the real conversation service: the funnel, each question with its chart and
table, filters by date, channel and language, the polled figures, the downloads and the
printable report, for each role.

Residents answer now (the conversation service's clock is the real one); a test that needs
residents who joined on other days moves their `started_at` afterwards, as time would."""

from __future__ import annotations

import csv
import html as markup
import io
import json
import re
from datetime import datetime

import pytest
from console_helpers import add_member, audit_rows, open_session_for
from openpyxl import load_workbook
from sharing_helpers import PEOPLE, campaign_with_answers, take_part

from bot.store.db import transaction
from bot.store.models import AuditEntry, Participant
from bot.test_senders import pseudonym_for

SLUG = "delib-test"
PAGE = f"/results/{SLUG}"
NOVEMBER = "from=2026-11-01&to=2026-11-30"
TRY_IT_WORDS = "a zebra crossing by the surgery"  # only ever said in "Try it"


def telegram_people() -> dict:
    return {f"t{name}": answers for name, answers in PEOPLE.items()}


@pytest.fixture
def answered(db):
    """Six residents on web chat who joined today, six on Telegram who joined in November."""
    service = campaign_with_answers(db)
    for name, (choice, reason, idea) in telegram_people().items():
        take_part(service, name, choice, reason, idea, channel="telegram")
    with transaction(db) as session:
        for participant in session.query(Participant).filter(Participant.channel == "telegram"):
            participant.started_at = datetime(2026, 11, 10, 12, 0)
    return service


def signed_in(client, db, clock, role: str) -> None:
    client.cookies.clear()
    open_session_for(client, db, add_member(db, role, f"{role}@council.example"), clock())


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', html)
    assert found, f"no figure {name}"
    return found.group(1)


def export_rows(db) -> list[tuple[str, dict]]:
    with transaction(db) as session:
        return [(e.actor, e.details) for e in session.query(AuditEntry)
                .filter(AuditEntry.action == "export").order_by(AuditEntry.id)]


def test_the_list_links_each_campaign_with_its_headline_counts(client, db, clock, answered):
    signed_in(client, db, clock, "viewer")
    html = client.get("/results").text
    assert f'href="{PAGE}"' in html
    row = re.search(r"<tr>\s*<td data-label=\"Campaign\">.*?</tr>", html, re.S).group(0)
    assert re.findall(r'class="number">([^<]*)<', row) == ["12", "12", "12"]
    nav = re.search(r'<nav aria-label="Main".*?</nav>', client.get("/").text, re.S).group(0)
    assert '>Results</a>' in nav


def test_the_page_shows_the_funnel_each_question_and_its_data(client, db, clock, answered):
    signed_in(client, db, clock, "officer")
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.text
    assert figure(html, "started") == "12" and figure(html, "agreed") == "12"
    assert figure(html, "finished") == "12"
    assert figure(html, "reached-fix") == "12" and figure(html, "reached-fix_again") == "12"
    assert '<svg role="img"' in html and "<caption>Answers</caption>" in html
    assert '<th scope="col">People</th>' in html
    assert "Who we are hearing from" in html  # the campaign names no population: says so
    assert "does not say whom the campaign wants to hear from" in html
    for kind in ("csv", "xlsx", "jsonl"):
        assert f'href="{PAGE}/answers.{kind}"' in html
    assert f'href="{PAGE}/report"' in html
    assert f'data-poll="{PAGE}/figures"' in html


def test_filters_change_the_figures(client, db, clock, answered):
    signed_in(client, db, clock, "viewer")
    telegram = client.get(f"{PAGE}?channel=telegram").text
    assert figure(telegram, "agreed") == "6" and figure(telegram, "reached-fix") == "6"
    assert "Residents who took part, on Telegram" in telegram
    assert 'value="telegram" selected' in telegram
    november = client.get(f"{PAGE}?{NOVEMBER}").text
    assert figure(november, "agreed") == "6"
    assert "joined from 1 November 2026 to 30 November 2026" in november
    assert figure(client.get(f"{PAGE}?from=2026-12-01").text, "agreed") == "6"
    assert figure(client.get(f"{PAGE}?{NOVEMBER}&channel=web").text, "agreed") == "0"
    assert figure(client.get(f"{PAGE}?language=en").text, "agreed") == "12"
    assert figure(client.get(f"{PAGE}?language=cy").text, "agreed") == "0"
    every = client.get(PAGE).text
    assert figure(every, "agreed") == "12"
    assert figure(client.get(f"{PAGE}?from=0001-01-01&to=9999-12-31").text, "agreed") == "12"


def test_the_polled_figures_change_when_a_new_answer_is_stored(client, db, clock, answered):
    signed_in(client, db, clock, "viewer")
    before = client.get(f"{PAGE}/figures", headers={"X-Console-Poll": "1"})
    assert before.status_code == 200 and "<html" not in before.text
    assert figure(before.text, "agreed") == "12" and figure(before.text, "reached-fix") == "12"
    for text in ("DELIB", "1", "YES", "2"):  # a new resident agrees and answers one question
        answered.handle("newcomer", "rest", text)
    after = client.get(f"{PAGE}/figures").text
    assert figure(after, "agreed") == "13" and figure(after, "reached-fix") == "13"
    assert figure(after, "answering") == "fewer than 5"
    assert figure(client.get(f"{PAGE}/figures?channel=telegram").text, "agreed") == "6"


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_each_download_holds_the_filtered_residents_and_is_audited(client, db, clock,
                                                                   answered, role):
    signed_in(client, db, clock, role)
    every = client.get(f"{PAGE}/answers.csv")
    assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
    assert every.headers["content-disposition"] == f'attachment; filename="{SLUG}.csv"'
    assert len(list(csv.DictReader(io.StringIO(every.text)))) == 12
    november = list(csv.DictReader(io.StringIO(client.get(f"{PAGE}/answers.csv?{NOVEMBER}").text)))
    assert len(november) == 6 and {row["channel"] for row in november} == {"Telegram"}
    assert all(row["started_at"].startswith("2026-11-10") for row in november)
    lines = client.get(f"{PAGE}/answers.jsonl?from=2026-12-01").text.splitlines()
    assert len(lines) == 6 and {json.loads(line)["channel"] for line in lines} == {"web chat"}
    workbook = client.get(f"{PAGE}/answers.xlsx?{NOVEMBER}")
    assert workbook.headers["content-disposition"] == (
        f'attachment; filename="{SLUG}-from-2026-11-01-to-2026-11-30.xlsx"')
    sheet = load_workbook(io.BytesIO(workbook.content))["Answers"]
    assert sheet.max_row == 1 + 6
    about = [row[0].value for row in load_workbook(io.BytesIO(workbook.content))
             ["About this export"].iter_rows()]
    assert any("Filtered: Residents who joined from 1 November 2026" in str(v) for v in about)
    entries = export_rows(db)
    assert [details["format"] for _, details in entries] == ["csv", "csv", "jsonl", "xlsx"]
    assert {who for who, _ in entries} == {f"{role}@council.example"}
    assert "filter" not in entries[0][1]
    assert entries[1][1]["filter"].startswith("Residents who joined from 1 November 2026")


def test_a_viewer_reads_the_figures_and_the_report_but_downloads_no_answers(client, db, clock,
                                                                             answered):
    signed_in(client, db, clock, "viewer")
    for kind in ("csv", "jsonl", "xlsx"):
        refused = client.get(f"{PAGE}/answers.{kind}?{NOVEMBER}")
        assert refused.status_code == 403 and "You cannot use this page" in refused.text
    assert export_rows(db) == []
    page = client.get(PAGE).text
    assert "answers.csv" not in page and "for engagement officers and administrators" in page
    assert client.get(f"{PAGE}/figures").status_code == 200
    report = client.get(f"{PAGE}/report?channel=telegram")
    assert report.status_code == 200 and report.text.startswith("<!DOCTYPE html>")
    assert '<link rel="stylesheet" href="/results/report.css">' in report.text
    assert "<style>" not in report.text  # the console allows no inline styles
    assert "Residents who took part, on Telegram" in report.text
    assert "6 people answered" in report.text
    assert client.get("/results/report.css").headers["content-type"].startswith("text/css")
    assert export_rows(db) == [("viewer@council.example",
                                {"format": "html", "to": "console",
                                 "filter": "Residents who took part, on Telegram"})]


@pytest.mark.parametrize("query, words", [
    ("from=yesterday", "The 'from' date 'yesterday' is not a date like 2026-11-01."),
    ("to=2026-02-30", "The 'to' date '2026-02-30' is not a date like 2026-11-01."),
    ("from=2026-11-30&to=2026-11-01", "The 'to' date (2026-11-01) is before the 'from' date "
                                      "(2026-11-30)"),
    ("channel=pigeon", "'pigeon' is not a channel: choose one of sms, whatsapp, telegram, web."),
    ("language=xx", "'xx' is not a language the bot speaks"),
    ("channel=%3Cscript%3E", "'<script>' is not a channel"),
    ("from=%E2%80%AE2026-11-01", "is not a date like 2026-11-01"),
])
def test_a_bad_filter_gets_a_plain_message_not_figures(client, db, clock, answered, query,
                                                       words):
    signed_in(client, db, clock, "officer")
    page = client.get(f"{PAGE}?{query}")
    assert page.status_code == 400
    assert "There is a problem" in page.text and words in markup.unescape(page.text)
    assert 'data-figure="agreed"' not in page.text
    assert "<title>Error: " in page.text
    fragment = client.get(f"{PAGE}/figures?{query}")
    assert fragment.status_code == 400 and words in markup.unescape(fragment.text)
    for path in ("answers.csv", "answers.xlsx", "report"):
        refused = client.get(f"{PAGE}/{path}?{query}")
        assert refused.status_code == 400 and words in markup.unescape(refused.text)
    assert export_rows(db) == []
    assert client.get(f"/results/no-such-campaign?{query}").status_code == 404


def test_a_filter_never_points_to_a_few_residents(client, db, clock, answered):
    with transaction(db) as session:  # three of the Telegram residents joined in October
        for name in ("tp1", "tp2", "tp3"):
            session.query(Participant).filter(Participant.pseudonym == name).one() \
                .started_at = datetime(2026, 10, 5, 9, 0)
    signed_in(client, db, clock, "officer")
    october = client.get(f"{PAGE}?from=2026-10-01&to=2026-10-31").text
    assert figure(october, "agreed") == "fewer than 5"
    assert figure(october, "reached-fix") == "fewer than 5"
    assert "not shown, so that no one can be recognised" in october
    assert not re.search(r'<td class="num">[1-4]</td>', october)
    report = client.get(f"{PAGE}/report?from=2026-10-01&to=2026-10-31").text
    assert "fewer than 5 residents" in report and "not shown, so that no one" in report
    # everyone but those three: set beside the whole, it would give them away
    rest = client.get(f"{PAGE}?from=2026-11-01").text
    assert figure(rest, "left-out").strip().startswith("Residents who joined on or after")
    assert 'data-figure="agreed"' not in rest and "<svg" not in rest
    assert "leaves out fewer than 5 residents" in client.get(
        f"{PAGE}/report?from=2026-11-01").text
    assert "leaves out fewer than 5" in client.get(f"{PAGE}/figures?from=2026-11-01").text


def test_try_it_answers_are_never_in_the_results(client, db, clock, answered):
    tester = pseudonym_for("console-try-it-tester-01")
    for text in ("DELIB", "1", "YES", "1", "Because I am testing", TRY_IT_WORDS, "1"):
        answered.handle(tester, "rest", text)
    with transaction(db) as session:
        assert session.query(Participant).filter(Participant.is_test.is_(True)).count() == 1
    signed_in(client, db, clock, "admin")
    page = client.get(PAGE).text
    assert figure(page, "agreed") == "12" and figure(page, "reached-fix") == "12"
    assert re.findall(r'class="number">([^<]*)<', client.get("/results").text)[:3] == \
        ["12", "12", "12"]
    for path in ("", "/figures", "/report", "/answers.csv", "/answers.jsonl"):
        body = client.get(f"{PAGE}{path}").text
        assert TRY_IT_WORDS not in body and tester not in body
    assert len(list(csv.DictReader(io.StringIO(client.get(f"{PAGE}/answers.csv?channel=web")
                                               .text)))) == 6


def test_the_launch_page_link_to_results_works(client, db, clock, answered):
    signed_in(client, db, clock, "officer")
    from pathlib import Path

    template = (Path(__file__).resolve().parents[2] / "bot" / "console" / "templates"
                / "launches" / "progress.html").read_text(encoding="utf-8")
    assert 'href="/results/{{ found.launch.slug }}"' in template
    assert client.get(PAGE).status_code == 200
    assert audit_rows(db) == []  # reading the figures records nothing
