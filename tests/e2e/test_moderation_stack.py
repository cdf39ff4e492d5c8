"""Moderation end to end, on the real stack (Rasa, action server, REST channel): residents'
reasons are private until an officer approves them (`engage quotes`); an unapproved or
rejected reason never reaches another resident's reflect step nor the public results page
(`engage public publish`, served by the console app on the same database); approving one
makes it appear; rejecting it later takes it off both at once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from running_bot import RunningBot, running_bot
from starlette.testclient import TestClient

from bot.campaigns.publishing import publish_files
from bot.console import ConsoleSettings, create_app
from bot.conversation import TALLY_TTL_SECONDS
from bot.store.db import transaction
from bot.store.models import Response

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "tests" / "deliberation" / "data" / "deliberation.yml"
SLUG = "delib-test"
REASONS = {  # resident -> (choice, reason)
    "m1": ("1", "The buses only come once an hour so I miss appointments"),
    "m2": ("1", "Buses are the only way I can get there"),
    "m3": ("2", "I drive my mum and there is never a space to park"),
    "m4": ("2", "Ring Sam on 07700 900123 about the parking"),
    "m5": ("3", "Taxis cost me twenty pounds each way"),
    "m6": ("3", "I cannot afford the fares on my pension"),
}
APPROVED, REJECTED, LATER = REASONS["m3"][1], REASONS["m1"][1], REASONS["m5"][1]

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def bot(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    workdir = tmp_path_factory.mktemp("moderation")
    url = f"sqlite:///{workdir / 'engage.db'}"
    with running_bot(rasa_model, url, workdir) as running:
        publish_files([str(CAMPAIGN)], url)
        yield running


def take_part(bot: RunningBot, sender: str, choice: str, reason: str) -> list[str]:
    """Through Rasa as a resident; every message the bot sent back."""
    said: list[str] = []
    for text in ("DELIB", "1", "YES", choice, reason):
        said += bot.say(sender, text)
    if "Does this change your view?" in said[-1]:
        said += bot.say(sender, "2")
    for text in ("more buses", "1", "2"):
        said += bot.say(sender, text)
    return said


def reflect(said: list[str]) -> str:
    return next(m for m in said if m.startswith("What others think:"))


def answer_id(bot: RunningBot, text: str) -> str:
    with transaction(bot.factory()) as session:
        return str(session.query(Response.id).filter(Response.raw_text == text).scalar())


def officer(bot: RunningBot, *args: str) -> str:
    done = bot.engage(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def public_page(bot: RunningBot) -> str:
    app = create_app(ConsoleSettings(), bot.factory())
    with TestClient(app) as client:
        page = client.get(f"/p/{SLUG}")
    assert page.status_code == 200
    return page.text


def test_only_approved_reasons_reach_residents_and_the_public(bot, tmp_path):
    for sender, (choice, reason) in REASONS.items():
        take_part(bot, sender, choice, reason)
    time.sleep(TALLY_TTL_SECONDS + 0.5)  # the action server's count of answers is renewed
    queue = officer(bot, "quotes", "queue", SLUG)
    assert "FLAGGED: phone number" in queue and "07700" not in queue
    officer(bot, "quotes", "approve", SLUG, answer_id(bot, APPROVED))
    officer(bot, "quotes", "reject", SLUG, answer_id(bot, REJECTED))

    seen = reflect(take_part(bot, "newcomer-1", "1", "Buses are too rare"))
    assert "Some people said:" in seen and APPROVED in seen
    everything = "\n".join(take_part(bot, "newcomer-2", "2", "Parking is hard"))
    for sender in ("m1", "m2", "m4", "m5", "m6"):  # rejected, or never reviewed
        assert REASONS[sender][1] not in everything
    assert "07700" not in everything

    texts = tmp_path / "next.yml"
    texts.write_text("en: We will decide in March.\n", encoding="utf-8")
    officer(bot, "public", "publish", SLUG, "--what-next", str(texts))
    page = public_page(bot)
    assert APPROVED in page and "We will decide in March." in page
    for sender in ("m1", "m2", "m4", "m5", "m6"):
        assert REASONS[sender][1] not in page
    assert not re.search(r"07700|900123", page)

    officer(bot, "quotes", "approve", SLUG, answer_id(bot, LATER), "--redacted",
            "Taxis cost twenty pounds each way")
    seen = reflect(take_part(bot, "newcomer-3", "1", "Buses please"))
    assert "Taxis cost twenty pounds each way" in seen and LATER not in seen
    assert "Taxis cost twenty pounds" not in public_page(bot)  # not until published again
    officer(bot, "public", "publish", SLUG, "--what-next", str(texts))
    assert "Taxis cost twenty pounds each way" in public_page(bot)

    officer(bot, "quotes", "reject", SLUG, answer_id(bot, APPROVED))  # a change of mind
    seen = reflect(take_part(bot, "newcomer-4", "3", "Money is tight"))
    assert APPROVED not in seen
    assert APPROVED not in public_page(bot)  # off the published page at once
