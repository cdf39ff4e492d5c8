"""An officer's campaign journey in a real browser, on the real stack (`engage run`'s Rasa
server, action server and console, on one fresh database): sign in, upload a campaign file
with errors, fix it in the editor, publish it, preview it in two languages on two channels,
try it in the simulator up to consent and an answer, and find those answers in no result or
export. axe-core checks every page on the way (the pictures in docs/console/ come from
scripts/console-screenshots, not from here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import serious_violations, sign_in, submit
from console_helpers import EXAMPLE, SLUG, add_member

from bot import simulator
from bot.reports import export, results
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import Participant, Response

OFFICER = "officer@council.example"
GOOD = EXAMPLE.read_text(encoding="utf-8")
BROKEN = GOOD.replace('    cy: "Mae Cyngor Caerdydd', '    xx: "Mae Cyngor Caerdydd', 1)
WRONG_LINE = next(n for n, line in enumerate(BROKEN.split("\n"), 1) if line.startswith("    xx:"))


@pytest.fixture(scope="module")
def stack(rasa_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("journey")
    url = f"sqlite:///{folder / 'engage.db'}"
    upgrade(url)
    db = session_factory(url)
    add_member(db, "officer", OFFICER)
    config = StackConfig(model=rasa_model, database_url=url, secret_key="journey-secret",
                         rasa_port=free_port(), action_port=free_port(), console=True,
                         console_port=free_port(), log_dir=folder / "logs")
    with Stack(config) as running:
        running.db = db
        running.console_url = f"http://127.0.0.1:{config.console_port}"
        yield running
    engine_for(url).dispose()


@pytest.fixture
def pictures(tmp_path) -> Path:
    return tmp_path


class Checked:
    """axe-core and the browser's own complaints, page after page."""

    def __init__(self, page, pictures: Path) -> None:
        self.page, self.pictures, self.problems = page, pictures, []

    def __call__(self, where: str, picture: str | None = None) -> None:
        self.problems += [f"{where}: {v}" for v in serious_violations(self.page)]
        self.problems += [f"{where}: browser said {p}" for p in self.page.watch.problems]
        self.page.watch.problems.clear()
        if picture:
            self.page.screenshot(path=str(self.pictures / picture), full_page=True)


def talk(page, text: str, expect: str) -> None:
    """Type a message in Try it and wait for the bot's reply to appear (no reload)."""
    page.get_by_label("Your message, as a resident").fill(text)
    page.get_by_role("button", name="Send").click()
    page.locator("#conversation").get_by_text(expect).first.wait_for(timeout=30_000)


