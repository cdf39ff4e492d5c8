"""Data rights in the console: an officer erases a resident by the number or Telegram username
they type, which no page, hidden field, address, log record or audit entry ever repeats;
erasing reaches every store; each campaign's retention and the purge dry run (which deletes
nothing); the audit log's filters by who, what and when."""

from __future__ import annotations

import html
import json
import logging
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from console_helpers import SLUG, add_member, audit_rows, open_session_for, publish_example
from constants import SECRET

from bot.console import ConsoleSettings, create_app
from bot.store.db import transaction
from bot.store.models import (
    AuditEntry,
    CampaignVersion,
    ConsentRecord,
    Contact,
    ContactGroupMember,
    ContactSource,
    Erasure,
    InboxMessage,
    Invitation,
    OutboxMessage,
    Participant,
    Response,
    utcnow,
)
from bot.store.vault import ContactVault

NUMBER, E164, OTHER = "07700 900123", "+447700900123", "+447700900999"
USERNAME, CHAT = "@Sam_Smith", "123456789"
# Every way what the officer typed could show up again.
TYPED = ("07700 900123", "07700900123", "+447700900123", "447700900123", "7700 900123",
         "7700900123", "sam_smith", "123456789")
EVENTS_DDL = ("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) "
              "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, data TEXT)")
TABLES = (Participant, Contact, Invitation, ContactGroupMember, ContactSource, InboxMessage,
          OutboxMessage)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def settings() -> ConsoleSettings:
    return ConsoleSettings(rasa_url="http://127.0.0.1:9", secret_key=SECRET)


def resident(session, version: CampaignVersion, channel: str, address: str,
             username: str | None = None, when: datetime | None = None) -> str:
    """A resident held in every store: vault, participation, consent, answer, invitation,
    group, sign-up source, inbox, outbox and Rasa's tracker events."""
    vault = ContactVault(session, SECRET)
    name = vault.remember(channel, address)
    if username:
        vault.remember_handle(name, username)
    when = when or utcnow()
    participant = Participant(pseudonym=name, campaign_id=version.id, channel=channel,
                              language="en", phase="done", state={}, consent="given",
                              status="completed", started_at=when, last_message_at=when,
                              completed_at=when)
    session.add(participant)
    session.flush()
    session.add_all([
        ConsentRecord(participant_id=participant.id, campaign_id=version.id,
                      consent_version="v1", decision="given", channel=channel, language="en",
                      decided_at=when),
        Response(participant_id=participant.id, campaign_id=version.id, step_id="travel",
                 raw_text="2", value="bus", language="en", answered_at=when),
        Invitation(campaign_id=version.id, pseudonym=name, channel=channel, status="sent"),
        ContactGroupMember(group_name="library", pseudonym=name),
        ContactSource(pseudonym=name, source="Library sign-up sheet", imported_by="officer"),
        InboxMessage(provider="twilio", provider_message_id=f"in-{name}", channel=channel,
                     pseudonym=name, body="BUSES", status="done", received_at=when),
        OutboxMessage(channel=channel, pseudonym=name, body="Thanks", status="sent",
                      created_at=when),
    ])
    session.execute(sa.text(EVENTS_DDL))
    session.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp) "
                            "VALUES (:s, 'user', :t)"),
                    {"s": name, "t": when.timestamp()})
    session.flush()
    return name


@pytest.fixture
def world(db):
    """Four residents: the same number on SMS and on WhatsApp, a Telegram resident with a
    username, and someone else on SMS."""
    publish_example(db)
    with transaction(db) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        return {"sms": resident(session, version, "twilio_sms", E164),
                "whatsapp": resident(session, version, "twilio_whatsapp", E164),
                "telegram": resident(session, version, "telegram", CHAT, username="sam_smith"),
                "other": resident(session, version, "twilio_sms", OTHER)}


def held(db, name: str) -> dict[str, int]:
    """How many rows each store holds about one pseudonym."""
    with transaction(db) as session:
        found = {table.__tablename__: session.query(table).filter_by(pseudonym=name).count()
                 for table in TABLES}
        ids = [p.id for p in session.query(Participant).filter_by(pseudonym=name)]
        found["responses"] = session.query(Response).filter(Response.participant_id.in_(ids)).count()
        found["consent_records"] = session.query(ConsentRecord).filter(
            ConsentRecord.participant_id.in_(ids)).count()
        found["events"] = session.execute(sa.text(
            "SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": name}).scalar_one()
    return found


