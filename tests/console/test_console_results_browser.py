"""The results pages in headless Chromium, on the real `engage console` process: axe-core
finds no serious problem, the strict CSP refuses nothing (the charts are inline SVG, the
printable report's styles a file), they fit a phone's width, and the figures update by
themselves when a resident answers."""

from __future__ import annotations

import pytest
from browser_helpers import no_sideways_scroll, serious_violations, sign_in
from sharing_helpers import campaign_with_answers

SLUG = "delib-test"
PAGES = ["/results", f"/results/{SLUG}", f"/results/{SLUG}?channel=web&from=2026-01-01",
         f"/results/{SLUG}?from=not-a-date", f"/results/{SLUG}/report"]


@pytest.fixture(scope="module")
def service(console_server):
    return campaign_with_answers(console_server.db)


def problems_on(page, base: str, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        page.goto(base + path)
        problems += [f"{path}: {v}" for v in serious_violations(page)]
        problems += [f"{path}: browser said {p}" for p in page.watch.problems]
        page.watch.problems.clear()
    return problems


@pytest.mark.parametrize("who", ["viewer", "officer"])
def test_axe_finds_no_serious_problem_on_the_results_pages(page, console_server, service, who):
    sign_in(page, console_server.url, f"{who}@council.example")
    assert problems_on(page, console_server.url, PAGES) == []


@pytest.mark.parametrize("width", [320, 640])
def test_the_results_pages_fit_narrow_screens(browser, console_server, service, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, console_server.url, "viewer@council.example")
        for path in PAGES[:3]:
            page.goto(console_server.url + path)
            assert no_sideways_scroll(page), path
    finally:
        context.close()


def test_the_figures_update_by_themselves(page, console_server, service):
    sign_in(page, console_server.url, "viewer@council.example")
    page.goto(f"{console_server.url}/results/{SLUG}")
    agreed = page.locator('[data-figure="agreed"]')
    assert agreed.inner_text() == "6"
    for text in ("DELIB", "1", "YES", "3"):
        service.handle("late-arrival", "rest", text)
    page.locator('[data-figure="agreed"]:text-is("7")').wait_for(timeout=10_000)
    assert page.watch.problems == []
