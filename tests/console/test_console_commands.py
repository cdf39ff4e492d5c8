"""`engage staff` and `engage console`: accounts from the terminal, plain errors that change
nothing, the first administrator, and the console as a real process whose output never holds
a password."""

from __future__ import annotations

import http.cookiejar
import io
import re
import urllib.parse
import urllib.request

import pytest
from console_server import running_console

from bot.cli import main
from bot.console.first_run import console_command, ensure_first_admin, health_url
from bot.staff import accounts
from bot.store.db import session_factory, transaction

OTP = re.compile(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b")


@pytest.fixture
def url(sqlite_url, monkeypatch) -> str:
    monkeypatch.setenv("ENGAGE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ENGAGE_ACTOR", "sam-at-the-terminal")
    monkeypatch.delenv("ENGAGE_CONSOLE_PORT", raising=False)
    return sqlite_url


def members(url: str):
    with transaction(session_factory(url)) as session:
        return accounts.list_members(session)



def test_staff_add_prints_a_one_time_password_once_and_audits(url, capsys):
    assert main(["staff", "add", "--admin", "Alex@Council.Example", "--name", "Alex"]) == 0
    out = capsys.readouterr().out
    assert "Added alex@council.example as administrator." in out
    assert len(OTP.findall(out)) == 1 and "http://127.0.0.1:5080" in out
    assert main(["staff", "add", "kim@council.example", "--role", "viewer"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"alex@council\.example\s+Alex\s+Administrator\s+Must choose a new", listing)
    assert "kim@council.example" in listing and not OTP.search(listing)
    from bot.store.models import AuditEntry
    with transaction(session_factory(url)) as session:
        assert [(e.actor, e.action) for e in session.query(AuditEntry)] == [
            ("sam-at-the-terminal", "staff-add")] * 2


def test_staff_mistakes_are_plain_errors_that_change_nothing(url, capsys):
    assert main(["staff", "add", "sam@council.example"]) == 1
    assert "Error: give the member's role" in capsys.readouterr().err
    assert main(["staff", "add", "not-an-email", "--role", "viewer"]) == 1
    assert capsys.readouterr().err.startswith("Error: That is not an email address.")
    assert main(["staff", "reset-password", "nobody@council.example"]) == 1
    err = capsys.readouterr().err
    assert "No staff account has the email address nobody@council.example" in err
    assert "Nothing was changed." in err
    assert members(url) == []
    assert main(["staff", "list"]) == 0
    assert "No staff accounts yet" in capsys.readouterr().out


def test_reset_password_gives_a_new_one_time_password(url, capsys):
    main(["staff", "add", "sam@council.example", "--role", "officer"])
    first = OTP.search(capsys.readouterr().out).group(0)
    assert main(["staff", "reset-password", "SAM@council.example"]) == 0
    second = OTP.search(capsys.readouterr().out).group(0)
    assert first != second


def test_first_admin_is_made_once_and_printed_to_the_terminal(url):
    out = io.StringIO()
    assert ensure_first_admin(session_factory(url), port=5999, out=out)
    text = out.getvalue()
    assert "admin@localhost" in text and len(OTP.findall(text)) == 1
    assert "http://127.0.0.1:5999" in text
    assert not ensure_first_admin(session_factory(url), out=out)
    assert [m.role for m in members(url)] == ["admin"]


def test_stack_hooks_name_the_process_and_its_health_check():
    command = console_command(5081)
    assert command[1:] == ["-m", "bot.cli", "console", "--port", "5081"]
    assert health_url(5081) == "http://127.0.0.1:5081/health"


def test_console_refuses_bad_settings_and_an_unmigrated_database(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ENGAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["console"]) == 1
    assert "no staff tables yet" in capsys.readouterr().err
    monkeypatch.setenv("ENGAGE_CONSOLE_PORT", "eighty")
    assert main(["console"]) == 1
    assert "ENGAGE_CONSOLE_PORT must be a port number" in capsys.readouterr().err
    monkeypatch.delenv("ENGAGE_CONSOLE_PORT")
    monkeypatch.setenv("ENGAGE_CONSOLE_IDLE_MINUTES", "-3")
    assert main(["console"]) == 1
    assert "ENGAGE_CONSOLE_IDLE_MINUTES must be a whole number" in capsys.readouterr().err


def test_console_refuses_a_port_in_use(url, capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["console", "--port", str(busy.getsockname()[1])]) == 1
    assert "is already in use" in capsys.readouterr().err


def test_the_real_console_signs_in_and_never_logs_the_password(url, tmp_path):
    with transaction(session_factory(url)) as session:
        first = accounts.add(session, "alex@council.example", "admin", "test")
    with running_console(url, tmp_path / "console.log") as server:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{server.url}/sign-in?next=/audit").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "email": "alex@council.example",
                                       "password": first.one_time_password, "next": "/"})
        reply = opener.open(f"{server.url}/sign-in", data=body.encode())
        assert reply.url.endswith("/account/password")
        assert "Choose a new password" in reply.read().decode()
        assert reply.headers["Content-Security-Policy"].startswith("default-src 'none'")
    output = server.output()
    assert f"Staff console: {server.url}" in output
    assert "POST /sign-in 303" in output and "GET /sign-in 200" in output
    assert first.one_time_password not in output
    assert "next=" not in output  # query strings are not logged