EVERYTHING = {"participants": 1, "contacts": 1, "invitations": 1, "contact_group_members": 1,
              "contact_sources": 1, "inbox": 1, "outbox": 1, "responses": 1,
              "consent_records": 1, "events": 1}
NOTHING_LEFT = dict.fromkeys(EVERYTHING, 0)


class Flow:
    """The client, keeping every response so each can be checked for what was typed."""

    def __init__(self, client) -> None:
        self.client, self.responses = client, []

    def get(self, path: str):
        response = self.client.get(path)
        self.responses.append(response)
        return response

    def post(self, path: str, data: dict):
        response = self.client.post(path, data=data)
        self.responses.append(response)
        return response

    def assert_nothing_typed_shown(self) -> None:
        for response in self.responses:
            shown = (response.text + json.dumps(dict(response.headers))).lower()
            for typed in TYPED:
                assert typed.lower() not in shown, (typed, response.url)


def assert_not_in_logs_or_audit(caplog, db) -> None:
    for record in caplog.records:
        line = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}".lower()
        assert not any(typed.lower() in line for typed in TYPED), line
    with transaction(db) as session:
        for entry in session.query(AuditEntry):
            line = json.dumps([entry.actor, entry.action, entry.subject, entry.details]).lower()
            assert not any(typed.lower() in line for typed in TYPED), line


@pytest.fixture
def officer(client, db, clock):
    return open_session_for(client, db, add_member(db, "officer"), clock())


def confirmation(page_html: str) -> list[tuple[str, str]]:
    """The confirm form's hidden fields, as a browser sends them."""
    form = page_html.split('action="/data-rights/erase"')[1].split("</form>")[0]
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(form)]


