"""The HTML report (`engage results --report`) on the example buses campaign, from real
conversations: staff titles, no step ids, labels in full, when and how the figures were made,
the funnel by language, reach, a fair sample of open answers with their language, personal
details masked, and a data table for every chart."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.reports.results import SAMPLE
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import utcnow
from bot.store.repository import ParticipantRepository

ROOT = Path(__file__).resolve().parents[2]
SLUG = "buses-2026"
LONG = ("Lift from someone I know, like family, a neighbour or a friend from church, when "
        "they are free")
# language menu, travel mode, why, ease, hardest, first fix, reflect, idea, fix again, age,
# postcode
RESIDENTS = [
    ("1", "1", "It is cheap and I have a pass", "2", "1", "1", "2", "More buses at night", "1",
     "3", "CF10 1AB"),
    ("1", "1", "No car. Call me on 07700 900123", "2", "2", "2", "2", "1", "2", "2", "CF11"),
    ("1", "4", "My son drives me", "4", None, "4", "2", "x", "4", "7", "CF24 3AA"),
    ("1", "2", "It is close", "5", None, "5", "2", "Online booking please", "5", "5", "SKIP"),
    ("1", "1", "Only way", "1", "2", "2", "1", "Cheaper fares, sam@example.org", "2", "1",
     "CF10"),
    ("1", "1", "ok", "3", "1", "1", "2", "A bus from CF10 1AB to the hospital", "1", "4",
     "CF10 2AA"),
    ("1", "3", "Faster than the bus", "4", None, "3", "2", "More parking", "3", "6", "CF5"),
    ("1", "1", "Cheaper than a taxi", "2", "1", "1", "2", "Buses on Sundays", "1", "2", "CF11"),
    ("2", "1", "Does dim car gyda fi", "2", "1", "1", "2", "Mwy o fysiau", "1", "3", "CF10"),
    ("2", "1", "Mae'n rhad", "1", "2", "2", "2", "Help gyda chostau", "2", "8", "SKIP"),
    ("3", "1", "Nie mam samochodu", "2", "1", "1", "2", "Więcej autobusów", "1", "2", "CF24"),
    ("1", "1", "Because", "2", "1", "1", "2", "Later buses", "1", "3", "CF10"),
]
CONSENT = {"1": "YES", "2": "IE", "3": "TAK"}


def campaign_file(tmp_path: Path) -> Path:
    """The example campaign, with one option text long enough to need two lines."""
    data = yaml.safe_load((ROOT / "campaigns" / f"{SLUG}.yml").read_text(encoding="utf-8"))
    travel = next(step for step in data["steps"] if step["id"] == "travel_mode")
    lift = next(option for option in travel["options"] if option["id"] == "lift")
    lift["text"]["en"] = LONG
    path = tmp_path / f"{SLUG}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    publish_files([str(campaign_file(tmp_path))], url)
    factory = session_factory(url)
    service = ConversationService(factory, tally_ttl=0)  # counts as they grow
    for number, answers in enumerate(RESIDENTS):
        menu, mode, why, ease, hardest, fix, reflect, idea, again, age, postcode = answers
        script = ["BUSES", menu, CONSENT[menu], "ok", mode, why, ease]
        script += [hardest] if hardest is not None else []
        script += [fix]
        for text in script:
            service.handle(f"r{number}", "rest", text)
        # The reflect question is asked only once there are enough answers to show.
        if current_step(factory, f"r{number}") == "others_fix":
            service.handle(f"r{number}", "rest", reflect)
        for text in (idea, again, age, postcode):
            service.handle(f"r{number}", "rest", text)
    for text in ("BUSES", "1", "YES", "ok", "1", "I said STOP after this", "STOP"):
        service.handle("stopper", "rest", text)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def current_step(factory, pseudonym: str) -> str | None:
    with transaction(factory) as session:
        return ParticipantRepository(session).latest_for(pseudonym).state.get("step_id")


def report(tmp_path, capsys) -> str:
    target = tmp_path / "report.html"
    assert main(["results", SLUG, "--report", str(target)]) == 0
    capsys.readouterr()
    return target.read_text(encoding="utf-8")


def visible(html: str) -> str:
    """The words a reader sees: no tags, no attributes, no style sheet or chart titles."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_headings_are_staff_titles_and_no_step_id_shows(db, tmp_path, capsys):
    html = report(tmp_path, capsys)
    headings = [unescape(h) for h in re.findall(r"<h3[^>]*>(.*?)</h3>", html)]
    assert headings == ["How residents travel", "How residents travel: why",
                        "How easy it is to get there", "What makes it hardest",
                        "The one change to fund first", "Views after seeing what others chose",
                        "Ideas in their own words", "The one change, asked again", "Age",
                        "Postcode district"]
    text = visible(html)
    for step_id in ("travel_mode", "first_fix", "about_age", "about_postcode", ".why",
                    "others_fix"):
        assert step_id not in text
    assert "Asked (one choice): \u201c2 last questions about you" in text  # under its title


