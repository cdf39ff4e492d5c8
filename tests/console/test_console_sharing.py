"""Sharing results in the console, on a real campaign that residents answered through the
conversation service: themes and the moderation queue, read by every role, changed by
officers and administrators only, each change in the audit log, every form with its CSRF
token, every mistake answered on the page and changing nothing."""

from __future__ import annotations

import re

import pytest
from console_helpers import add_member, audit_rows, open_session_for
from sharing_helpers import PEOPLE, SLUG, answer_id, campaign_with_answers

from bot.store.db import transaction
from bot.store.models import QuoteReview, Theme, ThemeAssignment


@pytest.fixture
def world(db):
    campaign_with_answers(db)
    return db


def as_role(client, db, clock, role: str) -> str:
    return open_session_for(client, db, add_member(db, role, f"{role}@council.example"), clock())


def state(db):
    with transaction(db) as session:
        return ([(t.id, t.name, t.merged_into) for t in session.query(Theme).order_by(Theme.id)],
                [(a.response_id, a.theme_id, a.by_staff) for a in
                 session.query(ThemeAssignment).order_by(ThemeAssignment.id)],
                [(r.response_id, r.status, r.text) for r in session.query(QuoteReview)],
                audit_rows(db))


def test_the_sharing_page_lists_the_campaign_with_what_is_waiting(client, world, clock):
    as_role(client, world, clock, "viewer")
    page = client.get("/sharing")
    assert page.status_code == 200
    assert "Getting to appointments" in page.text
    assert "12 waiting, 0 approved" in page.text  # 6 reasons + 6 ideas
    assert 'href="/sharing/delib-test/quotes"' in page.text
    assert "Sharing results" in client.get("/").text


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_officers_and_admins_theme_rename_merge_split_and_tag(client, world, clock, role):
    token = as_role(client, world, clock, role)
    response = client.post(f"/sharing/{SLUG}/themes/run", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/sharing/{SLUG}/themes?done=themes-run"
    page = client.get(response.headers["location"])
    assert "The open answers are themed again" in page.text
    assert 'action="/sharing/delib-test/themes/run"' in page.text and "Rename" in page.text
    with transaction(world) as session:
        ideas = [t for t in session.query(Theme).filter_by(step_id="ideas")]
    first, second = ideas[0].id, ideas[1].id
    assert client.post(f"/sharing/{SLUG}/themes/{first}/rename",
                       data={"csrf_token": token, "name": "Buses"}).status_code == 303
    moved = answer_id(world, PEOPLE["p1"][2])
    assert client.post(f"/sharing/{SLUG}/themes/tag", data={
        "csrf_token": token, "step": "ideas", "answers": [str(moved)],
        "name": "Evenings"}).status_code == 303
    assert client.post(f"/sharing/{SLUG}/themes/{second}/merge",
                       data={"csrf_token": token, "into": str(first)}).status_code == 303
    themes, placed, _, log = state(world)
    assert (first, "Buses", None) in themes and (second, None, first) in themes
    evenings = next(t for t, name, _ in themes if name == "Evenings")
    assert (moved, evenings, True) in placed
    email = f"{role}@council.example"
    assert [(who, what) for who, what, _ in log if what.startswith("theme")] == [
        (email, "themes-run"), (email, "theme-rename"), (email, "theme-tag"),
        (email, "theme-merge")]
    page = client.get(f"/sharing/{SLUG}/themes").text
    assert "Buses" in page and "Evenings" in page and "made by staff" in page


def test_a_split_moves_the_ticked_answers_to_a_new_theme(client, world, clock):
    token = as_role(client, world, clock, "officer")
    client.post(f"/sharing/{SLUG}/themes/run", data={"csrf_token": token})
    with transaction(world) as session:
        assignment = session.query(ThemeAssignment).first()
        theme_id, response_id = assignment.theme_id, assignment.response_id
    response = client.post(f"/sharing/{SLUG}/themes/{theme_id}/split", data={
        "csrf_token": token, "answers": [str(response_id)], "name": "Its own"})
    assert response.headers["location"].endswith("done=split")
    with transaction(world) as session:
        now = session.query(ThemeAssignment).filter_by(response_id=response_id).one()
        assert session.get(Theme, now.theme_id).name == "Its own" and now.by_staff


def test_viewers_read_protected_counts_and_change_nothing(client, world, clock):
    officer = add_member(world, "officer", "officer@council.example")
    token = open_session_for(client, world, officer, clock())
    client.post(f"/sharing/{SLUG}/themes/run", data={"csrf_token": token})
    client.cookies.clear()
    token = as_role(client, world, clock, "viewer")
    page = client.get(f"/sharing/{SLUG}/themes")
    assert page.status_code == 200
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>")[0].replace(
        'action="/sign-out"', "")
    assert '<td data-label="Answers">fewer than 5</td>' in page.text  # 4 + 2 answers
    before = state(world)
    with transaction(world) as session:
        theme_id = session.query(Theme.id).first()[0]
    for path, form in [(f"/sharing/{SLUG}/themes/run", {}),
                       (f"/sharing/{SLUG}/themes/{theme_id}/rename", {"name": "x"}),
                       (f"/sharing/{SLUG}/quotes/{answer_id(world, PEOPLE['p1'][1])}/approve",
                        {})]:
        assert client.post(path, data={"csrf_token": token, **form}).status_code == 403
    quotes = client.get(f"/sharing/{SLUG}/quotes")
    assert quotes.status_code == 200 and PEOPLE["p1"][1] in quotes.text
    assert "Approve for quoting" not in quotes.text
    assert state(world) == before


