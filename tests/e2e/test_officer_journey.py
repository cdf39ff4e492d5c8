"""An engagement officer's whole journey, in a real browser (Debian's chromium) against the
real stack: Rasa, the action server, the worker and the console on one fresh database, the
fake Twilio and Telegram APIs receiving what residents would. Sign in; upload a campaign file
with an error; fix it in the editor; publish; preview it; try it in the simulator; import the
residents; check and launch; watch the invitations go out; residents answer by SMS through
the fake provider (signed webhooks); read the results; download the answers; erase a resident
by their number; read the audit log. axe-core checks every page on the way.

One test, one small function per step, in the order an officer works."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import pytest
from constants import SECRET
from provider_stack import THANKS, Provider, provider_stack, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "console"))

from browser_helpers import (  # noqa: E402
    LAUNCH_ARGS,
    PageWatch,
    chromium_or_skip,
    serious_violations,
    sign_in,
    submit,
)
from console_helpers import EXAMPLE, SLUG, add_member  # noqa: E402

from bot.clock import write_clock_file  # noqa: E402
from bot.privacy import pseudonym  # noqa: E402
from bot.store.db import transaction  # noqa: E402
from bot.store.models import Invitation, Participant  # noqa: E402

pytestmark = pytest.mark.rasa
OFFICER = "officer@council.example"
GOOD = EXAMPLE.read_text(encoding="utf-8")
BROKEN = GOOD.replace('    cy: "Mae Cyngor Caerdydd', '    xx: "Mae Cyngor Caerdydd', 1)
WRONG_LINE = next(n for n, line in enumerate(BROKEN.split("\n"), 1) if line.startswith("    xx:"))
GROUP = "library-drop-in"
RESIDENTS = [f"+4474002{n:05d}" for n in range(3)]
ANSWERING = RESIDENTS[:2]  # the third is invited and never answers


class Officer:
    """The browser, the running stack, and what axe-core and the browser said on the way."""

    def __init__(self, page, provider: Provider, workdir: Path) -> None:
        self.page, self.provider, self.workdir = page, provider, workdir
        self.base = provider.stack.console_url
        self.problems: list[str] = []

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def check(self, where: str) -> None:
        self.problems += [f"{where}: {v}" for v in serious_violations(self.page)]
        self.problems += [f"{where}: browser said {p}" for p in self.page.watch.problems]
        self.page.watch.problems.clear()

    def text(self) -> str:
        return self.page.inner_text("main")


@pytest.fixture(scope="module")
def stack(rasa_model, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("officer-journey")
    clock = workdir / "clock"
    write_clock_file(clock, datetime(2026, 11, 24, 12, 0))  # midday: never quiet hours
    env = {"ENGAGE_QUEUE_PATH": str(workdir / "queue.db"), "ENGAGE_CLOCK_FILE": str(clock),
           "ENGAGE_CONSOLE_POLL_SECONDS": "1", "ENGAGE_RATE_SMS": "50",
           "ENGAGE_INVITE_LEASE": "3", "ENGAGE_INVITE_BACKOFF": "0.5"}
    with provider_stack(rasa_model, workdir, env, campaigns=[], worker=True,
                        console=True) as provider:
        add_member(provider.factory(), "officer", OFFICER)
        provider.workdir = workdir
        yield provider


@pytest.fixture
def officer(stack):
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.watch = PageWatch()
        page.watch.attach(page)
        try:
            yield Officer(page, stack, stack.workdir)
        finally:
            browser.close()


def signs_in(o: Officer) -> None:
    sign_in(o.page, o.base, OFFICER)
    assert o.page.url == f"{o.base}/"
    o.check("home")


def uploads_a_campaign_with_an_error(o: Officer) -> None:
    o.goto("/campaigns")
    assert "No campaigns yet" in o.text()
    o.page.get_by_role("link", name="Upload or write a campaign file").click()
    upload = o.workdir / "buses-2026.yml"
    upload.write_text(BROKEN, encoding="utf-8")
    o.page.get_by_label("Campaign file", exact=True).set_input_files(str(upload))
    submit(o.page, "Upload and check")
    assert re.search(r"There (is 1 error|are \d+ errors): nothing was saved", o.text())
    o.check("upload with an error")


def fixes_it_in_the_editor_and_publishes(o: Officer) -> None:
    o.page.locator(f'.error-summary a[data-line="{WRONG_LINE}"]').click()
    selected = o.page.evaluate("(e => e.value.slice(e.selectionStart, e.selectionEnd))"
                               "(document.getElementById('source'))")
    assert selected.startswith('    xx: "Mae Cyngor Caerdydd'), selected
    o.page.keyboard.insert_text(selected.replace("    xx:", "    cy:", 1))
    submit(o.page, "Save and check")
    assert "Saved as a draft" in o.text()
    o.check("saved draft")
    o.page.get_by_role("link", name="Back to the campaign").click()
    o.page.get_by_role("link", name="Publish the saved draft").click()
    submit(o.page, "Publish it now")
    assert "Published. It is live" in o.text()
    o.check("published")


def previews_it(o: Officer) -> None:
    o.page.get_by_role("link", name="Preview every message").click()
    assert re.search(r"\d+ SMS \(GSM-7, \d+ characters\)", o.text())
    o.page.get_by_role("navigation", name="Channels").get_by_role("link", name="Telegram").click()
    assert o.page.url.endswith("channel=telegram")
    o.check("preview")


def tries_it_in_the_simulator(o: Officer) -> None:
    o.goto(f"/campaigns/{SLUG}/try")
    o.page.get_by_role("button", name="Start: text BUSES").click()
    conversation = o.page.locator("#conversation")
    conversation.get_by_text("Choose your language").wait_for(timeout=30_000)
    for text, expect in (("1", "Reply YES to take part"),
                         ("YES", "Reply MORE for detail, or OK to go on.")):
        o.page.get_by_label("Your message, as a resident").fill(text)
        o.page.get_by_role("button", name="Send").click()
        conversation.get_by_text(expect).first.wait_for(timeout=30_000)
    o.check("try it")
    submit(o.page, "End the test and delete it")
    assert "Your test conversation is deleted" in o.text()


def imports_the_residents(o: Officer) -> None:
    o.goto("/contacts")
    o.check("contacts")
    sheet = o.workdir / "residents.csv"
    sheet.write_text("phone,language\n" + "".join(f"{n},en\n" for n in RESIDENTS))
    o.page.get_by_label("Contacts file", exact=True).set_input_files(str(sheet))
    o.page.get_by_label("How they will be contacted").select_option("sms")
    o.page.get_by_label("Where the consent came from").fill("Library drop-in sign-up, Nov 2026")
    o.page.get_by_label("Group (optional)").fill(GROUP)
    submit(o.page, "Import")
    assert f"Imported into {GROUP}" in o.text()
    assert not any(phone[3:] in o.page.content() for phone in RESIDENTS)  # no number shown
    o.check("contacts imported")


def checks_and_launches(o: Officer) -> int:
    o.goto("/launches")
    o.page.get_by_label("Campaign", exact=True).select_option(SLUG)
    o.page.get_by_label("Who to invite (contact group)").select_option(GROUP)
    o.page.get_by_label("Channel", exact=True).select_option("sms")
    submit(o.page, "Check the launch")
    text = o.text()
    assert "nothing has been queued or changed" in text and "not set up" not in text
    assert f"Would be invited: {len(RESIDENTS)}" in text
    o.check("launch check")
    assert not rows(o, Invitation)
    submit(o.page, f"Launch: invite {len(RESIDENTS)} residents")
    launch_id = int(o.page.url.rsplit("/", 1)[1])
    o.check("launch progress")
    return launch_id


def watches_the_invitations_go_out(o: Officer, launch_id: int) -> None:
    # The page polls its figures: they reach "sent" for everyone without a reload.
    assert o.page.url == f"{o.base}/launches/{launch_id}"
    o.page.evaluate("window.notReloaded = true")
    o.page.locator(f'[data-figure="sent"]:text-is("{len(RESIDENTS)}")').wait_for(timeout=120_000)
    assert o.page.evaluate("window.notReloaded") is True
    assert f"{len(RESIDENTS)} of {len(RESIDENTS)} done" in o.text()
    for phone in RESIDENTS:
        assert len(o.provider.sms_to(phone)) == 1  # one invitation each, by the fake Twilio
    o.check("progress, all sent")


def residents_answer_by_sms(o: Officer) -> None:
    provider = o.provider
    for phone in ANSWERING:
        name = pseudonym(SECRET, "twilio_sms", phone)
        reply, inbound = "YES", 0
        for _ in range(25):
            assert provider.sms(phone, reply) == 200  # signed, as Twilio signs
            inbound += 1
            wait_for(lambda n=inbound, who=name: provider.settled(who, n))
            last = provider.sms_to(phone)[-1]
            if THANKS in last:
                break
            reply = "CF10 1AB" if "postcode" in last.lower() else "1"
        else:
            raise AssertionError(f"{phone} never reached the end")


def reads_the_figures(o: Officer) -> None:
    o.goto("/campaigns")
    assert re.search(rf'data-label="Finished" class="number">{len(ANSWERING)}<', o.page.content())
    o.goto("/results")
    o.check("results list")
    o.goto(f"/results/{SLUG}")
    assert "Question by question" in o.text()
    o.page.locator('[data-figure="finished"]').first.wait_for()
    o.check("results")


def downloads_the_export(o: Officer) -> None:
    with o.page.expect_download() as download:
        o.page.get_by_role("link", name="CSV", exact=True).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) >= 1 + len(ANSWERING), text[:500]  # a header and the residents who agreed
    for phone in ANSWERING:
        assert pseudonym(SECRET, "twilio_sms", phone) in text
    assert not any(phone[3:] in text for phone in RESIDENTS)  # pseudonyms only, no number


def erases_a_resident(o: Officer) -> None:
    erased = ANSWERING[0]
    o.goto("/data-rights")
    o.check("data rights")
    o.page.get_by_label("What you have").select_option("sms")
    o.page.get_by_label("The number, chat id or username").fill(erased)
    submit(o.page, "Find the resident")
    assert "Found: 1 resident" in o.text()
    assert erased[3:] not in o.page.content()  # what was typed is never shown back
    o.check("erase check")
    o.page.get_by_role("button", name="Erase everything held about this resident").click()
    assert "Everything held about the resident was erased" in o.text()
    assert erased[3:] not in o.page.content()
    name = pseudonym(SECRET, "twilio_sms", erased)
    with transaction(o.provider.factory()) as session:
        assert session.query(Participant).filter_by(pseudonym=name).count() == 0


def reads_the_audit_log(o: Officer) -> None:
    o.goto("/audit")
    text = o.text()
    for done in ("Imported contacts", "Launched a campaign", "Erased a resident's data", OFFICER):
        assert done in text, done
    assert "buses-2026" in text
    o.check("audit log")


def rows(o: Officer, model) -> list:
    with transaction(o.provider.factory()) as session:
        return session.query(model).all()


def test_an_officer_from_a_campaign_file_to_residents_answers(officer):
    signs_in(officer)
    uploads_a_campaign_with_an_error(officer)
    fixes_it_in_the_editor_and_publishes(officer)
    previews_it(officer)
    tries_it_in_the_simulator(officer)
    imports_the_residents(officer)
    launch_id = checks_and_launches(officer)
    watches_the_invitations_go_out(officer, launch_id)
    residents_answer_by_sms(officer)
    reads_the_figures(officer)
    downloads_the_export(officer)
    erases_a_resident(officer)
    reads_the_audit_log(officer)
    with transaction(officer.provider.factory()) as session:
        agreed = session.query(Participant).filter_by(is_test=False, consent="given").count()
    assert agreed == len(ANSWERING) - 1  # one erased; the third was invited, never answered
    assert officer.problems == []
