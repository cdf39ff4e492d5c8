"""The console in headless Chromium: axe-core finds no serious or critical problem on any
page, keyboard-only sign-in works, pages fit 320 px and 200% zoom, the strict CSP refuses
nothing of ours, and progress pages update by themselves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser_helpers import no_sideways_scroll, serious_violations, sign_in, submit
from console_helpers import SLUG, publish_example

from bot import audit
from bot.staff import accounts
from bot.store.db import transaction

PAGES = {  # who -> the pages they can see, and pages with a problem shown
    None: ["/sign-in", "/nowhere"],
    "admin": ["/", "/staff", "/staff/new", "/audit", "/audit?from=not-a-date",
              "/account/password", "/nowhere"],
    "officer": ["/", "/audit", "/campaigns", f"/campaigns/{SLUG}",
                f"/campaigns/{SLUG}/preview?language=ar&channel=telegram",
                f"/campaigns/{SLUG}/preview?language=cy&channel=whatsapp",
                f"/campaigns/{SLUG}/preview?language=en&channel=sms", "/campaigns/nothing",
                "/new-campaign", f"/campaigns/{SLUG}/edit", f"/campaigns/{SLUG}/try",
                f"/campaigns/{SLUG}/close", f"/campaigns/{SLUG}/publish", "/contacts",
                "/contacts/opted-out"],
    "viewer": ["/", "/staff"],  # /staff: the refusal page
}


@pytest.fixture(scope="module", autouse=True)
def a_published_campaign(console_server):
    publish_example(console_server.db)


def check_page(page, where: str) -> list[str]:
    problems = [f"{where}: {v}" for v in serious_violations(page)]
    problems += [f"{where}: browser said {p}" for p in page.watch.problems]
    page.watch.problems.clear()
    return problems


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who or "signed-out")
def test_axe_finds_no_serious_problem_on_any_page(page, console_server, who):
    if who:
        sign_in(page, console_server.url, f"{who}@council.example")
        assert page.url == f"{console_server.url}/"
    problems = []
    for path in PAGES[who]:
        page.goto(console_server.url + path)
        problems += check_page(page, path)
    assert problems == []


def test_axe_on_pages_reached_by_forms(page, console_server):
    problems = []
    page.goto(f"{console_server.url}/sign-in")
    page.get_by_label("Email address").fill("admin@council.example")
    page.get_by_label("Password").fill("wrong, once")
    submit(page, "Sign in")
    assert "There is a problem" in page.content()
    problems += check_page(page, "refused sign-in")
    sign_in(page, console_server.url, "admin@council.example")
    page.goto(f"{console_server.url}/staff/new")
    submit(page, "Add the account")
    assert "Enter an email address" in page.content()
    problems += check_page(page, "add account, refused")
    page.get_by_label("Email address").fill("kim@council.example")
    page.get_by_label("Engagement officer").check()
    submit(page, "Add the account")
    assert page.locator(".one-time-password code").inner_text()
    problems += check_page(page, "one-time password")
    page.goto(f"{console_server.url}/staff")
    problems += check_page(page, "staff list with two members")
    assert problems == []


def test_axe_test_catches_a_missing_label(page, console_server):
    """The guard works: the same check on a sign-in form whose label is removed fails."""
    page.goto(f"{console_server.url}/sign-in")
    assert serious_violations(page) == []
    page.evaluate("document.querySelector('label[for=email]').remove()")
    found = serious_violations(page)
    assert any(problem.startswith("label (critical)") for problem in found), found


def test_keyboard_only_sign_in_and_sign_out(page, console_server):
    page.goto(f"{console_server.url}/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.type("officer@council.example")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("a long staff password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"{console_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Officer"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sign out":
            break
    else:
        pytest.fail("Sign out cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/sign-in\?done=signed-out$"))
    assert "You have signed out." in page.content()
    assert page.watch.problems == []


def test_error_summary_takes_the_focus(page, console_server):
    sign_in(page, console_server.url, "admin@council.example")
    page.goto(f"{console_server.url}/staff/new")
    submit(page, "Add the account")
    page.wait_for_function("document.activeElement.className === 'error-summary'")


@pytest.mark.parametrize("width", [320, 640])  # a phone; 1280 px at 200% zoom
def test_pages_fit_narrow_screens_without_sideways_scrolling(browser, console_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{console_server.url}/sign-in")
        assert no_sideways_scroll(page), "/sign-in"
        sign_in(page, console_server.url, "admin@council.example")
        for path in ("/", "/staff", "/staff/new", "/audit"):
            page.goto(console_server.url + path)
            assert no_sideways_scroll(page), path
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 640])
def test_campaign_pages_fit_narrow_screens(browser, console_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, console_server.url, "officer@council.example")
        for path in ("/campaigns", f"/campaigns/{SLUG}", f"/campaigns/{SLUG}/edit",
                     f"/campaigns/{SLUG}/preview?language=ar&channel=telegram",
                     f"/campaigns/{SLUG}/preview?language=en&channel=sms",
                     f"/campaigns/{SLUG}/try", "/new-campaign"):
            page.goto(console_server.url + path)
            assert no_sideways_scroll(page), path
    finally:
        context.close()


def test_the_audit_log_updates_by_itself(page, console_server):
    sign_in(page, console_server.url, "officer@council.example")
    page.goto(f"{console_server.url}/audit")
    with transaction(console_server.db) as session:
        audit.record(session, "close", "polled-campaign-2026", {}, who="kim@council.example")
    page.get_by_text("polled-campaign-2026").wait_for(timeout=10_000)
    assert page.watch.problems == []


def test_first_sign_in_asks_for_a_new_password(page, console_server):
    with transaction(console_server.db) as session:
        added = accounts.add(session, "lee@council.example", "viewer", "test")
    sign_in(page, console_server.url, "lee@council.example", added.one_time_password)
    assert page.url.endswith("/account/password")
    page.get_by_label("One-time password").fill(added.one_time_password)
    page.get_by_label("New password", exact=True).fill("tulip garden bicycle")
    page.get_by_label("New password again").fill("tulip garden bicycle")
    submit(page, "Save my new password")
    assert page.url.endswith("/?done=password-changed")
    assert "Your new password is saved." in page.content()


def test_the_screenshot_script_pictures_every_main_page(tmp_path):
    """scripts/console-screenshots (docs/console/'s pictures) still finds its way through
    the pages: here without a bot, so Try it is pictured before it starts. Its own process:
    Playwright's sync API runs once per thread, and this module's browser may be open."""
    from browser_helpers import chromium_or_skip

    chromium_or_skip()
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("screenshots.py")),
                           str(tmp_path), "--model", str(tmp_path / "no-model.tar.gz")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    taken = {path.stem for path in tmp_path.glob("*.png")}
    assert {"sign-in", "home", "campaigns", "campaign-errors", "preview-sms", "try-it",
            "launch-check", "launch-progress", "sharing", "audit"} <= taken
    for path in tmp_path.glob("*.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size < 200_000, path.name
