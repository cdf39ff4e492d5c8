"""DELETE on a provider channel (SMS, WhatsApp, Telegram): one transaction erases everything
the resident left, queues the confirmation, and keeps only what sending it needs (the vault
entry and the DELETE message's own inbox row, emptied) until it is sent."""

from __future__ import annotations

import pytest
from conversation_helpers import (
    inbox,
    outbox,
    publish,
    resident,
    rows_of,
    say,
    send_outbox,
    service,
)

from bot.engine import phrase
from bot.store.db import transaction
from bot.store.models import (
    CampaignVersion,
    ConsentRecord,
    ContactGroupMember,
    ContactSource,
    Erasure,
    Invitation,
    Response,
)

CHANNELS = ["twilio_sms", "twilio_whatsapp", "telegram"]
ADDRESSES = {"twilio_sms": "+447700900123", "twilio_whatsapp": "whatsapp:+447700900124",
             "telegram": "770123"}
CONVERSATION = ["TESTALL", "1", "YES", "OK", "1", "It is near the stop"]


def imported(factory, name: str) -> None:
    """What an import and a launch leave about a contact: a group, a source, an invitation."""
    with transaction(factory) as session:
        version = session.query(CampaignVersion.id).scalar()
        session.add(ContactGroupMember(group_name="library", pseudonym=name))
        session.add(ContactSource(pseudonym=name, source="library sign-up sheet",
                                  imported_by="sam"))
        session.add(Invitation(campaign_id=version, pseudonym=name, channel="twilio_sms",
                               status="sent"))


@pytest.mark.parametrize("channel", CHANNELS)
def test_delete_mid_conversation_erases_and_queues_the_confirmation(any_factory, channel):
    factory = any_factory
    publish(factory)
    name = resident(factory, channel, ADDRESSES[channel])
    imported(factory, name)
    convo = service(factory)
    for text in CONVERSATION:
        say(convo, factory, name, text, channel)
    with transaction(factory) as session:
        assert session.query(Response).count() == 2  # travel_mode and its why
        assert session.query(ConsentRecord).count() == 1

    result = say(convo, factory, name, "DELETE", channel)

    assert result.erased and result.queued
    assert result.messages == ["Your answers are deleted. You will get no more messages from "
                               "us.\nTo take part again, text TESTALL."]
    counts = rows_of(factory, name)
    assert counts == {"participants": 0, "contacts": 1, "inbox": 1, "outbox": 1,
                      "contact_sources": 0, "contact_group_members": 0, "invitations": 0,
                      "follow_up_sends": 0, "inbox_claims": 0}
    with transaction(factory) as session:
        assert session.query(Response).count() == 0
        assert session.query(ConsentRecord).count() == 0
        assert [e.campaign_slug for e in session.query(Erasure)] == ["test-all-steps"]
    [kept] = inbox(factory, name)  # the DELETE itself, applied, its words gone
    assert (kept.status, kept.body) == ("processed", "")
    [confirmation] = outbox(factory, name)
    assert confirmation.body == result.messages[0]
    assert confirmation.inbox_id == kept.id and confirmation.forget_contact_after


def test_delete_from_a_stranger_on_sms(factory):
    publish(factory)
    name = resident(factory)
    result = say(service(factory), factory, name, "DELETE")
    assert result.erased and result.messages == [phrase("erased", "en")]
    assert rows_of(factory, name)["outbox"] == 1
    [confirmation] = outbox(factory, name)
    assert confirmation.forget_contact_after and confirmation.inbox_id == inbox(factory, name)[0].id


def test_a_replayed_delete_changes_nothing_more(factory):
    publish(factory)
    name = resident(factory)
    convo = service(factory)
    for text in CONVERSATION:
        say(convo, factory, name, text)
    say(convo, factory, name, "DELETE")
    [kept] = inbox(factory, name)
    again = convo.handle(name, "twilio_sms", "DELETE", inbox_id=kept.id)
    assert again.messages == [] and not again.erased
    assert len(outbox(factory, name)) == 1


NOTHING = {"participants": 0, "contacts": 0, "inbox": 0, "outbox": 0, "contact_sources": 0,
           "contact_group_members": 0, "invitations": 0, "follow_up_sends": 0,
           "inbox_claims": 0}


def delivered(channel: str, fake_twilio, fake_telegram) -> list[str]:
    if channel == "telegram":
        return [call.params["text"] for call in fake_telegram.calls("sendMessage")
                if call.status == 200]
    return [message.body for message in fake_twilio.accepted
            if message.to == ADDRESSES[channel]]


@pytest.mark.parametrize("stopped_first", [False, True], ids=["delete", "stop-then-delete"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_the_confirmation_is_sent_and_then_nothing_of_theirs_remains(
        factory, fake_twilio, fake_telegram, channel, stopped_first):
    publish(factory)
    name = resident(factory, channel, ADDRESSES[channel])
    imported(factory, name)
    convo = service(factory)
    for text in [*CONVERSATION, *(["STOP"] if stopped_first else [])]:
        say(convo, factory, name, text, channel)
    say(convo, factory, name, "DELETE", channel)
    send_outbox(factory, {**fake_twilio.env(), **fake_telegram.env()})
    assert delivered(channel, fake_twilio, fake_telegram)[-1].startswith(
        "Your answers are deleted.")
    assert rows_of(factory, name) == NOTHING