def test_upload_fix_publish_preview_and_try_a_campaign(page, stack, pictures, tmp_path):
    check = Checked(page, pictures)
    page.set_viewport_size({"width": 1024, "height": 760})
    base = stack.console_url
    sign_in(page, base, OFFICER)
    page.goto(f"{base}/campaigns")
    assert "No campaigns yet" in page.content()
    check("empty campaign list")

    # Upload a file with errors: each is listed and shown at its line; nothing is saved.
    page.get_by_role("link", name="Upload or write a campaign file").click()
    check("new campaign")
    upload = tmp_path / "buses-2026.yml"
    upload.write_text(BROKEN, encoding="utf-8")
    page.get_by_label("Campaign file", exact=True).set_input_files(str(upload))
    submit(page, "Upload and check")
    assert "There are 2 errors: nothing was saved" in page.content()
    assert page.locator(f"#line-{WRONG_LINE}.has-problem").count() == 1
    page.wait_for_function("document.activeElement.className === 'error-summary'")
    check("upload with errors", "campaign-errors.png")

    # Fix it in the editor: the problem's link puts the cursor on its line.
    page.locator(f'.error-summary a[data-line="{WRONG_LINE}"]').click()
    assert page.evaluate("document.activeElement.id") == "source"
    selected = page.evaluate("(e => e.value.slice(e.selectionStart, e.selectionEnd))"
                             "(document.getElementById('source'))")
    assert selected.startswith('    xx: "Mae Cyngor Caerdydd')
    page.keyboard.insert_text(selected.replace("    xx:", "    cy:", 1))
    submit(page, "Save and check")
    assert page.url.endswith(f"/campaigns/{SLUG}/edit?done=saved")
    assert "Saved as a draft" in page.content() and re.search(r"\b\d+ warnings\b", page.content())
    check("saved draft with warnings")

    # Publish, after the page that says what will happen.
    page.get_by_role("link", name="Back to the campaign").click()
    check("draft campaign page")
    page.get_by_role("link", name="Publish the saved draft").click()
    assert "It becomes version 1, and is live at once" in page.content()
    check("publish confirmation")
    submit(page, "Publish it now")
    assert "Published. It is live" in page.content()
    check("published campaign", "campaign.png")
    page.goto(f"{base}/campaigns")
    assert "status-live" in page.content()
    check("campaign list", "campaigns.png")

    # Preview: two languages, two channels.
    page.goto(f"{base}/campaigns/{SLUG}")
    page.get_by_role("link", name="Preview every message").click()
    assert "3 SMS (GSM-7, 371 characters)" in page.content()
    check("preview English SMS", "preview-sms.png")
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="Cymraeg").click()
    page.get_by_role("navigation", name="Channels").get_by_role("link", name="Telegram").click()
    assert page.url.endswith("?language=cy&channel=telegram")
    keyboard = page.locator("#step-2 .keyboard li")
    assert keyboard.first.inner_text() == "1 Bws"
    check("preview Welsh Telegram")
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="العربية").click()
    assert page.locator("#consent .bubble").get_attribute("dir") == "rtl"
    check("preview Arabic Telegram", "preview-telegram-arabic.png")
    page.get_by_role("navigation", name="Channels").get_by_role("link", name="WhatsApp").click()
    assert "no approved WhatsApp invitation template for العربية" in page.content()
    check("preview Arabic WhatsApp")

    # Try it: to consent and an answer, without a reload.
    page.goto(f"{base}/campaigns/{SLUG}")
    page.get_by_role("link", name="Try it as a resident").click()
    check("try it, empty")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Start: text BUSES").click()
    page.locator("#conversation").get_by_text("Choose your language").wait_for(timeout=30_000)
    talk(page, "1", "Reply YES to take part")
    talk(page, "YES", "Reply MORE for detail, or OK to go on.")
    talk(page, "OK", "How do you usually get to the GP or hospital?")
    talk(page, "1", "Why do you travel that way?")
    assert page.evaluate("window.notReloaded") is True
    assert page.evaluate("document.activeElement.id") == "message"
    check("try it, a conversation", "try-it.png")

    with transaction(stack.db) as session:
        mine = session.query(Participant).filter(Participant.is_test.is_(True)).one()
        assert mine.consent == "given"
        assert [r.step_id for r in session.query(Response).filter_by(participant_id=mine.id)] \
            == ["travel_mode"]
        assert list(export.records(session, SLUG)) == []
        assert results.collect(session, SLUG).agreed == 0
    page.goto(f"{base}/campaigns")
    assert re.search(r'data-label="Agreed" class="number">0<', page.content())

    # Ending the test deletes it.
    page.goto(f"{base}/campaigns/{SLUG}/try")
    submit(page, "End the test and delete it")
    assert "Your test conversation is deleted" in page.content()
    with transaction(stack.db) as session:
        assert session.query(Participant).count() == 0
        assert session.query(Response).count() == 0
    assert check.problems == []


def test_try_it_works_without_javascript(browser, stack):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, stack.console_url, OFFICER)
        page.goto(f"{stack.console_url}/campaigns/{SLUG}/try")
        submit(page, "Start: text BUSES")
        assert "Choose your language" in page.content()
        page.get_by_label("Your message, as a resident").fill("2")
        submit(page, "Send")
        assert "Rydyn ni" in page.content() or "IE" in page.content()
        assert page.url.endswith(f"/campaigns/{SLUG}/try#latest")  # a real page load
        submit(page, "Sign out")  # leaving deletes the test conversation
    finally:
        context.close()
    with transaction(stack.db) as session:
        assert session.query(Participant).filter(
            Participant.pseudonym.like(simulator.TEST_PSEUDONYM_PREFIX + "%")).count() == 0
