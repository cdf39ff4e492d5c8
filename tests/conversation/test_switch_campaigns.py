"""Another live campaign's keyword part-way through, through the real ConversationService: the
resident is asked first (the offer kept in their participation's state), 1 moves them to the
other campaign and 2 carries on; an answer to the question they are on always wins; before
consent the keyword moves them at once. On SQLite and PostgreSQL."""

from __future__ import annotations

import yaml
from conversation_helpers import (
    ALL_STEPS,
    PARKS,
    outbox,
    participants,
    publish,
    resident,
    say,
    service,
)

from bot.campaigns.model import Campaign
from bot.engine import Event
from bot.store.db import transaction
from bot.store.models import CampaignVersion, Participant, Response
from bot.store.repository import ParticipantRepository, checksum

ASKED = "PARKS is a different survey.\n1 Start PARKS\n2 Carry on with this one"
TRAVEL_MODE = "How do you usually get to your GP?\n1 Bus\n2 Walk\n3 Car"


def at_travel_mode(factory, channel: str = "twilio_sms", address: str = "+447700900123",
                   first=ALL_STEPS):
    publish(factory, first)
    publish(factory, PARKS)
    convo = service(factory)
    name = resident(factory, channel, address)
    for text in ("TESTALL", "1", "yes", "ok"):
        result = say(convo, factory, name, text, channel)
    assert result.messages == [TRAVEL_MODE]
    return convo, name


def by_slug(factory, name: str) -> dict:
    return {row.campaign.slug: row for row in participants(factory, name)}


def answers(factory, name: str) -> dict:
    with transaction(factory) as session:
        return {r.step_id: r.value for r in session.query(Response).join(Participant)
                .filter(Participant.pseudonym == name)}


def latest_slug(factory, name: str) -> str:
    with transaction(factory) as session:
        return ParticipantRepository(session).latest_for(name).campaign.slug


def test_the_keyword_part_way_asks_first_and_1_moves_them(any_factory):
    factory = any_factory
    convo, name = at_travel_mode(factory)
    result = say(convo, factory, name, "PARKS")
    assert result.messages == [ASKED] and result.events == [Event.SWITCH_OFFERED]
    assert result.buttons == ["1 Start PARKS", "2 Carry on with this one"]
    rows = by_slug(factory, name)
    assert list(rows) == ["test-all-steps"]  # nothing started yet
    assert rows["test-all-steps"].state["switch_offered"] == "PARKS"
    assert outbox(factory, name)[-1].body == ASKED

    result = say(convo, factory, name, "1")
    assert result.events[0] is Event.SWITCHED
    assert result.messages[0].startswith("Choose your language")  # parks, from its start
    rows = by_slug(factory, name)
    assert sorted(rows) == ["parks-2026", "test-all-steps"]
    assert rows["test-all-steps"].state["switch_offered"] is None
    assert rows["test-all-steps"].state["step_id"] == "travel_mode"  # kept for later
    assert latest_slug(factory, name) == "parks-2026"
    # Parks is at its language menu (before consent): TESTALL takes them back at once.
    back = say(convo, factory, name, "TESTALL")
    assert back.messages == ["You are already taking part.\n" + TRAVEL_MODE]


def test_2_carries_on_and_the_question_is_asked_again(any_factory):
    factory = any_factory
    convo, name = at_travel_mode(factory)
    say(convo, factory, name, "PARKS")
    result = say(convo, factory, name, "2")
    assert result.messages == [TRAVEL_MODE] and result.events == []
    assert list(by_slug(factory, name)) == ["test-all-steps"]
    say(convo, factory, name, "1")  # now Bus, this campaign's answer
    assert answers(factory, name) == {"travel_mode": "bus"}


