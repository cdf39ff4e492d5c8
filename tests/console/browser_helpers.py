"""The console in a real browser: Debian's chromium driven by Playwright (never a browser
download), the console as a real process, axe-core (bundled with axe-playwright-python)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from console_helpers import PASSWORD
from needed import missing

CHROMIUM = os.environ.get("ENGAGE_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
SERIOUS = {"serious", "critical"}


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    missing(f"no browser at {CHROMIUM}: install Debian's chromium package "
            "(scripts/ensure-browser does when root), or set ENGAGE_CHROMIUM")


@dataclass
class PageWatch:
    """What the browser said about a page: CSP refusals and script errors must be none."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # A page's own status (a 404 page, a refusal) is not a problem; resources are below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(message.text)

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} for {response.url}")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[node['target'] for node in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in SERIOUS]


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    submit(page, "Sign in")


def submit(page, button: str) -> None:
    """Press a form's button and wait for the page it leads to (never the old one)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
