"""Sharing results in headless Chromium, on the real `engage console` process: axe-core finds
no serious or critical problem on the themes and moderation pages (every <details> opened,
so the forms inside are checked too), for an officer and for a viewer."""

from __future__ import annotations

import pytest
from browser_helpers import no_sideways_scroll, serious_violations, sign_in, submit
from sharing_helpers import SLUG, campaign_with_answers

from bot.deliberation import themes
from bot.store.db import transaction

PAGES = ["/sharing", f"/sharing/{SLUG}/themes", f"/sharing/{SLUG}/quotes"]


@pytest.fixture(scope="module")
def campaign(console_server):
    campaign_with_answers(console_server.db)
    with transaction(console_server.db) as session:
        themes.run(session, SLUG, by="test")
    return console_server


def problems_on(page, where: str) -> list[str]:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found = [f"{where}: {v}" for v in serious_violations(page)]
    found += [f"{where}: browser said {p}" for p in page.watch.problems]
    page.watch.problems.clear()
    return found


@pytest.mark.parametrize("who", ["officer", "viewer"])
def test_axe_finds_no_serious_problem_on_the_sharing_pages(page, campaign, who):
    sign_in(page, campaign.url, f"{who}@council.example")
    problems = []
    for path in PAGES:
        page.goto(campaign.url + path)
        assert page.url.endswith(path)
        problems += problems_on(page, path)
    assert problems == []


def test_axe_after_a_refused_approval_and_narrow_screens(page, campaign):
    sign_in(page, campaign.url, "officer@council.example")
    page.goto(f"{campaign.url}/sharing/{SLUG}/quotes")
    first = page.locator("textarea[name=text]").first
    first.fill("x" * 170)
    with page.expect_navigation():
        page.get_by_role("button", name="Approve for quoting").first.click()
    assert "There is a problem" in page.content()
    page.wait_for_function("document.activeElement.className === 'error-summary'")
    problems = problems_on(page, "refused approval")
    page.set_viewport_size({"width": 320, "height": 800})
    for path in PAGES:
        page.goto(campaign.url + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert no_sideways_scroll(page), path
    assert problems == []


def test_an_officer_approves_a_quote_with_the_keyboard_and_mouse(page, campaign):
    sign_in(page, campaign.url, "officer@council.example")
    page.goto(f"{campaign.url}/sharing/{SLUG}/quotes")
    waiting = page.get_by_role("heading", level=2).filter(has_text="Waiting for review")
    before = waiting.inner_text()
    submit(page, page.get_by_role("button", name="Reject").first.inner_text())
    assert "The answer is rejected" in page.content()
    assert waiting.inner_text() != before
