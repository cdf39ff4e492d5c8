"""WhatsApp: free-form only within 24 hours of the resident's last message, else a template."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from outbound_helpers import (
    RESIDENT,
    WHATSAPP_FROM,
    inbound,
    queue,
    remember,
    sender_for,
    settle,
    twilio_env,
)

from bot.store.models import utcnow

TEMPLATE = "HX" + "5" * 32


def send(factory, fake_twilio, row_id):
    async def scenario():
        async with sender_for(factory, twilio_env(fake_twilio)) as sender:
            return await settle(sender, factory, [row_id])

    return asyncio.run(scenario())[row_id]


def test_free_form_within_the_window(factory, fake_twilio):
    alice = remember(factory, "twilio_whatsapp", "whatsapp:" + RESIDENT)
    inbound(factory, alice, "twilio_whatsapp", utcnow() - timedelta(hours=23))
    row_id = queue(factory, alice, "Thanks \u2014 next question", channel="twilio_whatsapp")
    assert send(factory, fake_twilio, row_id).status == "sent"
    params = fake_twilio.accepted[0].request.params
    assert (params["To"], params["From"]) == ("whatsapp:" + RESIDENT, "whatsapp:" + WHATSAPP_FROM)
    assert params["Body"] == "Thanks - next question" and "ContentSid" not in params


def test_outside_the_window_without_a_template_is_refused(factory, fake_twilio):
    alice = remember(factory, "twilio_whatsapp", RESIDENT)
    inbound(factory, alice, "twilio_whatsapp", utcnow() - timedelta(hours=25))
    inbound(factory, alice, "twilio_sms", utcnow())  # another channel does not open WhatsApp's
    row_id = queue(factory, alice, "A new campaign", channel="twilio_whatsapp")
    failed = send(factory, fake_twilio, row_id)
    assert failed.status == "failed" and "24 hours" in failed.last_error
    assert "template" in failed.last_error
    assert fake_twilio.requests == []


def test_never_wrote_and_no_template_is_refused(factory, fake_twilio):
    alice = remember(factory, "twilio_whatsapp", RESIDENT)
    row_id = queue(factory, alice, "Hello", channel="twilio_whatsapp")
    assert send(factory, fake_twilio, row_id).status == "failed"
    assert fake_twilio.requests == []


def test_outside_the_window_the_template_is_sent(factory, fake_twilio):
    alice = remember(factory, "twilio_whatsapp", RESIDENT)
    row_id = queue(factory, alice, "A new campaign", channel="twilio_whatsapp", template=TEMPLATE)
    assert send(factory, fake_twilio, row_id).status == "sent"
    params = fake_twilio.accepted[0].request.params
    assert params["ContentSid"] == TEMPLATE and "Body" not in params
    assert params["To"] == "whatsapp:" + RESIDENT


def test_a_question_with_a_template_is_sent_as_buttons_inside_the_window(factory, fake_twilio):
    alice = remember(factory, "twilio_whatsapp", RESIDENT)
    inbound(factory, alice, "twilio_whatsapp", utcnow() - timedelta(minutes=1))
    body = "Thanks.\nHow do you usually get to your GP?\n1 Bus\n2 Walk\n3 Car"
    row_id = queue(factory, alice, body, channel="twilio_whatsapp", template=TEMPLATE,
                   buttons=["1 Bus", "2 Walk", "3 Car"])
    assert send(factory, fake_twilio, row_id).status == "sent"
    message = fake_twilio.accepted[0]
    assert message.content_sid == TEMPLATE and "Body" not in message.request.params
    assert json.loads(message.content_variables) == {
        "1": "Thanks. How do you usually get to your GP?",
        "2": "1 Bus", "3": "2 Walk", "4": "3 Car"}
    assert (message.to, message.from_) == ("whatsapp:" + RESIDENT, "whatsapp:" + WHATSAPP_FROM)


def test_template_variables_keep_the_words_and_never_hold_a_line_break(factory, fake_twilio):
    alice = remember(factory, "twilio_whatsapp", RESIDENT)
    body = "Pa mor aml?\n1 Bob dydd \u2014 bron\n2 Weithiau"
    row_id = queue(factory, alice, body, channel="twilio_whatsapp", template=TEMPLATE,
                   buttons=["1 Bob dydd \u2014 bron", "2 Weithiau"])
    assert send(factory, fake_twilio, row_id).status == "sent"  # outside the window too
    variables = json.loads(fake_twilio.accepted[0].content_variables)
    assert variables == {"1": "Pa mor aml?", "2": "1 Bob dydd \u2014 bron", "3": "2 Weithiau"}
