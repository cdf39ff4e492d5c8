"""Staff erase a resident by their phone number, however it is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from constants import SECRET

from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Contact
from bot.store.vault import ContactVault

ROOT = Path(__file__).resolve().parents[2]


def engage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"ENGAGE_DATABASE_URL": url, "ENGAGE_SECRET_KEY": SECRET,
           "PATH": str(Path(sys.executable).parent)}
    return subprocess.run([str(Path(sys.executable).parent / "engage"), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_erase_finds_the_sms_contact_from_a_local_number(tmp_path):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    upgrade(url)
    with transaction(session_factory(url)) as session:
        kept = ContactVault(session, SECRET).remember("twilio_sms", "+447700900999")
        gone = ContactVault(session, SECRET).remember("twilio_sms", "+447700900123")
    result = engage(url, "erase", "--address", "07700 900123", "--channel", "sms")
    assert result.returncode == 0 and f"Erased everything held about {gone}" in result.stdout
    with transaction(session_factory(url)) as session:
        assert [c.pseudonym for c in session.query(Contact)] == [kept]
        assert session.query(AuditEntry).filter_by(action="erase").count() == 1


def test_erase_refuses_something_that_is_not_a_number(tmp_path):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    upgrade(url)
    result = engage(url, "erase", "--address", "call me", "--channel", "sms")
    assert result.returncode == 1 and "Nothing was erased" in result.stderr
    assert "cannot be read as a phone number (has letters in it)" in result.stderr
    assert "call me" not in result.stderr  # what staff typed is never repeated
