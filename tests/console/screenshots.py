"""Pictures of the console's main pages for docs/console.md, taken in headless Chromium from a
console on a fresh database with made-up data (a published campaign, residents' answers, a
contact group and a launch part-way through):

    .venv/bin/python tests/console/screenshots.py docs/console      # or scripts/console-screenshots

With a trained model (models/engage.tar.gz, or --model PATH) it starts the bot too, so "Try
it" shows a real conversation; without one, "Try it" is pictured before it starts. Pages of
areas not in the console yet (/contacts, /results/{slug}, /data-rights) are skipped, and
taken once their routes exist. Each picture is the 1280 x 900 window, not the whole page."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for folder in (TESTS, TESTS / "console", TESTS / "launch"):
    sys.path.insert(0, str(folder))

from browser_helpers import CHROMIUM, LAUNCH_ARGS, sign_in, submit  # noqa: E402
from console_helpers import EXAMPLE, add_member, publish_example  # noqa: E402
from launch_console_helpers import CHANNEL_SETTINGS  # noqa: E402
from launch_helpers import add_contact  # noqa: E402
from sharing_helpers import MANY, answer_id, campaign_with_answers  # noqa: E402
from sharing_helpers import SLUG as SHARED  # noqa: E402

from bot.clock import write_clock_file  # noqa: E402
from bot.console.areas import AREAS  # noqa: E402
from bot.deliberation import moderation, public, themes  # noqa: E402
from bot.launch import running  # noqa: E402
from bot.store.db import session_factory, transaction  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Invitation  # noqa: E402

ROOT = TESTS.parent
CAMPAIGN = "buses-2026"
GROUP = "library-drop-in"  # launched already: the progress page
CHECKED = "market-day"  # not launched yet: the check page
OFFICER = "officer@council.example"
WINDOW = {"width": 1280, "height": 900}
BROKEN = EXAMPLE.read_text(encoding="utf-8").replace(
    '    cy: "Mae Cyngor Caerdydd', '    xx: "Mae Cyngor Caerdydd', 1)


def seed(url: str) -> int:
    """Staff, two campaigns (one with residents' answers, themes, quotes and a public page),
    a contact group and a launch part-way through; the launch's id."""
    upgrade(url)
    db = session_factory(url)
    add_member(db, "admin", "admin@council.example")
    add_member(db, "officer", OFFICER)
    publish_example(db)
    campaign_with_answers(db, MANY)
    with transaction(db) as session:
        themes.run(session, SHARED, by=OFFICER)
        moderation.approve(session, SHARED, answer_id(db, MANY["bus2"][1]), OFFICER)
        public.publish(session, SHARED, {"en": "We choose in March."}, by=OFFICER)
    for number in range(12):
        add_contact(db, "twilio_sms", number, "en" if number % 3 else "cy", group=GROUP)
    for number, language in enumerate(["en", "en", "cy", "pl", None, "en", "cy", "en"], 20):
        add_contact(db, "twilio_sms", number, language, group=CHECKED, opted_out=number == 25)
    launched = running.launch(db, CAMPAIGN, GROUP, by=OFFICER, rate="30/min",
                              queue_anyway=True, enqueue=lambda *_: None)
    with transaction(db) as session:
        rows = session.query(Invitation).order_by(Invitation.id).all()
        for row in rows[:7]:
            row.status, row.sent_at = "sent", datetime.utcnow()
        rows[7].status, rows[7].reason = "failed", "the number is not a mobile"
    return launched.launch_id


@contextmanager
def console(url: str, folder: Path, model: Path | None) -> Iterator[str]:
    clock = folder / "clock"
    write_clock_file(clock, datetime(2026, 11, 24, 12, 0))  # midday: never quiet hours
    env = {**CHANNEL_SETTINGS, "ENGAGE_CLOCK_FILE": str(clock),
           "ENGAGE_QUEUE_PATH": str(folder / "queue.db")}
    if model is None:
        from console_server import running_console

        with running_console(url, folder / "console.log",
                             {**env, "ENGAGE_RASA_URL": "http://127.0.0.1:9"}) as server:
            yield server.url
        return
    from bot.stack import Stack, StackConfig, free_port

    config = StackConfig(model=model, database_url=url, secret_key="screenshots-secret",
                         rasa_port=free_port(), action_port=free_port(), console=True,
                         console_port=free_port(), log_dir=folder / "logs", extra_env=env)
    with Stack(config):
        yield f"http://127.0.0.1:{config.console_port}"


def small(path: Path) -> None:
    """64 colours are plenty for these pages: a third of the bytes (when Pillow is there)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as picture:
        fewer = picture.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    fewer.save(path, optimize=True)


def routes() -> set[str]:
    return {page.path for area in AREAS for page in area.area.pages}


def take(page, base: str, out: Path, launch_id: int, with_bot: bool) -> list[str]:
    taken = []

    def shot(name: str) -> None:
        path = out / f"{name}.png"
        page.screenshot(path=str(path))
        small(path)
        taken.append(name)

    page.goto(f"{base}/sign-in")
    shot("sign-in")
    sign_in(page, base, OFFICER)
    shot("home")
    page.goto(f"{base}/campaigns")
    shot("campaigns")
    page.goto(f"{base}/campaigns/{CAMPAIGN}")
    shot("campaign")
    page.goto(f"{base}/new-campaign")
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / f"{CAMPAIGN}.yml"
        upload.write_text(BROKEN, encoding="utf-8")
        page.get_by_label("Campaign file", exact=True).set_input_files(str(upload))
        submit(page, "Upload and check")
    shot("campaign-errors")
    page.goto(f"{base}/campaigns/{CAMPAIGN}/preview?language=en&channel=sms")
    shot("preview-sms")
    page.goto(f"{base}/campaigns/{CAMPAIGN}/preview?language=ar&channel=telegram")
    shot("preview-telegram-arabic")
    page.goto(f"{base}/campaigns/{CAMPAIGN}/try")
    if with_bot:
        page.get_by_role("button", name="Start: text BUSES").click()
        conversation = page.locator("#conversation")
        conversation.get_by_text("Choose your language").wait_for(timeout=60_000)
        for text, expect in (("1", "Reply YES to take part"),
                             ("YES", "Reply MORE for detail, or OK to go on.")):
            page.get_by_label("Your message, as a resident").fill(text)
            page.get_by_role("button", name="Send").click()
            conversation.get_by_text(expect).first.wait_for(timeout=60_000)
    shot("try-it")
    if with_bot:
        submit(page, "End the test and delete it")
    if "/contacts" in routes():
        page.goto(f"{base}/contacts")
        shot("contacts")
    page.goto(f"{base}/launches?campaign={CAMPAIGN}")
    page.get_by_label("Who to invite (contact group)").select_option(CHECKED)
    page.get_by_label("Channel", exact=True).select_option("sms")
    submit(page, "Check the launch")
    shot("launch-check")
    page.goto(f"{base}/launches/{launch_id}")
    shot("launch-progress")
    if "/results/{slug}" in routes():
        page.goto(f"{base}/results/{SHARED}")
        shot("results")
    page.goto(f"{base}/sharing")
    shot("sharing")
    page.goto(f"{base}/sharing/{SHARED}/quotes")
    shot("sharing-quotes")
    if "/data-rights" in routes():
        page.goto(f"{base}/data-rights")
        shot("data-rights")
    page.goto(f"{base}/audit")
    shot("audit")
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder for the PNGs, e.g. docs/console")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "engage.tar.gz",
                        help="a trained Rasa model, for Try it (default: %(default)s)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"No browser at {CHROMIUM}: run scripts/ensure-browser first.", file=sys.stderr)
        return 1
    model = args.model if args.model.exists() else None
    if model is None:
        print(f"No model at {args.model}: Try it is pictured before it starts.", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="engage-screenshots-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'engage.db'}"
        launch_id = seed(url)
        with console(url, folder, model) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=LAUNCH_ARGS)
            page = browser.new_context(viewport=WINDOW).new_page()
            taken = take(page, base, args.out.resolve(), launch_id, model is not None)
            browser.close()
    print(f"{len(taken)} pictures in {args.out}: {', '.join(taken)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
