"""Contacts in the console: an uploaded CSV is imported as `engage contacts import` imports a
file (the same service), with the rows not imported listed by line and reason, audited with
the staff member; too large, hostile or broken files are refused in plain words and store
nothing; groups show their counts per channel and language; residents who opted out are
counted and listed by a masked address only. No page ever holds a raw number or chat id."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from console_helpers import NO_BOT, add_member, audit_rows, csrf_of, open_session_for
from constants import SECRET
from starlette.testclient import TestClient

from bot.console import ConsoleSettings, create_app
from bot.contacts_import import MAX_FILE_BYTES
from bot.store.db import transaction
from bot.store.models import AuditEntry, Contact, ContactGroupMember, ContactSource
from bot.store.vault import ContactVault

RESIDENTS = Path(__file__).resolve().parents[1] / "staff" / "fixtures" / "residents.csv"
SOURCE = "Library drop-in sign-up sheet, Nov 2026"
FORM = {"channel": "sms", "source": SOURCE, "group": ""}
# Contacts already in the vault: one who said STOP on each channel, one still contactable.
OPTED_OUT = [("twilio_sms", "+447700900127"), ("twilio_whatsapp", "whatsapp:+447700900555"),
             ("telegram", "987654321")]
MASKED = ["+44 77•• •••127", "+44 77•• •••555", "••••••321"]
KNOWN = ("twilio_sms", "+447700900128")


@pytest.fixture
def settings() -> ConsoleSettings:
    return ConsoleSettings(rasa_url=NO_BOT, secret_key=SECRET)


def seed(db) -> None:
    with transaction(db) as session:
        vault = ContactVault(session, SECRET)
        for channel, address in OPTED_OUT:
            name = vault.remember(channel, address)
            vault.mark_opted_out(name)
            session.add(ContactGroupMember(group_name="earlier", pseudonym=name))
        vault.remember(*KNOWN)


def stored(db) -> tuple:
    """Everything an import writes."""
    with transaction(db) as session:
        return (sorted(c.pseudonym for c in session.query(Contact)),
                session.query(ContactSource).count(), session.query(ContactGroupMember).count(),
                session.query(AuditEntry).filter_by(action="import").count())


def addresses(db) -> set[str]:
    with transaction(db) as session:
        vault = ContactVault(session, SECRET)
        return {vault.address_of(c.pseudonym) for c in session.query(Contact)}


@pytest.fixture
def officer(client, db, clock):
    seed(db)
    return open_session_for(client, db, add_member(db, "officer"), clock())


def upload(client, token, data: bytes, name: str = "residents.csv", **fields):
    return client.post("/contacts/import", data={"csrf_token": token, **FORM, **fields},
                       files={"file": (name, data, "text/csv")})


def test_an_upload_is_imported_and_its_counts_and_bad_rows_shown(client, db, officer):
    page = upload(client, officer, RESIDENTS.read_bytes())
    assert page.status_code == 200, page.text[:600]
    text = html.unescape(page.text)
    assert "Imported into residents" in text
    figures = dict(re.findall(r'<td data-label="Rows">([^<]*)</td><td data-label="Number" '
                              r'class="number">(\d+)<', text))
    assert figures == {"Read from the file": "9", "Imported (new)": "3",
                       "Merged (already known, or listed twice)": "2",
                       "Kept opted out (they said STOP; not added)": "1",
                       "Not imported (see below)": "3"}
    # The rows not imported, by line and reason, in a table with headers; never their value.
    assert '<th scope="col">Line</th><th scope="col">Why it was not imported</th>' in text
    bad = re.findall(r'<td data-label="Line" class="number">(\d+)</td><td data-label="Why">'
                     r'([^<]*)</td>', text)
    assert bad == [("6", "Has letters in it"), ("7", "Too short to be a phone number"),
                   ("10", "No number")]
    assert "9OO126" not in text and "0770090" not in text and "Ann" not in text
    assert addresses(db) == {address for _, address in OPTED_OUT} | {
        "+447700900123", "+447700900124", "+447700900125", "+447700900128"}
    with transaction(db) as session:
        assert {s.imported_by for s in session.query(ContactSource)} == {"officer@council.example"}
    # The groups, with their counts per channel and language.
    overview = html.unescape(client.get("/contacts").text)
    row = re.search(r'<td data-label="Group">residents</td>(.*?)</tr>', overview, re.S).group(1)
    assert '<td data-label="Contacts" class="number">4</td>' in row
    assert "<li>SMS: 4</li>" in row and "<li>not known: gets the language menu: 4</li>" in row
    earlier = re.search(r'<td data-label="Group">earlier</td>(.*?)</tr>', overview, re.S).group(1)
    assert "<li>SMS: 1</li><li>Telegram: 1</li><li>WhatsApp: 1</li>" in earlier
    assert '<td data-label="Opted out" class="number">3</td>' in earlier
    assert "3 residents opted out" in overview


def test_languages_are_counted_and_an_unknown_one_shown_without_digits(client, db, officer):
    sheet = (b"phone,language\n07700 900201,cy\n07700 900202,Polish\n07700 900203,Klingon 77\n"
             b"07700 900204,\n")
    page = upload(client, officer, sheet, "languages.csv", group="Welsh speakers")
    text = html.unescape(page.text)
    assert page.status_code == 200 and "Imported into Welsh speakers" in text
    assert "<li>cy: 1</li><li>pl: 1</li>" in text and "No language: 2" in text
    assert "Klingon ••" in text and "Klingon 77" not in text
    overview = html.unescape(client.get("/contacts").text)
    row = re.search(r'<td data-label="Group">Welsh speakers</td>(.*?)</tr>', overview,
                    re.S).group(1)
    assert "<li>cy (Cymraeg): 1</li>" in row and "<li>pl (Polski): 1</li>" in row
    assert "<li>not known: gets the language menu: 2</li>" in row


def test_the_import_is_in_the_audit_log_with_the_staff_member(client, db, officer):
    upload(client, officer, RESIDENTS.read_bytes(), group="library")
    assert audit_rows(db)[-1] == ("officer@council.example", "import", SOURCE)
    with transaction(db) as session:
        entry = session.query(AuditEntry).filter_by(action="import").one()
        assert entry.details["file"] == "residents.csv" and entry.details["group"] == "library"
        assert entry.details["invalid_lines"] == [6, 7, 10]
    assert "Imported contacts" in client.get("/audit").text


def test_too_large_an_upload_is_refused_in_plain_words_and_stores_nothing(client, db, officer):
    before = stored(db)
    line = b"07700900123\n"
    data = b"phone\n" + line * (MAX_FILE_BYTES // len(line) + 1)
    assert MAX_FILE_BYTES < len(data)
    page = upload(client, officer, data, "everyone.csv")
    assert page.status_code == 400
    text = html.unescape(page.text)
    assert "There is a problem" in text
    assert "Everyone.csv is larger than 10 MB. Split it into files of up to 100,000 rows" in text
    assert "Nothing was imported." in text
    assert stored(db) == before


def test_a_body_over_the_consoles_limit_gets_the_too_large_page(db, clock):
    app = create_app(ConsoleSettings(rasa_url=NO_BOT, secret_key=SECRET,
                                     max_body_bytes=50_000), db, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        token = open_session_for(client, db, add_member(db, "officer"), clock())
        before = stored(db)
        page = upload(client, token, b"phone\n" + b"07700900123\n" * 10_000)
        assert page.status_code == 413 and "That is too large" in page.text
        assert "The most it takes is 0.05 MB" in page.text
        assert stored(db) == before


def test_the_consoles_body_limit_follows_the_importers():
    limit = ConsoleSettings().max_body_bytes
    assert MAX_FILE_BYTES < limit < MAX_FILE_BYTES * 1.05
    assert ConsoleSettings.from_env({}).max_body_bytes == limit


ZIP = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4


@pytest.mark.parametrize("data,words", [
    (ZIP, "has a NUL character in it, so this is not a plain CSV file"),
    ("phone\n07700900123\n".encode("utf-16"), "is saved as UTF-16 ('Unicode text')"),
    ("phone,name\n07700900123,Zoë\n".encode("latin-1"), "Line 2 of sheet.csv is not UTF-8"),
    (b"phone,name\n07700900123,=HYPERLINK(\"http://x.example\",\"Ann\")\n",
     "Line 2 of sheet.csv has a cell that starts like a spreadsheet formula"),
    (b"phone,name\n07700900123,@SUM(A1:A9)\n", "starts like a spreadsheet formula"),
    (b"phone,name\n+cmd|' /C calc'!A0,Ann\n", "starts like a spreadsheet formula"),
    (b"=phone\n07700900123\n", "Line 1 of sheet.csv has a cell that starts like"),
    (b"phone\n" + b"1\n" * 100_001, "Sheet.csv has more than 100,000 rows"),
    (b"phone\n07700900123\n" + b"x" * 20_000 + b"\n", "Line 3 of sheet.csv is 20,001 characters"),
    (b"name,email\nAnn,ann@example.org\n", "Sheet.csv has no column called phone or number or "
                                           "mobile (its header is: name, email)"),
    (b"", "Sheet.csv is empty; it needs a header row"),
    (b"  \n\n", "Sheet.csv is empty; it needs a header row"),
], ids=["binary", "utf16", "latin1", "formula", "at-formula", "dde", "formula-header",
        "many-rows", "long-line", "missing-column", "empty", "blank"])
def test_a_hostile_or_broken_file_is_refused_and_stores_nothing(client, db, officer, data,
                                                                 words):
    before = stored(db)
    page = upload(client, officer, data, "sheet.csv")
    assert page.status_code == 400
    text = html.unescape(page.text)
    assert words in text and "Nothing was imported." in text, text[:2000]
    assert stored(db) == before


@pytest.mark.parametrize("fields,words", [
    ({"source": "   "}, "\"Where the consent came from\" must say where the consent came from"),
    ({"channel": "pigeon"}, "Unknown channel 'pigeon'; choose SMS, WhatsApp or Telegram"),
    ({"group": "x" * 129}, "The group name must be 1 to 128 characters"),
])
def test_a_form_mistake_is_explained_and_kept_and_stores_nothing(client, db, officer, fields,
                                                                 words):
    before = stored(db)
    page = upload(client, officer, RESIDENTS.read_bytes(), **fields)
    assert page.status_code == 400
    assert words in html.unescape(page.text)
    assert stored(db) == before


def test_no_file_chosen_says_so(client, db, officer):
    page = client.post("/contacts/import", data={"csrf_token": officer, **FORM})
    assert page.status_code == 400
    assert "Choose the contacts file (a .csv file) to upload." in page.text
    assert f'value="{SOURCE}"' in page.text  # what was typed is kept


def test_a_file_name_with_a_path_or_control_characters_is_shown_cleaned(client, db, officer):
    page = upload(client, officer, b"name\nAnn\n", "..\\..\\C:/secret/\x1b[31mlist.csv")
    text = html.unescape(page.text)
    assert "[31mlist.csv has no column called phone" in text
    assert "secret" not in text and "\x1b" not in text
    page = upload(client, officer, b"name\nAnn\n", "07700900123 2026-11-01.csv")
    assert "•" * 11 + " 2026-11-01.csv has no column" in html.unescape(page.text)


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_who_opted_out_is_listed_by_masked_address_only(client, db, clock, role):
    seed(db)
    open_session_for(client, db, add_member(db, role), clock())
    page = client.get("/contacts/opted-out")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "3 residents opted out" in text
    shown = re.findall(r'<span class="masked">([^<]*)</span>', text)
    assert sorted(shown) == sorted(MASKED)
    assert "<td data-label=\"Channel\">WhatsApp</td>" in text
    assert "Contacts" in re.search(r'<nav aria-label="Main".*?</nav>', text, re.S).group(0)


def _raw_forms(address: str) -> list[str]:
    """The ways a page could hold a raw address: as stored, and its digits without a +44 or a
    leading 0 (07700 900123, 7700900123)."""
    bare = address.removeprefix("whatsapp:")
    digits = re.sub(r"\D", "", bare)
    return [bare, digits, digits[2:] if bare.startswith("+44") else digits]


def test_no_page_holds_a_raw_number_or_chat_id(client, db, officer):
    with transaction(db) as session:  # a Telegram contact in a group, still contactable
        name = ContactVault(session, SECRET).remember("telegram", "5550001234")
        session.add(ContactGroupMember(group_name="telegram", pseudonym=name))
    result = upload(client, officer, RESIDENTS.read_bytes()).text
    pages = [result] + [client.get(path).text
                        for path in ("/contacts", "/contacts/opted-out", "/audit", "/",
                                     "/launches")]
    pages.append(upload(client, csrf_of(pages[1]), b"phone\n07700900777\n=1+1\n").text)
    known = addresses(db) | {"+447700900777"}
    assert len(known) == 9
    for body in pages:
        undated = re.sub(r"\d{4}-\d\d-\d\d( \d\d:\d\d(:\d\d)?)?", "", html.unescape(body))
        flat = re.sub(r"[\s()\-]", "", undated)
        for address in known:
            for form in _raw_forms(address):
                assert form not in flat, f"{form} is on a page"
        run = re.search(r"\d{6,}", flat.replace("100,000", ""))
        assert not run, flat[max(run.start() - 80, 0):run.end() + 20]


def test_a_viewer_is_refused_every_contacts_page_and_nothing_is_stored(client, db, clock):
    seed(db)
    token = open_session_for(client, db, add_member(db, "viewer"), clock())
    before = stored(db)
    for path in ("/contacts", "/contacts/opted-out"):
        page = client.get(path)
        assert page.status_code == 403 and "You cannot use this page" in page.text
        assert "987" not in page.text.replace("•", "")
    assert upload(client, token, RESIDENTS.read_bytes()).status_code == 403
    assert stored(db) == before
    assert "/contacts" not in client.get("/").text.split("Coming soon")[0].split("<main")[0]


def test_an_import_without_the_csrf_token_is_refused(client, db, officer):
    before = stored(db)
    for token in ("", "not-the-token"):
        page = upload(client, token, RESIDENTS.read_bytes())
        assert page.status_code == 403 and "This form has expired" in page.text
    assert stored(db) == before


def test_without_the_secret_key_nothing_is_imported_and_the_page_says_why(db, clock):
    seed(db)
    app = create_app(ConsoleSettings(rasa_url=NO_BOT), db, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        token = open_session_for(client, db, add_member(db, "officer"), clock())
        assert "The console has no secret key" in client.get("/contacts").text
        before = stored(db)
        page = upload(client, token, RESIDENTS.read_bytes())
        assert page.status_code == 503 and "ENGAGE_SECRET_KEY" in page.text
        assert stored(db) == before
        opted = html.unescape(client.get("/contacts/opted-out").text)
        assert "3 residents opted out" in opted and "The console has no secret key" in opted
        assert "•" not in opted


def test_the_secret_key_comes_from_the_environment_or_the_local_key_file(tmp_path, monkeypatch):
    from bot import config

    monkeypatch.setenv("ENGAGE_SECRET_KEY", " a key, spaces kept ")  # as the bot reads it
    assert ConsoleSettings.from_env().secret_key == config.read_secret() == " a key, spaces kept "
    assert ConsoleSettings.from_env({"ENGAGE_SECRET_KEY": "a-key"}).secret_key == "a-key"
    key_file = tmp_path / "secret.key"
    key_file.write_text("from-the-file\n")
    assert ConsoleSettings.from_env(
        {"ENGAGE_SECRET_KEY_FILE": str(key_file)}).secret_key == "from-the-file"
    assert ConsoleSettings.from_env(
        {"ENGAGE_SECRET_KEY_FILE": str(tmp_path / "none")}).secret_key is None
    assert "a-key" not in repr(ConsoleSettings.from_env({"ENGAGE_SECRET_KEY": "a-key"}))


# -- in a browser, against `engage console` as a real process ----------------------------------

@pytest.fixture(scope="module")
def keyed_console(tmp_path_factory):
    """`engage console` whose key comes from the local key file (as `engage run` makes it)."""
    from console_server import running_console

    from bot.store.db import engine_for, session_factory
    from bot.store.migrate import upgrade

    folder = tmp_path_factory.mktemp("contacts-console")
    key_file = folder / "secret.key"
    key_file.write_text(SECRET + "\n")
    url = f"sqlite:///{folder / 'engage.db'}"
    upgrade(url)
    db = session_factory(url)
    add_member(db, "officer", "officer@council.example")
    seed(db)
    with running_console(url, folder / "console.log", {"ENGAGE_SECRET_KEY_FILE": str(key_file),
                                                       "ENGAGE_RASA_URL": NO_BOT}) as server:
        yield server
    engine_for(url).dispose()


def test_in_a_browser_an_import_and_the_opted_out_list_pass_axe(page, keyed_console):
    from browser_helpers import serious_violations, sign_in, submit

    sign_in(page, keyed_console.url, "officer@council.example")
    page.goto(f"{keyed_console.url}/contacts")
    assert serious_violations(page) == []
    page.get_by_label("Contacts file", exact=True).set_input_files(str(RESIDENTS))
    page.get_by_label("Where the consent came from").fill(SOURCE)
    submit(page, "Import")
    content = page.content()
    assert "Imported into residents" in content and "Has letters in it" in content
    assert serious_violations(page) == []
    page.goto(f"{keyed_console.url}/contacts/opted-out")
    assert serious_violations(page) == []
    masked = page.locator(".masked").all_inner_texts()
    assert sorted(masked) == sorted(MASKED)
    for address in (a for _, a in OPTED_OUT):
        assert address.removeprefix("whatsapp:") not in page.content()
    assert page.watch.problems == []