def test_an_answer_while_asked_is_taken_and_the_keyword_again_switches(any_factory):
    factory = any_factory
    convo, name = at_travel_mode(factory)
    say(convo, factory, name, "PARKS")
    result = say(convo, factory, name, "walk")
    assert answers(factory, name) == {"travel_mode": "walk"}
    assert result.messages[0].startswith("Why is that?")
    assert say(convo, factory, name, "parks").messages == [ASKED]  # asked again, at the why
    result = say(convo, factory, name, "PARKS")
    assert Event.SWITCHED in result.events and latest_slug(factory, name) == "parks-2026"


def test_stop_while_asked_stops(any_factory):
    factory = any_factory
    convo, name = at_travel_mode(factory)
    say(convo, factory, name, "PARKS")
    result = say(convo, factory, name, "STOP")
    assert result.events == [Event.OPTED_OUT]
    assert list(by_slug(factory, name)) == ["test-all-steps"]
    assert by_slug(factory, name)["test-all-steps"].phase == "opted_out"


def test_before_consent_the_keyword_moves_them_at_once(any_factory):
    factory = any_factory
    publish(factory)
    publish(factory, PARKS)
    convo = service(factory)
    name = resident(factory)
    say(convo, factory, name, "TESTALL")
    say(convo, factory, name, "1")  # English: asked consent
    result = say(convo, factory, name, "PARKS")
    assert result.messages[0].startswith("Choose your language")
    assert latest_slug(factory, name) == "parks-2026"


def test_a_keyword_that_answers_the_question_is_the_answer(factory):
    """Publishing refuses an option text that is another live campaign's keyword, but a
    campaign stored before that check (here written straight to the table) can still have
    one: the answer wins over the keyword at that question."""
    convo, name = at_travel_mode(factory)
    data = yaml.safe_load(ALL_STEPS.read_text(encoding="utf-8"))
    data.update(id="bus-survey", keywords=["BUS"])
    definition = Campaign.from_dict(data).to_dict()
    with transaction(factory) as session:
        session.add(CampaignVersion(slug="bus-survey", version=1, definition=definition,
                                    checksum=checksum(definition), status="live"))
    result = say(convo, factory, name, "BUS")
    assert result.messages[0].startswith("Why is that?")
    assert answers(factory, name) == {"travel_mode": "bus"}
    assert list(by_slug(factory, name)) == ["test-all-steps"]


def test_telegram_gets_the_two_buttons_and_whatsapp_no_step_template(factory):
    convo, name = at_travel_mode(factory, "telegram", "4242")
    say(convo, factory, name, "PARKS", "telegram")
    [row] = [row for row in outbox(factory, name) if row.body == ASKED]
    assert row.buttons == ["1 Start PARKS", "2 Carry on with this one"]
    whatsapp = resident(factory, "twilio_whatsapp", "+447700900999")
    for text in ("TESTALL", "1", "yes", "ok"):
        say(convo, factory, whatsapp, text, "twilio_whatsapp")
    result = say(convo, factory, whatsapp, "PARKS", "twilio_whatsapp")
    assert result.messages == [ASKED] and result.template is None
    assert result.buttons == ["1 Start PARKS", "2 Carry on with this one"]


def test_a_reminder_lets_an_unanswered_offer_go_so_1_is_this_campaign_s_answer(factory, tmp_path):
    reminding = tmp_path / "all-steps.yml"
    reminding.write_text(ALL_STEPS.read_text(encoding="utf-8") + "\nreminder: {after_hours: 24}\n",
                         encoding="utf-8")
    convo, name = at_travel_mode(factory, first=reminding)
    say(convo, factory, name, "PARKS")
    [row] = participants(factory, name)
    reminded = convo.remind(row.id)
    assert reminded.messages[-1].endswith(TRAVEL_MODE) and ASKED not in reminded.messages
    assert by_slug(factory, name)["test-all-steps"].state["switch_offered"] is None
    say(convo, factory, name, "1")
    assert answers(factory, name) == {"travel_mode": "bus"}
    assert list(by_slug(factory, name)) == ["test-all-steps"]
