"""Try it, against the real bot: the Rasa server and action server (`engage run`'s stack) on
a fresh database, and the console on the same one. The tester gets exactly the replies a
resident on the REST channel gets; their participation is test data, absent from results,
status, reach and exports; it is deleted when they end the test, sign out, or leave it idle,
and nobody else can see it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from console_helpers import EXAMPLE, SLUG, Clock, add_member, csrf_of, open_session_for
from constants import SECRET
from starlette.testclient import TestClient

from bot import simulator
from bot.campaigns.loader import load_campaign
from bot.console import ConsoleSettings, create_app
from bot.stack import Stack, StackConfig, free_port
from bot.store.db import engine_for, session_factory, transaction
from bot.store.erase import RASA_EVENTS_TABLE
from bot.store.migrate import upgrade
from bot.store.models import (
    ConsentRecord,
    Contact,
    Erasure,
    Participant,
    Response,
    utcnow,
)
from bot.store.repository import CampaignRepository

ROOT = Path(__file__).resolve().parents[2]
# A resident's first messages: the keyword, English, consent, past the background, an answer.
TURNS = ["BUSES", "1", "yes please", "OK", "1"]


@pytest.fixture(scope="module")
def bot(rasa_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("try-it")
    url = f"sqlite:///{folder / 'engage.db'}"
    upgrade(url)
    with transaction(session_factory(url)) as session:
        CampaignRepository(session).publish(load_campaign(EXAMPLE))
    config = StackConfig(model=rasa_model, database_url=url, secret_key=SECRET,
                         rasa_port=free_port(), action_port=free_port(),
                         log_dir=folder / "logs")
    with Stack(config) as stack:
        stack.url = url
        yield stack
    engine_for(url).dispose()


@pytest.fixture
def db(bot):
    return session_factory(bot.url)


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())  # the bot's own records use the real time


@pytest.fixture
def console(bot, db, clock):
    app = create_app(ConsoleSettings(rasa_url=bot.config.rasa_url), db, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def officer(console, db, clock, email: str) -> str:
    return open_session_for(console, db, add_member(db, "officer", email), clock())


def say(console, token: str, text: str):
    response = console.post(f"/campaigns/{SLUG}/try", data={"csrf_token": token, "message": text})
    assert response.status_code == 303, response.text[:600]
    return console.get(response.headers["location"])


def as_resident(bot, sender: str, text: str) -> list[str]:
    import urllib.request

    request = urllib.request.Request(
        f"{bot.config.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return [item["text"] for item in json.loads(reply.read())]


def test_the_tester_gets_a_residents_conversation_that_counts_nowhere(console, db, clock, bot):
    token = officer(console, db, clock, "kim@council.example")
    tag = simulator.tag_for(token, SLUG)
    page = console.get(f"/campaigns/{SLUG}/try")
    assert "Start: text BUSES" in page.text
    for text in TURNS:
        page = say(console, token, text)
    with transaction(db) as session:
        lines = simulator.transcript(session, tag)
    # exactly the conversation a resident on the REST channel gets, turn by turn
    expected = []
    for text in TURNS:
        expected += [simulator.Line("you", text)] + [
            simulator.Line("bot", reply) for reply in as_resident(bot, "resident-1", text)]
    assert lines == expected
    assert "How do you usually get to the GP or hospital?" in page.text
    assert 'id="latest"' in page.text and 'dir="auto"' in page.text

    with transaction(db) as session:
        mine = session.query(Participant).filter_by(pseudonym=f"test-{tag}").one()
        assert mine.is_test and mine.consent == "given"
        assert session.query(Response).filter_by(participant_id=mine.id).count() == 1
        resident = session.query(Participant).filter(Participant.is_test.is_(False)).one()
        assert not resident.pseudonym.startswith("test-")
        resident_pseudonym = resident.pseudonym

    # Nowhere in what staff read: only the real resident is counted.
    env = {"ENGAGE_DATABASE_URL": bot.url, "PATH": str(Path(sys.executable).parent)}
    engage = str(Path(sys.executable).parent / "engage")

    def run(*args: str) -> str:
        done = subprocess.run([engage, *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    exported = [json.loads(line) for line in run("export", SLUG, "--format", "jsonl").splitlines()]
    assert [row["participant"] for row in exported] == [resident_pseudonym]
    assert f"test-{tag}" not in run("export", SLUG, "--format", "csv")
    status = run("campaign", "status", SLUG)
    assert "Agreed" in status and f"test-{tag}" not in status
    listed = console.get("/campaigns").text
    assert '<td data-label="Agreed" class="number">1</td>' in listed  # the resident alone

    # Another officer sees none of it.
    other = TestClient(console.app, follow_redirects=False)
    officer(other, db, clock, "sam@council.example")
    assert "How do you usually get" not in other.get(f"/campaigns/{SLUG}/try").text

    # Ending the test deletes everything of it, everywhere, and records no erasure.
    ended = console.post(f"/campaigns/{SLUG}/try/end", data={"csrf_token": token})
    assert ended.headers["location"] == f"/campaigns/{SLUG}?done=ended"
    assert "Your test conversation is deleted" in console.get(ended.headers["location"]).text
    assert leftovers(db, f"test-{tag}") == {}
    with transaction(db) as session:
        assert session.query(Erasure).count() == 0
        assert session.query(Participant).count() == 1  # the resident's is untouched


def leftovers(db, pseudonym: str) -> dict[str, int]:
    with transaction(db) as session:
        counts = {
            "participants": session.query(Participant).filter_by(pseudonym=pseudonym).count(),
            "responses": session.query(Response).join(Participant).filter(
                Participant.pseudonym == pseudonym).count(),
            "consent": session.query(ConsentRecord).join(Participant).filter(
                Participant.pseudonym == pseudonym).count(),
            "contacts": session.query(Contact).filter_by(pseudonym=pseudonym).count(),
            "events": session.execute(
                __import__("sqlalchemy").text(
                    f"SELECT COUNT(*) FROM {RASA_EVENTS_TABLE} WHERE sender_id = :s"),
                {"s": pseudonym}).scalar(),
        }
    return {table: count for table, count in counts.items() if count}


def test_signing_out_deletes_the_test_conversation(console, db, clock):
    token = officer(console, db, clock, "lee@council.example")
    tag = simulator.tag_for(token, SLUG)
    say(console, token, "BUSES")
    assert leftovers(db, f"test-{tag}")
    console.post("/sign-out", data={"csrf_token": token})
    assert leftovers(db, f"test-{tag}") == {}


def test_an_idle_test_conversation_is_deleted_after_the_expiry(console, db, clock):
    token = officer(console, db, clock, "ash@council.example")
    tag = simulator.tag_for(token, SLUG)
    say(console, token, "BUSES")
    clock.advance(minutes=29)
    with transaction(db) as session:
        assert simulator.sweep(session, clock()) == 0
    assert leftovers(db, f"test-{tag}")
    clock.advance(minutes=2)
    with transaction(db) as session:
        assert simulator.sweep(session, clock(), timedelta(minutes=30)) == 1
    assert leftovers(db, f"test-{tag}") == {}


def test_start_again_and_asking_the_bot_to_delete(console, db, clock):
    token = officer(console, db, clock, "jo@council.example")
    tag = simulator.tag_for(token, SLUG)
    say(console, token, "BUSES")
    say(console, token, "1")
    page = say(console, token, "DELETE")  # the bot erases it, as it would a resident's
    assert "Nothing yet" in page.text
    assert "participants" not in leftovers(db, f"test-{tag}")
    say(console, token, "BUSES")
    restarted = console.post(f"/campaigns/{SLUG}/try/restart", data={"csrf_token": token})
    assert "this is a fresh start" in console.get(restarted.headers["location"]).text
    assert leftovers(db, f"test-{tag}") == {}


def test_an_empty_message_and_a_bot_that_is_not_there(console, db, clock):
    token = officer(console, db, clock, "al@council.example")
    empty = console.post(f"/campaigns/{SLUG}/try", data={"csrf_token": token, "message": "  "})
    assert empty.status_code == 400 and "Type a message to send" in empty.text
    app = create_app(ConsoleSettings(rasa_url="http://127.0.0.1:9"), db, clock=clock)
    with TestClient(app, follow_redirects=False) as away:
        token = officer(away, db, clock, "ben@council.example")
        page = away.post(f"/campaigns/{SLUG}/try", data={"csrf_token": token,
                                                          "message": "BUSES"})
        assert page.status_code == 503
        assert "The bot is not answering at http://127.0.0.1:9. Is it running?" in page.text
        assert 'value="BUSES"' in page.text  # what they typed is kept


def test_without_the_form_token_nothing_is_sent(console, db, clock):
    token = officer(console, db, clock, "cy@council.example")
    tag = simulator.tag_for(token, SLUG)
    refused = console.post(f"/campaigns/{SLUG}/try", data={"message": "BUSES"})
    assert refused.status_code == 403
    assert leftovers(db, f"test-{tag}") == {}
    assert csrf_of(console.get(f"/campaigns/{SLUG}/try").text) == token
