"""`engage campaign reach`: who took part, against the population the campaign declares,
counted from real conversations (every version, consenting residents only, small counts hidden)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.campaigns.loader import load_campaign
from bot.campaigns.population import postcode_district
from bot.campaigns.publishing import publish_files
from bot.cli import main
from bot.conversation import ConversationService
from bot.reports.reach import collect
from bot.store.db import session_factory, transaction
from bot.store.erase import erase_pseudonym
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = """\
id: reach-test
title: {en: Reach test}
organisation: {en: Test Council}
languages: [en]
keywords: [REACHT]
retention_days: 30
consent: {version: "1", text: {en: "We ask about buses and a little about you."}}
thanks: {en: "Thank you, all done."}
steps:
  - id: bus
    type: choice
    text: {en: "Do you take the bus?"}
    options: [{id: "yes", text: {en: "Yes"}}, {id: "no", text: {en: "No"}}]
  - id: about_age
    type: choice
    text: {en: "How old are you?"}
    options:
      - {id: young, text: {en: "Under 40"}}
      - {id: old, text: {en: "40 or over"}}
      - {id: prefer_not_to_say, text: {en: "Prefer not to say"}}
  - id: about_postcode
    type: text
    text: {en: "What is your postcode?"}
population:
  source: "Test census"
  age: {step: about_age, shares: {young: 0.5, old: 0.5}}
  postcode: {step: about_postcode, shares: {CF10: 0.5, CF11: 0.3, other: 0.2}}
