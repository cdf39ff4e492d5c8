"""`engage contacts import`: numbers checked and normalised, duplicates merged, opt-outs kept,
provenance, groups and the audit recorded, all in one transaction (real SQLite)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from constants import SECRET

from bot.cli import main
from bot.contacts_import import normalise_chat_id, normalise_phone
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Contact, ContactGroupMember, ContactSource, utcnow
from bot.store.vault import ContactVault

FIXTURES = Path(__file__).parent / "fixtures"
RESIDENTS = FIXTURES / "residents.csv"
SOURCE = "Library drop-in sign-up sheet, Nov 2026"


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", SECRET)
    monkeypatch.setenv("ENGAGE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENGAGE_SECRET_KEY_FILE", str(tmp_path / "no-such.key"))
    monkeypatch.setenv("ENGAGE_ACTOR", "sam")
    monkeypatch.delenv("ENGAGE_DEFAULT_REGION", raising=False)
    return url


def seed(url: str, number: str, opted_out: bool) -> str:
    with transaction(session_factory(url)) as session:
        name = ContactVault(session, SECRET).remember("twilio_sms", number)
        if opted_out:
            session.query(Contact).filter_by(pseudonym=name).update({"opted_out_at": utcnow()})
    return name


def contacts(url: str) -> dict[str, tuple[str, bool]]:
    """Address -> (channel, opted out), decrypted from the vault."""
    with transaction(session_factory(url)) as session:
        vault = ContactVault(session, SECRET)
        return {vault.address_of(c.pseudonym): (c.channel, c.opted_out_at is not None)
                for c in session.query(Contact).all()}


def rows(url: str, model) -> list:
    with transaction(session_factory(url)) as session:
        found = session.query(model).order_by(model.id).all()
        session.expunge_all()
        return found


def run(*args: str) -> int:
    return main(["contacts", "import", *map(str, args)])


@pytest.mark.parametrize("raw,expected", [
    ("+44 7700 900123", "+447700900123"), ("07700900123", "+447700900123"),
    ("0044 7700 900123", "+447700900123"), ("(07700) 900-124", "+447700900124"),
    ("+1 202 555 0143", "+12025550143"), ("020 7946 0018", "+442079460018"),
])
def test_numbers_in_any_usual_format_become_e164(raw, expected):
    assert normalise_phone(raw, "GB") == (expected, None)


@pytest.mark.parametrize("raw,reason", [
    ("07700 9OO126", "has letters in it"), ("0770090", "too short to be a phone number"),
    ("", "no number"), ("+44 1234", "too short to be a phone number"),
    ("077009001234567890", "too long to be a phone number"), ("call me", "has letters in it"),
])
def test_what_is_not_a_phone_number_says_why(raw, reason):
    assert normalise_phone(raw, "GB") == (None, reason)


def test_a_region_changes_how_local_numbers_are_read():
    assert normalise_phone("0612 345 678", "NL") == ("+31612345678", None)
    assert normalise_chat_id(" 123456789 ") == ("123456789", None)
    assert normalise_chat_id("+44 7700 900123")[0] is None


def test_the_sheet_imports_exactly_the_valid_new_numbers(url, capsys):
    kept_out = seed(url, "+447700900127", opted_out=True)
    known = seed(url, "+447700900128", opted_out=False)

    assert run(RESIDENTS, "--channel", "sms", "--source", SOURCE) == 0
    out = capsys.readouterr().out
    assert "Read 9 row(s)" in out
    assert "imported (new):    3" in out and "merged:            2" in out
    assert "kept opted out:    1" in out and "invalid:           3" in out
    assert "line 6: '07700 9OO126': has letters in it" in out
    assert "line 7: '0770090': too short to be a phone number" in out
    assert "line 10: '': no number" in out
    assert "Ann" not in out

    assert contacts(url) == {
        "+447700900123": ("twilio_sms", False), "+447700900124": ("twilio_sms", False),
        "+447700900125": ("twilio_sms", False), "+447700900127": ("twilio_sms", True),
        "+447700900128": ("twilio_sms", False)}
    # Provenance and the group: the four contactable ones, never the one who opted out.
    sources = rows(url, ContactSource)
    assert len(sources) == 4 and kept_out not in {s.pseudonym for s in sources}
    assert {(s.source, s.imported_by) for s in sources} == {(SOURCE, "sam")}
    assert known in {s.pseudonym for s in sources}
    members = rows(url, ContactGroupMember)
    assert {m.group_name for m in members} == {"residents"}
    assert {m.pseudonym for m in members} == {s.pseudonym for s in sources}
    # No names anywhere in the database file.
    assert b"Ann" not in Path(url.removeprefix("sqlite:///")).read_bytes()
    (entry,) = rows(url, AuditEntry)
    assert (entry.actor, entry.action, entry.subject) == ("sam", "import", SOURCE)
    assert entry.details["imported"] == 3 and entry.details["merged"] == 2
    assert entry.details["kept_opted_out"] == 1 and entry.details["invalid_lines"] == [6, 7, 10]
    assert entry.details["group"] == "residents" and entry.details["channel"] == "sms"


def test_importing_again_merges_and_adds_provenance_and_a_new_group(url, capsys):
    assert run(RESIDENTS, "--channel", "sms", "--source", SOURCE) == 0
    assert run(RESIDENTS, "--channel", "sms", "--source", "Festival stall", "--group",
               "festival") == 0
    out = capsys.readouterr().out
    assert "imported (new):    0" in out and "merged:            6" in out
    assert len(contacts(url)) == 5
    assert [s.source for s in rows(url, ContactSource)] == [SOURCE] * 5 + ["Festival stall"] * 5
    groups = [m.group_name for m in rows(url, ContactGroupMember)]
    assert groups.count("residents") == 5 and groups.count("festival") == 5
    assert [e.action for e in rows(url, AuditEntry)] == ["import", "import"]


def test_an_opt_out_is_never_undone_by_an_import(url, capsys):
    name = seed(url, "+447700900123", opted_out=True)
    assert run(RESIDENTS, "--channel", "sms", "--source", SOURCE) == 0
    assert "kept opted out:    1" in capsys.readouterr().out
    assert contacts(url)["+447700900123"] == ("twilio_sms", True)
    assert name not in {m.pseudonym for m in rows(url, ContactGroupMember)}


def test_whatsapp_contacts_share_the_pseudonym_the_channel_uses(url, tmp_path):
    sheet = tmp_path / "whatsapp.csv"
    sheet.write_text("Mobile,Name\n07700 900123,Ann\n", encoding="utf-8")
    assert run(sheet, "--channel", "whatsapp", "--source", SOURCE) == 0
    assert contacts(url) == {"whatsapp:+447700900123": ("twilio_whatsapp", False)}
    with transaction(session_factory(url)) as session:
        channel_name = ContactVault(session, SECRET).remember("twilio_whatsapp",
                                                              "whatsapp:+447700900123")
    assert [c.pseudonym for c in rows(url, Contact)] == [channel_name]


def test_telegram_imports_take_chat_ids(url, tmp_path, capsys):
    sheet = tmp_path / "telegram.csv"
    sheet.write_text("number\n123456789\n+44 7700 900123\n123456789\n", encoding="utf-8")
    assert run(sheet, "--channel", "telegram", "--source", SOURCE, "--group", "tg") == 0
    out = capsys.readouterr().out
    assert "imported (new):    1" in out and "merged:            1" in out
    assert "line 3: '+44 7700 900123': a Telegram chat id is a number" in out
    assert contacts(url) == {"123456789": ("telegram", False)}


def test_the_region_comes_from_the_option_or_the_environment(url, tmp_path, monkeypatch):
    sheet = tmp_path / "dutch.csv"
    sheet.write_text("phone\n0612 345 678\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", SOURCE, "--region", "nl") == 0
    monkeypatch.setenv("ENGAGE_DEFAULT_REGION", "NL")
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    assert contacts(url) == {"+31612345678": ("twilio_sms", False)}


@pytest.mark.parametrize("content,args,message", [
    ("name,email\nAnn,a@example.org\n", [], "no column called phone or number or mobile"),
    ("", [], "is empty"),
    ("phone\n07700900123\n", ["--region", "XX"], "'XX' is not a country code"),
    ("phone\n07700900123\n", ["--source", "  "], "--source must say"),
])
def test_mistakes_change_nothing(url, tmp_path, capsys, content, args, message):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(content, encoding="utf-8")
    arguments = ["--channel", "sms", "--source", SOURCE, *args]
    assert run(sheet, *arguments) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err and "Nothing was imported" in err
    assert contacts(url) == {} and rows(url, AuditEntry) == []


def test_a_missing_file_or_secret_is_a_plain_error(url, monkeypatch, capsys):
    assert run("no-such.csv", "--channel", "sms", "--source", SOURCE) == 1
    assert "Error: no such file: no-such.csv" in capsys.readouterr().err
    monkeypatch.delenv("ENGAGE_SECRET_KEY")
    assert run(RESIDENTS, "--channel", "sms", "--source", SOURCE) == 1
    assert "ENGAGE_SECRET_KEY" in capsys.readouterr().err
    assert contacts(url) == {} and rows(url, ContactSource) == []


def test_a_failure_part_way_stores_nothing(url, monkeypatch, capsys):
    import bot.contacts_import as module

    def broken(*args, **kwargs):
        raise module.ImportProblem("the disk is full.")

    monkeypatch.setattr(module.audit, "record", broken)
    assert run(RESIDENTS, "--channel", "sms", "--source", SOURCE) == 1
    assert contacts(url) == {} and rows(url, ContactGroupMember) == []


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as done:
        main(["contacts", "import", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and "engage contacts import residents.csv" in out


def languages(url: str) -> dict[str, str | None]:
    """Address -> language, decrypted from the vault."""
    with transaction(session_factory(url)) as session:
        vault = ContactVault(session, SECRET)
        return {vault.address_of(c.pseudonym): c.language for c in session.query(Contact).all()}


def test_an_optional_language_column_is_kept_and_an_unknown_one_only_warned(url, tmp_path,
                                                                           capsys):
    seed(url, "+447700900129", opted_out=True)
    sheet = tmp_path / "languages.csv"
    sheet.write_text("phone,Language\n"
                     "07700 900123,cy\n"
                     "07700 900124,Polish\n"
                     "07700 900125,Klingon\n"
                     "07700 900126,\n"
                     "07700 900127,EN-gb\n"
                     "07700 900128,العربية\n"
                     "07700 900129,ro\n"
                     "07700 900130,Română\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    out = capsys.readouterr().out
    assert "imported (new):    7" in out and "kept opted out:    1" in out
    assert "unknown language:  1" in out
    assert "line 4: 'Klingon': not a language the bot speaks (en, cy, pl, ar, ro, ur, pa, bn, pt, es, so, uk)" in out
    assert "Languages: ar 1, cy 1, en 1, pl 1, ro 1" in out
    assert languages(url) == {
        "+447700900123": "cy", "+447700900124": "pl", "+447700900125": None,
        "+447700900126": None, "+447700900127": "en", "+447700900128": "ar",
        "+447700900129": None, "+447700900130": "ro"}
    entry = rows(url, AuditEntry)[-1]
    assert entry.details["unknown_language"] == 1
    assert entry.details["unknown_language_lines"] == [4]


def test_a_later_import_can_give_a_language_and_a_blank_one_keeps_it(url, tmp_path, capsys):
    sheet = tmp_path / "first.csv"
    sheet.write_text("phone,lang\n07700 900123,\n07700 900124,pl\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    sheet.write_text("phone,lang\n07700 900123,Welsh\n07700 900124,\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", "Festival stall") == 0
    assert languages(url) == {"+447700900123": "cy", "+447700900124": "pl"}
    assert "unknown language" not in capsys.readouterr().out


# -- hostile and broken files: a plain error with the line, and nothing imported ------------------

LONG_QUOTED = b'phone,note\n07700900123,ok\n07700900124,"runs on\n' + (b"x" * 5_000 + b"\n") * 30


@pytest.mark.parametrize("content,message", [
    (b"phone\n07700900123\n0770\x00090012\n", "line 3 of SHEET has a NUL character in it"),
    ("phone\n07700900123\n".encode("utf-16-le"), "line 1 of SHEET has a NUL character"),
    ("phone\n07700900123\n".encode("utf-16"), "SHEET is saved as UTF-16 ('Unicode text')"),
    (b"phone,name\n07700900123,Ann\n07700900124,Zo\xeb\n",
     "line 3 of SHEET is not UTF-8 text"),
    (b"phone,name\n07700900123,Ann\n07700900124," + b"x" * 200_000 + b"\n",
     "line 3 of SHEET is 200,013 characters long"),
    (LONG_QUOTED, "the row starting at line 3 of SHEET cannot be read: a value runs on for "
                  "more than 128 KB (is there a \" with no closing \"?)"),
    (b"phone" + b",x" * 200 + b"\n07700900123\n", "line 1 of SHEET has 201 columns"),
    (b"phone\n07700900123\n07700900124" + b",x" * 150 + b"\n", "line 3 of SHEET has 151 "
                                                                "columns"),
    (b"phone\n" + b"07700900123\n" * 1_000_000, "SHEET is larger than 10 MB"),
    (b"phone\n" + b"1\n" * 100_001, "SHEET has more than 100,000 rows"),
    (b"phone,name\n07700900123,=HYPERLINK(\"http://x.example\")\n",
     "line 2 of SHEET has a cell that starts like a spreadsheet formula"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "line 1 of SHEET has a NUL character"),
], ids=["nul", "utf16-no-bom", "utf16", "not-utf8", "long-line", "unclosed-quote",
        "wide-header", "wide-row", "huge-file", "many-rows", "formula", "spreadsheet"])
def test_a_broken_or_hostile_file_is_a_plain_error_and_nothing_is_imported(
        url, tmp_path, capsys, content, message):
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(content)
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 1
    captured = capsys.readouterr()
    message = message.replace("SHEET", str(sheet))
    assert captured.err.startswith("Error: ") and message in captured.err, captured.err
    assert captured.err.rstrip().endswith("Nothing was imported.")
    assert captured.out == ""
    assert contacts(url) == {} and rows(url, AuditEntry) == [] and rows(url, ContactSource) == []


def test_a_byte_order_mark_anywhere_is_ignored(url, tmp_path, capsys):
    sheet = tmp_path / "bom.csv"
    sheet.write_bytes("\ufeff\ufeffPhone,Name\n\ufeff07700 900123,Ann\n".encode("utf-8"))
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    assert "imported (new):    1" in capsys.readouterr().out
    assert contacts(url) == {"+447700900123": ("twilio_sms", False)}


def test_a_long_bad_value_is_shortened_in_the_summary(url, tmp_path, capsys):
    sheet = tmp_path / "long.csv"
    sheet.write_text("phone\n07700900123\n" + "9" * 300 + "\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    out = capsys.readouterr().out
    assert f"line 3: '{'9' * 40}...': " in out and "9" * 41 not in out


# -- what can get a text: landlines are refused for SMS and WhatsApp ----------------------------

LANDLINES = ("phone\n"
             "07700 900123\n"      # a mobile (Ofcom's drama range)
             "029 2087 2087\n"     # a Cardiff landline
             "+1 202 555 0143\n"   # US: fixed line or mobile, the plan does not say
             "0800 123 4567\n"     # freephone
             "07400 123456\n")     # a mobile


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_landlines_and_service_numbers_cannot_get_texts(url, tmp_path, capsys, channel):
    sheet = tmp_path / "landlines.csv"
    sheet.write_text(LANDLINES, encoding="utf-8")
    assert run(sheet, "--channel", channel, "--source", SOURCE) == 0
    out = capsys.readouterr().out
    assert "imported (new):    3" in out and "invalid:           2" in out
    assert "line 3: '029 2087 2087': a landline number, which cannot get text messages" in out
    assert "line 5: '0800 123 4567': a freephone number, not a resident's phone" in out
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    assert set(contacts(url)) == {f"{prefix}+447700900123", f"{prefix}+12025550143",
                                  f"{prefix}+447400123456"}


def test_the_summary_counts_contacts_with_no_language(url, tmp_path, capsys):
    sheet = tmp_path / "languages.csv"
    sheet.write_text("phone,language\n07700 900123,cy\n07700 900124,\n07700 900125,Klingon\n"
                     "07700 900126,\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    out = capsys.readouterr().out
    assert "Languages: cy 1, no language 3 (they choose one when they first reply)" in out
    assert rows(url, AuditEntry)[-1].details["no_language"] == 3
    # A later sheet without languages: the contacts keep theirs, and are counted with it.
    sheet.write_text("phone\n07700 900123\n07700 900127\n", encoding="utf-8")
    assert run(sheet, "--channel", "sms", "--source", SOURCE) == 0
    assert "Languages: cy 1, no language 1 (" in capsys.readouterr().out


def test_a_sheet_without_a_language_column_says_so(url, capsys):
    assert run(RESIDENTS, "--channel", "sms", "--source", SOURCE) == 0
    assert "Languages: no language 5 (they choose one when they first reply)" in \
        capsys.readouterr().out


# -- the real command: nothing after the summary, progress only on a terminal -------------------

ENGAGE = str(Path(sys.executable).parent / "engage")


def engage(url: str, tmp_path: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {"ENGAGE_DATABASE_URL": url, "ENGAGE_SECRET_KEY": SECRET,
           "ENGAGE_VAR_DIR": str(tmp_path / "var"), "PATH": str(Path(sys.executable).parent)}
    return subprocess.run([ENGAGE, "contacts", "import", *args], env=env, timeout=300,
                          **kwargs)


def test_a_nul_byte_is_an_error_with_its_line_not_a_traceback(url, tmp_path):
    sheet = tmp_path / "nul.csv"
    sheet.write_bytes(b"phone\n07700900123\n0770\x00090012\n")
    result = engage(url, tmp_path, str(sheet), "--channel", "sms", "--source", SOURCE,
                    capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"Error: line 3 of {sheet} has a NUL character")
    assert "Traceback" not in result.stderr and contacts(url) == {}


def test_piped_output_is_the_summary_alone(url, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("phone\n07700900123\n07700900124\n", encoding="utf-8")
    result = engage(url, tmp_path, str(sheet), "--channel", "sms", "--source", SOURCE,
                    capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Read 2 row(s)") and result.stdout.endswith(
        f"Group: sheet.  Source: {SOURCE}\n")


def test_on_a_terminal_progress_is_one_line_wiped_before_the_summary(url, tmp_path):
    sheet = tmp_path / "many.csv"
    sheet.write_text("phone\n" + "".join(f"07700 900{n:03d}\n" for n in range(600)),
                     encoding="utf-8")
    main_fd, terminal = pty.openpty()
    try:
        result = engage(url, tmp_path, str(sheet), "--channel", "sms", "--source", SOURCE,
                        stdout=subprocess.PIPE, stderr=terminal, text=True)
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main_fd)
    assert result.returncode == 0 and "imported (new):    600" in result.stdout
    progress = seen.decode()
    assert "\n" not in progress.replace("\r\n", "")
    assert "\r  checked 500 of 600 contacts..." in progress
    assert "\r  checked 600 of 600 contacts..." in progress
    assert progress.endswith("\r" + " " * len("\r  checked 600 of 600 contacts...") + "\r")


# -- the console's entry point: an upload's bytes, never a file on disk ----------------------

def test_an_upload_imports_what_the_same_file_would(url, tmp_path):
    from bot.contacts_import import import_file, import_upload
    from bot.store.db import engine_for

    other = tmp_path / "other.db"
    upgrade(f"sqlite:///{other}")
    by_file = import_file(session_factory(f"sqlite:///{other}"), SECRET, RESIDENTS, "sms", SOURCE)
    engine_for(f"sqlite:///{other}").dispose()
    report = import_upload(session_factory(url), SECRET, RESIDENTS.read_bytes(),
                           "C:\\Users\\sam\\residents.csv", "sms", SOURCE,
                           by="sam@council.example")
    assert report.counts() == by_file.counts() and report.group == "residents"
    assert [(bad.line, bad.reason) for bad in report.invalid] == \
        [(bad.line, bad.reason) for bad in by_file.invalid]
    assert set(contacts(url)) == {"+447700900123", "+447700900124", "+447700900125",
                                  "+447700900127", "+447700900128"}
    assert {s.imported_by for s in rows(url, ContactSource)} == {"sam@council.example"}
    (entry,) = rows(url, AuditEntry)
    assert (entry.actor, entry.action, entry.details["file"]) == ("sam@council.example", "import",
                                                                  "residents.csv")


@pytest.mark.parametrize("data,message", [
    (b"phone\n" + b"07700900123\n" * 840_000, "big.csv is larger than 10 MB"),
    (b"", "big.csv is empty"),
    (b"phone\n07700900123\n=1+1\n", "line 3 of big.csv has a cell that starts like a "
                                     "spreadsheet formula"),
], ids=["too-large", "empty", "formula"])
def test_a_refused_upload_says_why_and_stores_nothing(url, data, message):
    from bot.contacts_import import MAX_FILE_BYTES, import_upload
    from bot.errors import ImportProblem

    assert (len(data) > MAX_FILE_BYTES) == ("large" in message)
    with pytest.raises(ImportProblem) as refused:
        import_upload(session_factory(url), SECRET, data, "big.csv", "sms", SOURCE, by="sam")
    assert message in str(refused.value) and str(refused.value).endswith("Nothing was imported.")
    assert contacts(url) == {} and rows(url, AuditEntry) == [] and rows(url, ContactSource) == []


def test_an_upload_needs_the_secret_key(url):
    from bot.contacts_import import import_upload
    from bot.errors import NoSecret

    with pytest.raises(NoSecret):
        import_upload(session_factory(url), None, RESIDENTS.read_bytes(), "r.csv", "sms", SOURCE,
                      by="sam")
    assert contacts(url) == {}
