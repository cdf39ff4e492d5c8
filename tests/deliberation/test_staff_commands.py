"""`engage themes` and `engage quotes`: the staff's work on open answers from a terminal,
through the same service functions the console calls, each change in the audit log."""

from __future__ import annotations

import re

import pytest
from delib_helpers import SLUG, factory, make_db, resident

from bot.cli import main
from bot.store.db import transaction
from bot.store.models import AuditEntry, QuoteReview, Response, Theme

PARKING = ["no parking at the hospital", "parking costs too much at the hospital",
           "more parking spaces please", "free parking for patients", "parking is full"]
BUSES = ["buses every hour is not enough", "more buses on sunday", "the bus is always late",
         "a direct bus to the hospital", "buses in the evening", "reliable buses"]


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = make_db(tmp_path)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    monkeypatch.setenv("ENGAGE_ACTOR", "kim@council.example")
    with transaction(factory(url)) as session:
        for number, text in enumerate(PARKING + BUSES):
            resident(session, f"r{number}", {"ideas": text})
        resident(session, "phone", {"ideas": "call me on 07700 900123 about the bus"})
    return url


def actions(url: str) -> list[str]:
    with transaction(factory(url)) as session:
        return [e.action for e in session.query(AuditEntry).order_by(AuditEntry.id)
                if e.actor == "kim@council.example"]


def answer_id(url: str, text: str) -> int:
    with transaction(factory(url)) as session:
        return session.query(Response.id).filter(Response.raw_text == text).scalar()


def test_themes_run_show_rename_merge_split_and_tag(url, capsys):
    assert main(["themes", "show", SLUG]) == 0
    assert "No themes yet: run `engage themes run delib-test`" in capsys.readouterr().out
    assert main(["themes", "run", SLUG, "--themes", "2"]) == 0
    assert "Ideas (ideas): 2 themes, 12 answers" in capsys.readouterr().out
    assert main(["themes", "show", SLUG]) == 0
    shown = capsys.readouterr().out
    ids = [int(n) for n in re.findall(r"^  \[(\d+)\]", shown, re.M)]
    assert len(ids) == 2 and "07700" not in shown
    with transaction(factory(url)) as session:
        parking = next(t.id for t in session.query(Theme) if "parking" in (t.terms or []))
    other = next(i for i in ids if i != parking)

    assert main(["themes", "rename", SLUG, str(parking), "Hospital  parking"]) == 0
    assert 'is now called "Hospital parking"' in capsys.readouterr().out
    assert main(["themes", "show", SLUG, "ideas"]) == 0
    every = capsys.readouterr().out
    for text in PARKING:
        assert f"] {text}" in every  # every answer, with its id
    assert "[phone number removed]" in every and "07700" not in every
    moved = answer_id(url, PARKING[0])
    assert main(["themes", "split", SLUG, str(parking), "--answers", str(moved),
                 "--name", "Hospital"]) == 0
    assert main(["themes", "tag", SLUG, "ideas", "--answers", str(answer_id(url, BUSES[0])),
                 "--theme", str(parking)]) == 0
    assert main(["themes", "merge", SLUG, str(other), "--into", str(parking)]) == 0
    capsys.readouterr()
    assert main(["themes", "run", SLUG, "--themes", "2"]) == 0  # edits survive re-running
    assert main(["themes", "show", SLUG, "ideas"]) == 0
    again = capsys.readouterr().out
    assert "Hospital parking" in again and "Hospital: 1 answers" in again
    assert f"#{moved} [en] {PARKING[0]} (placed by staff)" in again
    assert actions(url) == ["themes-run", "theme-rename", "theme-split", "theme-tag",
                            "theme-merge", "themes-run"]


def test_theme_mistakes_get_a_plain_message_and_change_nothing(url, capsys):
    assert main(["themes", "run", SLUG]) == 0
    before = actions(url)
    for argv, words in [
        (["themes", "show", "nope"], "No campaign called 'nope'"),
        (["themes", "show", SLUG, "nope"], "has no open question 'nope'"),
        (["themes", "rename", SLUG, "9999", "x"], "has no theme 9999"),
        (["themes", "merge", SLUG, "9999", "--into", "9998"], "has no theme"),
        (["themes", "split", SLUG, "9999", "--answers", "x1", "--name", "n"], "not an answer id"),
        (["themes", "tag", SLUG, "ideas", "--answers", "1"], "either --theme ID"),
        (["themes", "run", SLUG, "--themes", "50"], "--themes must be 2 to 8"),
    ]:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert words in err, (argv, err)
    assert actions(url) == before


def test_quotes_queue_approve_reject_personal_and_reviewed(url, capsys):
    assert main(["quotes", "queue", SLUG]) == 0
    queue = capsys.readouterr().out
    phone = answer_id(url, "call me on 07700 900123 about the bus")
    assert queue.index(f"#{phone}  ") < queue.index(f"#{answer_id(url, PARKING[0])}  ")
    assert "FLAGGED: phone number" in queue and "07700" not in queue
    assert main(["quotes", "approve", SLUG, str(phone)]) == 1
    assert "may be personal details" in capsys.readouterr().err
    assert main(["quotes", "approve", SLUG, str(phone), "--redacted", "Call me about the bus",
                 "--translation", "cy=Ffoniwch fi am y bws"]) == 0
    assert "approved for quoting as: Call me about the bus" in capsys.readouterr().out
    assert main(["quotes", "reject", SLUG, str(answer_id(url, PARKING[1]))]) == 0
    assert main(["quotes", "personal", SLUG, str(answer_id(url, PARKING[2]))]) == 0
    assert main(["quotes", "approve", SLUG, str(answer_id(url, PARKING[3]))]) == 0
    capsys.readouterr()
    assert main(["quotes", "list", SLUG]) == 0
    left = capsys.readouterr().out
    assert f"({len(PARKING + BUSES) + 1 - 4})" in left and f"#{phone}  " not in left
    assert main(["quotes", "reviewed", SLUG]) == 0
    done = capsys.readouterr().out
    assert "approved for quoting, by kim@council.example" in done
    assert "quoted as: Call me about the bus" in done and "in cy: Ffoniwch fi am y bws" in done
    assert "contains personal details" in done and "rejected" in done
    with transaction(factory(url)) as session:
        assert session.query(QuoteReview).count() == 4
    assert actions(url) == ["quote-approve", "quote-reject", "quote-personal", "quote-approve"]


def test_quote_mistakes_change_nothing(url, capsys):
    for argv, words in [
        (["quotes", "approve", SLUG, "99999"], "is not an open answer"),
        (["quotes", "approve", SLUG, str(answer_id(url, PARKING[0])), "--translation", "cy"],
         "should look like cy="),
        (["quotes", "approve", SLUG, str(answer_id(url, PARKING[0])), "--text", "x" * 200],
         "at most 160 characters"),
        (["quotes", "queue", "nope"], "No campaign called 'nope'"),
    ]:
        assert main(argv) == 1, argv
        assert words in capsys.readouterr().err, argv
    with transaction(factory(url)) as session:
        assert session.query(QuoteReview).count() == 0
    assert actions(url) == []
