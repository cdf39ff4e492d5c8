"""A launch with the keyboard only, in headless Chromium on the real `engage console` process:
from the Launches page, with Tab, Shift+Tab, arrow keys, typing, Enter and Space, choose the
campaign, the contact group, the channel, the start time and the pace, read the dry run,
confirm it, and arrive on the launch's progress page. Every element that takes the focus on
the way shows it (:focus-visible with an outline), and the skip link moves the focus to the
page's main content. The launch tests' world: every channel set up, noon on the quiet-hours
clock, the worker's queue a file nobody reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import sign_in
from console_helpers import add_member, publish_example
from launch_console_helpers import (
    CHANNEL_SETTINGS,
    GROUP,
    NOON,
    SLUG,
    add_contact,
    audience,
    invitations,
)

from bot.clock import write_clock_file
from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.name || "",
          text: (e.innerText || e.value || "").trim().slice(0, 80),
          visible: e.matches(":focus-visible") && style.outlineStyle !== "none"
                   && parseFloat(style.outlineWidth) > 0};
}"""


@pytest.fixture(scope="module")
def launch_console(tmp_path_factory):
    from console_server import running_console

    folder = tmp_path_factory.mktemp("launch-keyboard")
    url = f"sqlite:///{folder / 'engage.db'}"
    upgrade(url)
    db = session_factory(url)
    add_member(db, "officer", "officer@council.example")
    audience(db)  # the launch tests' campaign and group
    publish_example(db)  # a second live campaign to choose past
    add_contact(db, "twilio_sms", 41, "en", group="market-day")  # a second group
    clock = folder / "quiet-clock"
    write_clock_file(clock, NOON)
    env = {**CHANNEL_SETTINGS, "ENGAGE_CLOCK_FILE": str(clock), "ENGAGE_CONSOLE_POLL_SECONDS": "1",
           "ENGAGE_QUEUE_PATH": str(folder / "queue.db")}
    with running_console(url, folder / "console.log", env) as server:
        server.db = db
        yield server
    engine_for(url).dispose()


class Keys:
    """The keyboard, and a record of where the focus went after each key."""

    def __init__(self, page) -> None:
        self.page, self.unseen = page, []

    def focused(self) -> dict:
        return self.page.evaluate(FOCUSED)

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        now = self.focused()
        if now["tag"] not in ("body", "main") and not now["visible"]:
            self.unseen.append(f"{key} -> {now}")
        return now

    def tab_to(self, wanted, limit: int = 40, back: bool = False) -> dict:
        for _ in range(limit):
            now = self.press("Shift+Tab" if back else "Tab")
            if wanted(now):
                return now
        raise AssertionError(f"never reached with {'Shift+' if back else ''}Tab")

    def choose(self, select_id: str, value: str) -> None:
        """Arrow keys on a closed <select> until it holds `value`."""
        for key in ("ArrowDown",) * 6 + ("ArrowUp",) * 12:
            if self.page.eval_on_selector(f"#{select_id}", "e => e.value") == value:
                return
            self.press(key)
        assert self.page.eval_on_selector(f"#{select_id}", "e => e.value") == value


def test_an_officer_launches_with_the_keyboard_only(page, launch_console):
    base = launch_console.url
    sign_in(page, base, "officer@council.example")
    page.goto(f"{base}/launches")
    keys = Keys(page)

    first = keys.press("Tab")
    assert first["text"] == "Skip to main content" and first["visible"]
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'main'")  # the skip link works

    assert keys.press("Tab")["id"] == "campaign"
    keys.choose("campaign", SLUG)
    assert keys.press("Tab")["id"] == "audience"
    keys.choose("audience", GROUP)
    assert keys.press("Tab")["id"] == "channel"
    keys.choose("channel", "sms")
    assert keys.press("Tab")["id"] == "at"
    london = datetime.now(ZoneInfo("Europe/London")) + timedelta(days=1)
    page.keyboard.type(london.strftime("%Y-%m-%d 10:00"))
    assert keys.press("Tab")["id"] == "rate"
    page.keyboard.type("30/min")
    assert keys.press("Tab")["id"] == "reinvite"
    assert keys.press("Shift+Tab")["id"] == "rate"  # back, and the pace is still there
    assert page.input_value("#rate") == "30/min"
    keys.tab_to(lambda f: f["text"] == "Check the launch")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == f"{base}/launches/check"
    text = page.content()
    assert "nothing has been queued or changed" in text
    assert "Would be invited: 5" in text  # the group's SMS contacts not opted out
    assert "SMS segment" in text and "Estimated cost" in text
    assert invitations(launch_console.db) == []
    button = keys.tab_to(lambda f: f["text"].startswith("Launch: invite"))
    assert button["text"] == "Launch: invite 5 residents"
    with page.expect_navigation():
        page.keyboard.press("Space")

    assert page.url.startswith(f"{base}/launches/") and page.url.split("/")[-1].isdigit()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Launch of")
    page.locator("#progress[data-poll]").wait_for()
    assert "30 per minute" in page.inner_text("main")  # the pace typed on the first page
    assert len(invitations(launch_console.db)) == 5
    keys.tab_to(lambda f: f["text"] == "Back to launches")  # and on through the page
    assert keys.unseen == [], keys.unseen
    assert page.watch.problems == []