def as_form(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return form


def test_erasing_by_number_reaches_every_store_and_never_shows_the_number(
        client, db, world, officer, caplog):
    caplog.set_level(logging.DEBUG)
    flow = Flow(client)
    assert "Erase a resident who asks" in flow.get("/data-rights").text
    check = flow.post("/data-rights/erase/check",
                      data={"csrf_token": officer, "way": "phone", "typed": NUMBER})
    assert check.status_code == 200, check.text[:500]
    assert "nothing has been erased yet" in check.text
    assert "Found: 2 residents" in check.text  # SMS and WhatsApp from the same number
    assert "Bus and hospital travel" in check.text or SLUG in check.text
    assert '<td data-label="How many" class="number" data-figure="2">2</td>' in check.text
    assert held(db, world["sms"]) == EVERYTHING  # a check erases nothing
    fields = confirmation(check.text)
    assert ("resident", world["sms"]) in fields and ("resident", world["whatsapp"]) in fields

    done = flow.post("/data-rights/erase", data=as_form(fields))
    assert done.status_code == 303 and done.headers["location"] == "/data-rights?done=erased"
    assert "Everything held about the resident was erased" in flow.get(done.headers["location"]).text

    for name in (world["sms"], world["whatsapp"]):
        assert held(db, name) == NOTHING_LEFT
    assert held(db, world["other"]) == EVERYTHING
    assert held(db, world["telegram"]) == EVERYTHING
    with transaction(db) as session:
        assert session.query(Erasure).count() == 2  # the bare fact, once per resident
        entries = [(e.actor, e.action, e.subject, e.details)
                   for e in session.query(AuditEntry).filter_by(action="erase")]
    assert entries == [("officer@council.example", "erase", None,
                        {"found": True, "by": "address"})] * 2
    flow.assert_nothing_typed_shown()
    assert_not_in_logs_or_audit(caplog, db)


def test_erasing_by_telegram_username(client, db, world, officer, caplog):
    caplog.set_level(logging.DEBUG)
    flow = Flow(client)
    check = flow.post("/data-rights/erase/check",
                      data={"csrf_token": officer, "way": "telegram-username", "typed": USERNAME})
    assert check.status_code == 200 and "Found: 1 resident<" in check.text
    assert flow.post("/data-rights/erase", data=as_form(confirmation(check.text))).status_code == 303
    assert held(db, world["telegram"]) == NOTHING_LEFT
    assert held(db, world["sms"]) == EVERYTHING
    with transaction(db) as session:
        [entry] = session.query(AuditEntry).filter_by(action="erase").all()
        assert entry.details == {"found": True, "by": "telegram_username"}
    flow.assert_nothing_typed_shown()
    assert_not_in_logs_or_audit(caplog, db)


@pytest.mark.parametrize("way, typed", [("phone", "07700 900555"),
                                        ("telegram-username", "@nobody_here"),
                                        ("telegram", "987654321")])
def test_nobody_found_says_so_plainly_without_repeating_it(client, db, world, officer, caplog,
                                                           way, typed):
    caplog.set_level(logging.DEBUG)
    before = audit_rows(db)
    page = client.post("/data-rights/erase/check",
                       data={"csrf_token": officer, "way": way, "typed": typed})
    assert page.status_code == 200
    assert "Nobody is held under what you typed" in page.text
    assert "Nothing was erased." in page.text
    for part in (typed, typed.strip("@"), typed.replace(" ", "")):
        assert part.lower() not in page.text.lower()
    assert "Check before erasing" not in page.text
    assert audit_rows(db) == before
    for name in world.values():
        assert held(db, name) == EVERYTHING


@pytest.mark.parametrize("way, typed, words", [
    ("phone", "", "Type the resident's phone number"),
    ("telegram-username", "   ", "Type the resident's Telegram @username"),
    ("phone", "call me maybe", "cannot be read as a phone number (has letters in it)"),
    ("sms", "12", "cannot be read as a phone number"),
    ("phone", "0" * 65, "too long to be a phone number, chat id or username"),
    ("phone", "+44 7700 900123" + " 9" * 30, "too long"),
    ("telegram", "sam_smith_chat", "cannot be read as a chat id"),
    ("telegram-username", "@", "Give the Telegram username"),
    ("fax", NUMBER, "Choose how you are naming the resident"),
])
def test_bad_input_is_refused_and_never_repeated(client, db, world, officer, caplog, way, typed,
                                                 words):
    caplog.set_level(logging.DEBUG)
    page = client.post("/data-rights/erase/check",
                       data={"csrf_token": officer, "way": way, "typed": typed})
    assert page.status_code == 400, page.text[:300]
    assert html.unescape(page.text).count(words) == 1, page.text[:2000]
    assert "Nothing was erased" in page.text
    if len(typed.strip()) > 1:
        assert typed.strip() not in html.unescape(page.text)
    assert 'name="typed" type="text"' in page.text and 'name="typed" value' not in page.text
    for name in world.values():
        assert held(db, name) == EVERYTHING
    assert_not_in_logs_or_audit(caplog, db)


def test_without_the_secret_key_finding_by_number_is_refused(db, clock, world):
    from starlette.testclient import TestClient

    app = create_app(ConsoleSettings(rasa_url="http://127.0.0.1:9"), db, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        token = open_session_for(client, db, add_member(db, "officer"), clock())
        page = client.post("/data-rights/erase/check",
                           data={"csrf_token": token, "way": "phone", "typed": NUMBER})
    assert page.status_code == 400 and "needs the secret key" in page.text
    assert held(db, world["sms"]) == EVERYTHING


@pytest.mark.parametrize("change", ["another resident", "a resident added", "by", "expired",
                                    "no seal", "not a pseudonym"])
def test_a_changed_or_stale_confirmation_erases_nothing(client, db, clock, world, officer, change):
    check = client.post("/data-rights/erase/check",
                        data={"csrf_token": officer, "way": "sms", "typed": NUMBER})
    fields = confirmation(check.text)
    if change == "another resident":
        fields = [(k, world["other"] if k == "resident" else v) for k, v in fields]
    elif change == "a resident added":
        fields.append(("resident", world["other"]))
    elif change == "by":
        fields = [(k, "telegram_username" if k == "by" else v) for k, v in fields]
    elif change == "expired":
        clock.advance(minutes=16)
    elif change == "no seal":
        fields = [(k, v) for k, v in fields if k != "seal"]
    else:
        fields = [(k, "'; DROP TABLE contacts" if k == "resident" else v) for k, v in fields]
    page = client.post("/data-rights/erase", data=as_form(fields))
    assert page.status_code == 400 and "out of date or was changed" in page.text
    for name in world.values():
        assert held(db, name) == EVERYTHING
    assert [row for row in audit_rows(db) if row[1] == "erase"] == []


def test_a_viewer_is_refused_every_step(client, db, world, clock):
    token = open_session_for(client, db, add_member(db, "viewer"), clock())
    assert client.get("/data-rights").status_code == 403
    for path, form in (("/data-rights/erase/check", {"way": "phone", "typed": NUMBER}),
                       ("/data-rights/erase", {"resident": world["sms"], "by": "address"}),
                       ("/data-rights/purge/check", {}),
                       ("/data-rights/purge", {"confirm": "yes"})):
        page = client.post(path, data={"csrf_token": token, **form})
        assert page.status_code == 403 and "You cannot use this page" in page.text, path
        assert NUMBER not in page.text
    assert held(db, world["sms"]) == EVERYTHING
    assert "Data rights" not in client.get("/").text.split("<main")[0]  # not in the menu


def test_an_administrator_may_erase_too(client, db, world, clock):
    token = open_session_for(client, db, add_member(db, "admin"), clock())
    assert 'href="/data-rights"' in client.get("/").text.split("<main")[0]
    check = client.post("/data-rights/erase/check",
                        data={"csrf_token": token, "way": "sms", "typed": NUMBER})
    assert client.post("/data-rights/erase", data=as_form(confirmation(check.text))).status_code == 303
    assert held(db, world["sms"]) == NOTHING_LEFT and held(db, world["whatsapp"]) == EVERYTHING


def test_without_the_csrf_token_nothing_is_looked_up_or_erased(client, db, world, officer):
    check = client.post("/data-rights/erase/check",
                        data={"csrf_token": officer, "way": "phone", "typed": NUMBER})
    fields = confirmation(check.text)
    for token in (None, "not-the-token"):
        kept = [(k, v) for k, v in fields if k != "csrf_token"]
        if token:
            kept.append(("csrf_token", token))
        page = client.post("/data-rights/erase", data=as_form(kept))
        assert page.status_code == 403, page.text[:300]
        looked = client.post("/data-rights/erase/check",
                             data={"way": "phone", "typed": NUMBER,
                                   **({"csrf_token": token} if token else {})})
        assert looked.status_code == 403 and NUMBER not in looked.text
        purged = client.post("/data-rights/purge", data={"confirm": "yes"})
        assert purged.status_code == 403
    assert held(db, world["sms"]) == EVERYTHING
    assert [row for row in audit_rows(db) if row[1] in ("erase", "purge")] == []


def test_the_page_shows_each_campaigns_retention_and_links_the_audit_log(client, db, officer,
                                                                        clock):
    publish_example(db)
    page = client.get("/data-rights")
    assert page.status_code == 200
    boundary = clock() - timedelta(days=365)
    assert (f"Kept for 365 days: what was given before {boundary.day} {boundary:%B %Y} is "
            "deleted at the next daily purge.") in page.text
    assert "Every day at 03:00 UTC the worker" in page.text
    assert 'href="/audit?action=erase"' in page.text and 'href="/audit?action=purge"' in page.text
    assert 'autocomplete="off"' in page.text


def test_the_purge_dry_run_shows_counts_and_deletes_nothing(client, db, clock, officer):
    publish_example(db)
    long_ago = clock() - timedelta(days=400)  # past buses-2026's 365 days
    with transaction(db) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        old = resident(session, version, "twilio_sms", E164, when=long_ago)
        new = resident(session, version, "twilio_sms", OTHER, when=clock())
        session.query(ContactGroupMember).filter_by(pseudonym=old).delete()  # so not needed
    before = (held(db, old), held(db, new), audit_rows(db))
    page = client.post("/data-rights/purge/check", data={"csrf_token": officer})
    assert page.status_code == 200
    assert "This is a dry run: nothing has been deleted." in page.text
    assert "Would be deleted now: " in page.text
    assert '<td data-label="What">Answers</td><td data-label="How many" class="number">1</td>' \
        in page.text
    assert (held(db, old), held(db, new), audit_rows(db)) == before

    refused = client.post("/data-rights/purge", data={"csrf_token": officer})
    assert refused.status_code == 400 and "Tick the box" in refused.text
    assert (held(db, old), held(db, new), audit_rows(db)) == before

    done = client.post("/data-rights/purge", data={"csrf_token": officer, "confirm": "yes"})
    assert done.status_code == 200 and "Purge done" in done.text
    gone = held(db, old)
    assert [gone[k] for k in ("responses", "participants", "contacts", "events", "inbox")] == \
        [0, 0, 0, 0, 0]
    assert held(db, new) == before[1]
    with transaction(db) as session:
        [entry] = session.query(AuditEntry).filter_by(action="purge").all()
        assert entry.actor == "officer@council.example" and entry.details["responses"] == 1


def test_the_dry_run_with_nothing_past_retention_says_so(client, db, officer):
    page = client.post("/data-rights/purge/check", data={"csrf_token": officer})
    assert page.status_code == 200 and "Nothing is past retention now" in page.text
    assert "Purge now" not in page.text


def add_entry(db, actor: str, action: str, at: datetime) -> None:
    with transaction(db) as session:
        session.add(AuditEntry(actor=actor, action=action, subject=None, details={}, at=at))


def test_the_audit_log_filters_by_who_what_and_when(client, db, officer):
    add_entry(db, "officer@council.example", "erase", datetime(2026, 11, 2, 10))
    add_entry(db, "officer@council.example", "purge", datetime(2026, 11, 3, 10))
    add_entry(db, "alex@council.example", "erase", datetime(2026, 11, 20, 10))

    def shown(query: str) -> list[str]:
        page = client.get(f"/audit/entries?{query}")
        assert page.status_code == 200
        return re.findall(r"2026-11-\d\d", page.text)

    assert len(shown("")) == 3
    assert shown("action=erase") == ["2026-11-20", "2026-11-02"]
    assert shown("actor=ALEX") == ["2026-11-20"]
    assert shown("action=erase&actor=officer") == ["2026-11-02"]
    assert shown("from=2026-11-03&to=2026-11-19") == ["2026-11-03"]
    assert shown("to=2026-11-02") == ["2026-11-02"]
    page = client.get("/audit?action=erase")
    assert '<option value="erase" selected>' in page.text
    assert "Erased a resident&#39;s data" in page.text or "Erased a resident's data" in page.text


@pytest.fixture(scope="module")
def rights_server(tmp_path_factory):
    """`engage console` as a real process, with the key in a key file (as `make run` keeps
    it), an officer and two residents held under one number."""
    from console_server import running_console

    from bot.store.db import engine_for, session_factory
    from bot.store.migrate import upgrade

    folder = tmp_path_factory.mktemp("rights-server")
    url = f"sqlite:///{folder / 'engage.db'}"
    upgrade(url)
    db = session_factory(url)
    add_member(db, "officer", "officer@council.example")
    publish_example(db)
    with transaction(db) as session:
        version = session.query(CampaignVersion).filter_by(slug=SLUG).one()
        names = [resident(session, version, channel, E164)
                 for channel in ("twilio_sms", "twilio_whatsapp")]
    (folder / "secret.key").write_text(SECRET + "\n")
    with running_console(url, folder / "console.log",
                         {"ENGAGE_SECRET_KEY_FILE": str(folder / "secret.key"),
                          "ENGAGE_RASA_URL": "http://127.0.0.1:9"}) as server:
        server.db, server.names = db, names
        yield server
    engine_for(url).dispose()


def test_in_a_browser_erasing_is_accessible_and_the_process_logs_nothing_typed(page,
                                                                              rights_server):
    from browser_helpers import serious_violations, sign_in, submit

    sign_in(page, rights_server.url, "officer@council.example")
    problems = []
    page.goto(f"{rights_server.url}/data-rights")
    problems += [f"form: {v}" for v in serious_violations(page)]
    page.get_by_label("What you have").select_option("phone")
    page.get_by_label("The number, chat id or username").fill("07700 900555")
    submit(page, "Find the resident")
    assert "Nobody is held under what you typed" in page.content()
    assert page.get_by_label("The number, chat id or username").input_value() == ""
    page.get_by_label("The number, chat id or username").fill(NUMBER)
    submit(page, "Find the resident")
    assert "Found: 2 residents" in page.content()
    problems += [f"confirm: {v}" for v in serious_violations(page)]
    assert not any(typed in page.content() for typed in TYPED)
    submit(page, "Erase everything held about them")
    assert "Everything held about the resident was erased" in page.content()
    submit(page, "Purge dry run")
    assert "This is a dry run" in page.content()
    problems += [f"dry run: {v}" for v in serious_violations(page)]
    assert problems == []
    for name in rights_server.names:
        assert held(rights_server.db, name) == NOTHING_LEFT
    log = rights_server.output()
    assert "POST /data-rights/erase" in log
    assert not any(typed.lower() in log.lower() for typed in TYPED + ("900555",))


def test_the_console_reads_the_key_from_the_environment_or_the_key_file(tmp_path):
    key = tmp_path / "secret.key"
    assert ConsoleSettings.from_env({"ENGAGE_SECRET_KEY": SECRET}).secret_key == SECRET
    assert ConsoleSettings.from_env({"ENGAGE_SECRET_KEY_FILE": str(key)}).secret_key is None
    key.write_text(SECRET + "\n")
    found = ConsoleSettings.from_env({"ENGAGE_SECRET_KEY_FILE": str(key)})
    assert found.secret_key == SECRET and SECRET not in repr(found)
