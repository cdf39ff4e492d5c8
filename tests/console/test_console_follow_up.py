"""You said, we did in the console: officers check who would get the message (a dry run that
changes nothing), then send it once per opted-in resident; viewers read the counts only;
mistakes are shown on the page and change nothing."""

from __future__ import annotations

import pytest
from console_helpers import add_member, audit_rows, open_session_for
from sharing_helpers import SLUG, campaign_with_answers, take_part

from bot.conversation import ConversationService
from bot.store.db import transaction
from bot.store.models import FollowUpSend
from bot.store.vault import ContactVault

FORM = {"message-en": "You said buses. More on Sundays from March.",
        "message-cy": "Dywedoch chi fysiau. Mwy ar y Sul o fis Mawrth."}


@pytest.fixture
def world(db):
    campaign_with_answers(db)
    service = ConversationService(db, tally_ttl=0)
    for number, wants in enumerate(["1", "1", "2"]):
        with transaction(db) as session:
            name = ContactVault(session, "console-secret").remember(
                "twilio_sms", f"+44770090010{number}")
        take_part(service, name, "1", "Buses are rare", channel="twilio_sms")
        service.handle(name, "twilio_sms", wants)
    return db


def sends(db) -> int:
    with transaction(db) as session:
        return session.query(FollowUpSend).count()


def test_an_officer_checks_then_sends_once(client, world, clock):
    token = open_session_for(client, world, add_member(world, "officer"), clock())
    page = client.get(f"/sharing/{SLUG}/follow-up").text
    assert "Asked to hear what happened</dt><dd>2" in page
    check = client.post(f"/sharing/{SLUG}/follow-up/check", data={"csrf_token": token, **FORM})
    assert check.status_code == 200
    assert "Would send &#34;you said, we did&#34; to: 2" in check.text
    assert FORM["message-en"] in check.text and sends(world) == 0
    sent = client.post(f"/sharing/{SLUG}/follow-up/send", data={"csrf_token": token, **FORM})
    assert sent.headers["location"] == f"/sharing/{SLUG}/follow-up?done=sent"
    assert sends(world) == 2
    again = client.post(f"/sharing/{SLUG}/follow-up/send", data={"csrf_token": token, **FORM})
    assert again.status_code == 303 and sends(world) == 2  # once per resident
    assert [a for _, a, _ in audit_rows(world)] == ["follow-up"]
    assert "Waiting to be sent</dt><dd>2" in client.get(f"/sharing/{SLUG}/follow-up").text


def test_mistakes_and_viewers_change_nothing(client, world, clock):
    token = open_session_for(client, world, add_member(world, "officer"), clock())
    for form, words in [({"message-en": "x" * 400}, "keep it to 320"),
                        ({}, "write the message first"),
                        ({**FORM, "rate": "fast"}, "is not a rate I can read"),
                        ({**FORM, "whatsapp-en": "nope"}, "approved Content template")]:
        for action in ("check", "send"):
            response = client.post(f"/sharing/{SLUG}/follow-up/{action}",
                                   data={"csrf_token": token, **form})
            assert response.status_code == 400 and words in response.text, (form, action)
    assert sends(world) == 0 and audit_rows(world) == []
    client.cookies.clear()
    token = open_session_for(client, world, add_member(world, "viewer"), clock())
    page = client.get(f"/sharing/{SLUG}/follow-up")
    assert page.status_code == 200 and "Send it" not in page.text
    assert client.post(f"/sharing/{SLUG}/follow-up/send",
                       data={"csrf_token": token, **FORM}).status_code == 403
    assert sends(world) == 0