def test_long_labels_are_shown_whole(db, tmp_path, capsys):
    html = report(tmp_path, capsys)
    chart = html[html.index('<svg role="img" aria-labelledby="t-q1'):]
    chart = chart[:chart.index("</svg>")]
    lines = [unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", chart)]
    assert " ".join(line for line in lines if not line.isdigit()).count(LONG) == 1
    assert all(not line.startswith((")", "...")) for line in lines)
    assert re.search(r'<text x="0" ', chart)  # labels start at the left edge, never off it


def test_when_and_how_the_figures_were_made(db, tmp_path, capsys):
    text = " ".join(visible(report(tmp_path, capsys)).split())
    today = utcnow()
    assert f"Made {today.day} {today:%B %Y} at " in text
    assert f"by \u201cengage results {SLUG} --report report.html\u201d" in text
    assert f"answers counted from {today.day} {today:%B %Y} to {today.day} {today:%B %Y}" in text
    assert "How these figures were made" in text
    assert "Agreed: gave consent and has not withdrawn it" in text
    assert "fewer than 5" in text and "machine translation is not available offline" in text


def test_the_funnel_by_language_and_reach_are_in_the_report(db, tmp_path, capsys):
    html = report(tmp_path, capsys)
    text = " ".join(visible(html).split())
    assert "Who took part" in text and "Who we are hearing from" in text
    assert re.search(r"Agreed 12 gave consent", text)  # the resident who stopped is not
    assert re.search(r"Withdrew fewer than 5 agreed, then said STOP", text)
    part = html[html.index('id="h-taking-part"'):html.index('id="h-reach"')]
    assert "by the language they chose" in part
    assert "English" in part and "Welsh (Cymraeg)" in part and "Polish (Polski)" in part
    reach = visible(html[html.index('id="h-reach"'):html.index('id="h-answers"')])
    assert "Age (asked:" in reach and "Target" in reach and "CF10" in reach


def test_open_answers_are_a_fair_sample_with_their_language(db, tmp_path, capsys):
    html = report(tmp_path, capsys)
    ideas = html[html.index(">Ideas in their own words</h3>"):]
    ideas = ideas[:ideas.index("</section>")]
    quotes = [unescape(q) for q in re.findall(r'<q lang="[a-z]+" dir="auto">(.*?)</q>', ideas)]
    assert len(quotes) == SAMPLE and len(set(quotes)) == SAMPLE
    assert "x" not in quotes and "1" not in quotes  # counted, never quoted
    latest = ["Later buses", "Więcej autobusów", "Help gyda chostau", "Mwy o fysiau",
              "Buses on Sundays", "More parking"]
    assert quotes != latest
    assert f"A fair sample of {SAMPLE} of the 10 answers with at least 3 letters" in \
        " ".join(visible(ideas).split())
    assert re.search(r'<q lang="cy" dir="auto">[^<]+</q> <span class="lang">\u2014 in Welsh '
                     r'\(Cymraeg\)</span>', html)
    assert report(tmp_path, capsys).count("<q ") == html.count("<q ")  # the same each time


def test_personal_details_are_masked_in_the_report_and_the_terminal(db, tmp_path, capsys):
    html = report(tmp_path, capsys)
    assert main(["results", SLUG]) == 0
    out = capsys.readouterr().out
    for text in (visible(html), out):
        assert "07700 900123" not in text and "sam@example.org" not in text
        assert "CF10 1AB" not in text and "CF24 3AA" not in text
    postcode = html[html.index(">Postcode district</h3>"):]
    assert "<q " not in postcode[:postcode.index("</section>")]  # counted by district instead
    assert "I said STOP after this" not in html and "I said STOP after this" not in out


def test_every_chart_has_its_data_table(db, tmp_path, capsys):
    html = report(tmp_path, capsys)
    sections = re.findall(r'<section aria-labelledby="h-q\d+">(.*?)</section>', html, re.S)
    charts = [section for section in sections if "<svg" in section]
    assert len(charts) >= 6
    for section in charts:
        assert section.count("<svg") <= section.count("<table>")
        assert section.index("<svg") < section.rindex("<table>")
