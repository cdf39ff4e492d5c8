"""Sharing results in headless Chromium, on the real `engage console` process: axe-core finds
no serious or critical problem on the themes, moderation and publishing pages (every
<details> opened, so the forms inside are checked too), for an officer and for a viewer, nor
on the public results page in each of the campaign's languages (no sign-in), which fits a
phone's screen and prints without its language switch."""

from __future__ import annotations

import pytest
from browser_helpers import no_sideways_scroll, serious_violations, sign_in, submit
from sharing_helpers import MANY, SLUG, answer_id, campaign_with_answers

from bot.deliberation import moderation, public, themes
from bot.store.db import transaction

PAGES = ["/sharing", f"/sharing/{SLUG}/themes", f"/sharing/{SLUG}/quotes",
         f"/sharing/{SLUG}/public", f"/sharing/{SLUG}/public/preview",
         f"/sharing/{SLUG}/follow-up"]
LANGUAGES = ["en", "cy", "pl", "ar", "ro"]


@pytest.fixture(scope="module")
def campaign(console_server):
    db = console_server.db
    campaign_with_answers(db, MANY)
    with transaction(db) as session:
        themes.run(session, SLUG, by="test")
        moderation.approve(session, SLUG, answer_id(db, MANY["park0"][1]), "test",
                           translations={"cy": "Does dim lle i barcio byth"})
        moderation.approve(session, SLUG, answer_id(db, MANY["bus2"][1]), "test")
        public.publish(session, SLUG, {"en": "We choose in March.", "ar": "نقرر في مارس."},
                       by="test")
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_serious_problem_on_the_public_page(page, campaign, language):
    page.goto(f"{campaign.url}/p/{SLUG}?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("svg.chart").count() >= 2 and page.locator("table").count() >= 3
    problems = problems_on(page, f"/p/{SLUG}?lang={language}")
    assert problems == []
    assert page.context.cookies() == []  # no sign-in, no cookie


def test_the_public_page_switches_language_fits_a_phone_and_prints(page, campaign):
    page.goto(f"{campaign.url}/p/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("link", name="Cymraeg").click()
    assert page.url.endswith("?lang=cy")
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Canlyniadau: Cyrraedd apwyntiadau"
    assert "Does dim lle i barcio byth" in page.content()
    page.set_viewport_size({"width": 320, "height": 800})
    for code in ("cy", "ar"):
        page.goto(f"{campaign.url}/p/{SLUG}?lang={code}")
        assert no_sideways_scroll(page), code
    page.emulate_media(media="print")
    assert not page.locator("nav.languages").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.watch.problems == []
    page.goto(f"{campaign.url}/p/nothing-here")
    assert "These results are not published." in page.content()
    assert serious_violations(page) == []


def test_axe_on_the_follow_up_check(page, campaign):
    sign_in(page, campaign.url, "officer@council.example")
    page.goto(f"{campaign.url}/sharing/{SLUG}/follow-up")
    page.get_by_label("In English").fill("You said buses. More on Sundays from March.")
    submit(page, "Check who would get it")
    assert "Would send" in page.content()
    assert problems_on(page, "follow-up check") == []
