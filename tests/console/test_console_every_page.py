"""Every page of the console, found in its route table (so a page added later is covered
without anyone listing it): for each role that may open it, axe-core finds no serious or
critical problem, the browser refuses nothing, and the page fits a phone (390 x 844) and
1280 x 900 at 200% zoom (640 x 450 CSS pixels) without scrolling sideways.

A page is every GET route that is not a polled fragment (`fragment=True`) and that answers
with an HTML document (not a download, JSON or metrics: decided by the answer's own headers).
Paths with parameters get real ones: one campaign with residents' answers, themes, a public
page, a saved draft and a launch, so no page shows "not found"."""

from __future__ import annotations

import re

import pytest
from browser_helpers import no_sideways_scroll, serious_violations, sign_in
from launch_console_helpers import GROUP, add_contact
from sharing_helpers import CAMPAIGN, MANY, SLUG, answer_id, campaign_with_answers

from bot.campaigns import drafts
from bot.clock import real_now
from bot.console.areas import AREAS
from bot.deliberation import moderation, public, themes
from bot.launch import running
from bot.store.db import transaction

NARROW = [(390, 844), (640, 450)]  # a phone; 1280 x 900 at 200% zoom
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def every_get_page():
    return [page for area in AREAS for page in area.area.pages
            if "GET" in page.methods and not page.fragment]


@pytest.fixture(scope="module")
def seeded(console_server):
    """The campaign every {slug} names, with everything its pages show; the values of the
    routes' parameters, by the first part of the path and the parameter's name."""
    db = console_server.db
    campaign_with_answers(db, MANY)
    with transaction(db) as session:
        themes.run(session, SLUG, by="test")
        moderation.approve(session, SLUG, answer_id(db, MANY["bus2"][1]), "test")
        public.publish(session, SLUG, {"en": "We choose in March."}, by="test")
        drafts.save(session, CAMPAIGN.read_text(encoding="utf-8"), "test", real_now())
    for number in range(4):
        add_contact(db, "twilio_sms", number, "en")
    launched = running.launch(db, SLUG, GROUP, by="officer@council.example",
                              queue_anyway=True, enqueue=lambda *_: None)
    assert launched.launch_id is not None
    return {("*", "slug"): SLUG, ("launches", "id"): str(launched.launch_id)}


def path_of(template: str, values: dict) -> str:
    section = template.strip("/").split("/")[0]

    def value(match: re.Match) -> str:
        name = match.group(1)
        found = values.get((section, name), values.get(("*", name)))
        assert found is not None, (
            f"{template}: no value for {{{name}}}; add one to `seeded` in {__file__}")
        return found

    return PARAMETER.sub(value, template)


def pages_for(who: str | None, values: dict) -> list[str]:
    return [path_of(page.path, values) for page in every_get_page()
            if (page.roles is None) == (who is None) and (who is None or who in page.roles)]


def is_a_document(page, url: str) -> bool:
    """The rule for what is a page: an HTML document, not an attachment (asked with the
    browser's own cookies, without navigating, so a download never starts)."""
    answer = page.request.get(url)
    kind = answer.headers.get("content-type", "")
    attached = "attachment" in answer.headers.get("content-disposition", "")
    return kind.startswith("text/html") and not attached and "<html" in answer.text()[:500]


def visit(page, url: str) -> list[str]:
    answer = page.goto(url)
    where = url.split("//", 1)[1].split("/", 1)[1]
    problems = [] if answer.status == 200 else [f"/{where}: status {answer.status}"]
    problems += [f"/{where}: {v}" for v in serious_violations(page)]
    problems += [f"/{where}: browser said {p}" for p in page.watch.problems]
    page.watch.problems.clear()
    return problems


@pytest.mark.parametrize("who", ["officer", "viewer", "admin", None],
                         ids=lambda who: who or "signed-out")
def test_every_page_has_no_serious_axe_problem_and_fits_narrow_screens(
        browser, page, console_server, seeded, who):
    base = console_server.url
    if who:
        sign_in(page, base, f"{who}@council.example")
    paths = pages_for(who, seeded)
    problems, checked = [], []
    for path in paths:
        if not is_a_document(page, base + path):
            continue
        checked.append(path)
        problems += visit(page, base + path)
    assert problems == []
    narrow = []
    for width, height in NARROW:
        page.set_viewport_size({"width": width, "height": height})
        for path in checked:
            page.goto(base + path)
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            if not no_sideways_scroll(page):
                narrow.append(f"{path} scrolls sideways at {width} x {height}")
    assert narrow == []
    expected = {"officer": {"/campaigns", f"/launches/{seeded[('launches', 'id')]}",
                            f"/sharing/{SLUG}/themes", f"/campaigns/{SLUG}/publish"},
                "viewer": {"/", "/sharing"}, "admin": {"/staff", "/audit"},
                None: {"/sign-in", f"/p/{SLUG}"}}[who]
    assert expected <= set(checked), checked


def test_the_rule_leaves_out_only_what_is_not_a_page(page, console_server, seeded):
    """Routes not visited above are fragments or answer with something other than a page
    (JSON, metrics): the rule, not a list, decides, and it never leaves out an HTML page."""
    base = console_server.url
    sign_in(page, base, "officer@council.example")
    left_out = [path_of(p.path, seeded) for p in every_get_page()
                if p.roles is None and not is_a_document(page, base + path_of(p.path, seeded))]
    assert "/health" in left_out and "/sign-in" not in left_out
    for path in left_out:
        assert not page.request.get(base + path).headers.get(
            "content-type", "").startswith("text/html"), path
