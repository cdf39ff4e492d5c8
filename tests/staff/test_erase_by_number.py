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


def test_the_consoles_look_up_and_holdings_never_quote_what_was_typed(any_factory, campaign):
    """bot.privacy.erasure.look_up (the console's step 1) finds a number on SMS and WhatsApp,
    `holdings` counts what erasing would remove and changes nothing; every refusal is worded
    without what staff typed (SQLite and PostgreSQL)."""
    from bot.errors import StaffError
    from bot.privacy.erasure import NotHeld, erase_residents, holdings, look_up
    from bot.store.models import Participant, Response
    from bot.store.repository import CampaignRepository

    with transaction(any_factory) as session:
        CampaignRepository(session).publish(campaign)
        version = CampaignRepository(session).latest(campaign.id)
        vault = ContactVault(session, SECRET)
        names = [vault.remember(channel, "+447700900123")
                 for channel in ("twilio_sms", "twilio_whatsapp")]
        vault.remember_handle(names[0], "sam_smith")
        participant = Participant(pseudonym=names[0], campaign_id=version.id, channel="twilio_sms",
                                  language="en", phase="done", state={}, status="completed")
        session.add(participant)
        session.flush()
        session.add(Response(participant_id=participant.id, campaign_id=version.id, step_id="q",
                             raw_text="1", value="a", language="en"))
    found, by = look_up(any_factory, SECRET, "phone", "07700 900123")
    assert (found, by) == (names, "address")
    assert look_up(any_factory, SECRET, "telegram-username", "@SAM_smith") == (
        [names[0]], "telegram_username")
    held = holdings(any_factory, found + ["p_nobody"])
    assert held.names == names
    assert held.campaigns == [(campaign.id, campaign.title[campaign.default_language])]
    assert held.counts["answers"] == 1 and held.counts["campaigns taken part in"] == 1
    assert held.counts["contact vault entries (the encrypted number or chat id)"] == 2
    assert holdings(any_factory, names).names == names  # counting changed nothing
    for way, typed in [("phone", "07700 900555"), ("phone", "call 07700"), ("sms", "9" * 80),
                       ("telegram", "chat-4455"), ("telegram-username", "@nobody_here"),
                       ("telegram-username", "")]:
        try:
            found = look_up(any_factory, SECRET, way, typed)[0]
        except StaffError as error:
            assert "Nothing was erased" in str(error)
            assert typed.strip("@") not in str(error) or not typed, str(error)
            assert isinstance(error, NotHeld) == (typed == "@nobody_here")
        else:  # a number nobody wrote from: its pseudonym, with nothing held
            assert typed == "07700 900555" and holdings(any_factory, found).names == []
    erase_residents(any_factory, names, "address", who="officer@council.example")
    assert holdings(any_factory, names).names == []