def test_theme_mistakes_are_shown_on_the_page_and_change_nothing(client, world, clock):
    token = as_role(client, world, clock, "officer")
    client.post(f"/sharing/{SLUG}/themes/run", data={"csrf_token": token})
    with transaction(world) as session:
        theme_id = session.query(Theme.id).first()[0]
    before = state(world)
    for path, form, words in [
        (f"/sharing/{SLUG}/themes/{theme_id}/rename", {"name": " "}, "name of 1 to 200"),
        (f"/sharing/{SLUG}/themes/{theme_id}/merge", {"into": str(theme_id)}, "into itself"),
        (f"/sharing/{SLUG}/themes/{theme_id}/merge", {"into": "x"}, "Choose a theme first"),
        (f"/sharing/{SLUG}/themes/{theme_id}/split", {"name": "n"}, "Tick at least one"),
        (f"/sharing/{SLUG}/themes/tag", {"step": "ideas", "answers": ["999999"], "name": "n"},
         "not open answers"),
        (f"/sharing/{SLUG}/themes/tag", {"step": "ideas", "answers": ["1"]}, "Choose a theme"),
        (f"/sharing/{SLUG}/themes/9999/rename", {"name": "x"}, "has no theme 9999"),
    ]:
        response = client.post(path, data={"csrf_token": token, **form})
        assert response.status_code == 400, path
        assert "There is a problem" in response.text and words in response.text, path
    assert state(world) == before
    assert client.post(f"/sharing/{SLUG}/themes/run", data={}).status_code == 403  # no token
    assert client.get("/sharing/no-such-campaign/themes").status_code == 404
    assert state(world) == before


def test_the_moderation_queue_approve_reject_and_personal(client, world, clock):
    token = as_role(client, world, clock, "officer")
    page = client.get(f"/sharing/{SLUG}/quotes").text
    assert "Waiting for review (12)" in page and "07700" not in page
    flagged = answer_id(world, PEOPLE["p4"][1])
    assert page.index(f"Answer {flagged}:") < page.index(
        f"Answer {answer_id(world, PEOPLE['p1'][1])}:")  # flagged ones first
    response = client.post(f"/sharing/{SLUG}/quotes/{flagged}/approve",
                           data={"csrf_token": token, "text": "Ring Sam about the parking"})
    assert response.status_code == 400 and "may be personal details" in response.text
    assert "Ring Sam about the parking" in response.text  # what they typed, kept
    response = client.post(f"/sharing/{SLUG}/quotes/{flagged}/approve", data={
        "csrf_token": token, "text": "Ring the council about the parking",
        "translation-cy": "Ffoniwch y cyngor am barcio"})
    assert response.headers["location"] == f"/sharing/{SLUG}/quotes?done=approved"
    reject = answer_id(world, PEOPLE["p1"][1])
    personal = answer_id(world, PEOPLE["p2"][1])
    assert client.post(f"/sharing/{SLUG}/quotes/{reject}/reject",
                       data={"csrf_token": token}).status_code == 303
    assert client.post(f"/sharing/{SLUG}/quotes/{personal}/personal",
                       data={"csrf_token": token}).status_code == 303
    with transaction(world) as session:
        reviews = {r.response_id: (r.status, r.text, r.translations, r.reviewed_by)
                   for r in session.query(QuoteReview)}
    assert reviews == {
        flagged: ("approved", "Ring the council about the parking",
                  {"cy": "Ffoniwch y cyngor am barcio"}, "officer@council.example"),
        reject: ("rejected", None, None, "officer@council.example"),
        personal: ("personal", None, None, "officer@council.example")}
    page = client.get(f"/sharing/{SLUG}/quotes?done=approved").text
    assert "The answer is approved for quoting." in page
    assert "Waiting for review (9)" in page and "Decided (3)" in page
    assert "Ffoniwch y cyngor am barcio" in page
    assert [a for _, a, _ in audit_rows(world)] == ["quote-approve", "quote-reject",
                                                    "quote-personal"]
    # a decision can be changed: the rejected answer approved as written after all
    assert client.post(f"/sharing/{SLUG}/quotes/{reject}/approve", data={
        "csrf_token": token, "text": PEOPLE["p1"][1]}).status_code == 303


def test_quote_mistakes_change_nothing(client, world, clock):
    token = as_role(client, world, clock, "admin")
    before = state(world)
    for number, form, words in [
        (999999, {}, "is not an open answer"),
        (answer_id(world, PEOPLE["p1"][1]), {"text": "x" * 200}, "at most 160 characters"),
        (answer_id(world, PEOPLE["p1"][1]), {"text": "  "}, "the words to quote are empty"),
    ]:
        response = client.post(f"/sharing/{SLUG}/quotes/{number}/approve",
                               data={"csrf_token": token, **form})
        assert response.status_code == 400 and words in response.text
        assert re.search(r"<title>Error: ", response.text)
    assert client.get("/sharing/nowhere/quotes").status_code == 404
    assert state(world) == before