"""
YOUNG_POSTCODES = ["CF10 1AB", "cf101ab", "CF10", "CF10 2", "I live in CF10 3AT",
                   "CF10 1AA", "cf10", "CF10 9ZZ"]
OLD_POSTCODES = ["CF11 1AA", "CF11 9XY", "CF11", "CF5 1AB", "CF24 3AA"]


def converse(service: ConversationService, name: str, *answers: str) -> None:
    for text in ("REACHT", "YES", *answers):
        service.handle(name, "rest", text)


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    """Version 1: 8 young residents, 2 who prefer not to say, one who stops, one who declines.
    Version 2 (a changed thanks): 5 older residents."""
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    first = tmp_path / "reach-test.yml"
    first.write_text(CAMPAIGN, encoding="utf-8")
    publish_files([str(first)], url)
    service = ConversationService(session_factory(url))
    for number, postcode in enumerate(YOUNG_POSTCODES):
        converse(service, f"young{number}", "1", "1", postcode)
    converse(service, "shy1", "2", "3", "no thanks")
    converse(service, "shy2", "1", "prefer not to say", "SKIP")
    converse(service, "stopper", "1", "1", "STOP")
    service.handle("decliner", "rest", "REACHT")
    service.handle("decliner", "rest", "NO")
    first.write_text(CAMPAIGN.replace("all done", "that is all"), encoding="utf-8")
    publish_files([str(first)], url)
    for number, postcode in enumerate(OLD_POSTCODES):
        converse(service, f"old{number}", "1", "2", postcode)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return url


def reach_of(url: str):
    with transaction(session_factory(url)) as session:
        reach = collect(session, "reach-test")
    return reach, {c.name: c for c in reach.characteristics}


@pytest.mark.parametrize("text,district", [
    ("CF10 1AB", "CF10"), ("cf101ab", "CF10"), ("CF1 1AB", "CF1"), ("CF11AB", "CF1"),
    ("CF10", "CF10"), ("cf10 1", "CF10"), ("SW1A 1AA", "SW1A"), ("M1 1AE", "M1"),
    ("my postcode is ec1a 1bb thanks", "EC1A"), ("no", None), ("", None), ("24", None),
    ("prefer not", None), (None, None),
])
def test_a_postcode_district_is_read_from_full_or_partial_postcodes(text, district):
    assert postcode_district(text) == district


def test_counts_shares_and_gaps_per_group_across_versions(db):
    reach, by_name = reach_of(db)
    assert reach.participants == 15  # 8 + 2 + 5; STOP withdrew consent, NO never gave it
    assert reach.source == "Test census"
    age = by_name["age"]
    assert (age.answered, age.prefer_not, age.not_given) == (13, 2, 0)
    groups = {g.key: g for g in age.groups}
    assert (groups["young"].count, groups["old"].count) == (8, 5)
    assert groups["young"].label == "Under 40" and groups["young"].target == 0.5
    assert round(groups["young"].gap, 1) == 11.5 and round(groups["old"].gap, 1) == -11.5
    assert groups["old"].under_heard and not groups["young"].under_heard

    postcode = by_name["postcode"]
    assert (postcode.answered, postcode.prefer_not, postcode.not_given) == (13, 0, 2)
    districts = {g.key: g.count for g in postcode.groups}
    assert districts == {"CF10": 8, "CF11": 3, "other": 2}


def test_the_report_hides_small_counts_and_names_the_groups_we_hear_less_from(db, capsys):
    assert main(["campaign", "reach", "reach-test"]) == 0
    out = capsys.readouterr().out
    assert "Agreed: 15 residents (gave consent and has not withdrawn it" in out
    assert "Compared with: Test census" in out
    line = next(row for row in out.splitlines() if row.strip().startswith("40 or over"))
    assert "50%" in line and " 5 " in line and "38%" in line and "-12 pts" in line
    assert "hearing less from" in line
    assert "preferred not to say: fewer than 5" in out
    cf11 = next(row for row in out.splitlines() if row.strip().startswith("CF11"))
    assert "fewer than 5" in cf11 and "23%" not in cf11 and "hearing less from" in cf11
    assert "We are hearing less from: 40 or over." in out


def test_csv_has_one_row_per_group_and_hides_small_counts(db, capsys):
    assert main(["campaign", "reach", "reach-test", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    old = next(r for r in rows if r["characteristic"] == "age" and r["group"] == "old")
    assert (old["target_share"], old["people"], old["share"], old["gap_points"], old["flag"]) == (
        "0.5", "5", "0.3846", "-11.5", "hearing less from")
    cf11 = next(r for r in rows if r["group"] == "CF11")
    assert (cf11["people"], cf11["share"], cf11["gap_points"]) == ("fewer than 5", "", "")
    assert {r["group"] for r in rows if r["characteristic"] == "postcode"} == {
        "CF10", "CF11", "other", "not_given"}


def test_an_erased_resident_is_no_longer_counted(db):
    with transaction(session_factory(db)) as session:
        erase_pseudonym(session, "young0", requested_by="staff")
    reach, by_name = reach_of(db)
    assert reach.participants == 14
    assert {g.key: g.count for g in by_name["age"].groups}["young"] == 7


def test_a_campaign_without_a_population_says_how_to_add_one(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    publish_files([str(ROOT / "campaigns" / "parks-2026.yml")], url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    assert main(["campaign", "reach", "parks-2026"]) == 1
    err = capsys.readouterr().err
    assert "nothing to compare with" in err and "population:" in err
    assert "docs/campaign-format.md" in err
    assert main(["campaign", "reach", "no-such-campaign"]) == 1
    assert "No campaign called 'no-such-campaign'" in capsys.readouterr().err


def test_few_residents_show_nothing_yet(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    publish_files([str(ROOT / "campaigns" / "buses-2026.yml")], url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    assert main(["campaign", "reach", "buses-2026"]) == 0
    out = capsys.readouterr().out
    assert "Agreed: 0 residents" in out
    assert "nothing to show yet" in out


def test_the_example_campaign_declares_age_and_postcode():
    campaign = load_campaign(ROOT / "campaigns" / "buses-2026.yml")
    assert campaign.population is not None
    assert campaign.population["age"]["step"] == "about_age"
    assert "prefer_not_to_say" in [o.id for o in campaign.step("about_age").options]
    assert campaign.step("about_postcode").type == "text"
    assert abs(sum(campaign.population["postcode"]["shares"].values()) - 1) < 0.02


def test_a_small_count_cannot_be_worked_out_from_the_agreed_total(db, capsys):
    """15 agreed = 13 answered + 2 preferred not to say + 0 not given: showing 13 and 0 beside
    15 would give the 2 away, so one of them is hidden too (complementary suppression)."""
    assert main(["campaign", "reach", "reach-test"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if "preferred not to say" in row)
    assert "preferred not to say: fewer than 5" in line
    assert "not reached yet): not shown" in line, line
    assert main(["campaign", "reach", "reach-test", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    age = {r["group"]: r["people"] for r in rows if r["characteristic"] == "age"}
    assert age["prefer_not_to_say"] == "fewer than 5" and age["not_given"] == "not shown"


def test_no_small_count_in_reach_can_be_worked_out(db):
    """Every characteristic: brute force over what is shown (the Agreed total, the counts
    shown, 1-4 for "fewer than 5", anything for "not shown")."""
    import itertools

    reach, by_name = reach_of(db)
    for item in by_name.values():
        cells = [(g.count, g.hidden, g.text) for g in item.groups] + [
            (getattr(item, name), item.shown_counts[name].hidden, item.shown_counts[name].text)
            for name in ("prefer_not", "not_given")]
        answered_hidden = item.shown_counts["answered"].hidden
        options = [range(c, c + 1) if not hidden else range(1, 5) if text == "fewer than 5"
                   else range(0, reach.participants + 1) for c, hidden, text in cells]
        fits = [values for values in itertools.product(*options)
                if sum(values) == reach.participants and
                (answered_hidden or sum(values[:len(item.groups)]) == item.answered)]
        for index, (count, hidden, _) in enumerate(cells):
            if hidden and 0 < count < 5:
                assert len({values[index] for values in fits}) >= 2, (item.name, cells)
