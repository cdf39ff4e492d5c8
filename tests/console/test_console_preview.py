"""The preview: every message as residents receive it, per language and channel. The proof
that it is the real thing: a real conversation (ConversationService, the action's path) on
each provider channel queues exactly the bodies, buttons and WhatsApp templates the preview
shows, rendered by the senders' own functions."""

from __future__ import annotations

import pytest
from console_helpers import SLUG, add_member, open_session_for, publish_example

from bot.campaigns.loader import load_campaign
from bot.campaigns.preview import Prices, preview
from bot.conversation import ConversationService
from bot.language import LANGUAGES
from bot.outbound.providers import content_variables
from bot.outbound.render import render_telegram, render_text
from bot.store.db import transaction
from bot.store.models import CampaignDraft, OutboxMessage
from bot.store.repository import CampaignRepository

EN, CY = "HX" + "a" * 32, "HX" + "b" * 32
INVITE_EN = "HX" + "c" * 32
WA_CAMPAIGN = f"""\
id: wa-buttons
title: {{en: Buses, cy: Bysiau}}
organisation: {{en: Council, cy: Cyngor}}
languages: [en, cy]
keywords: [WABUS]
retention_days: 30
invitation: {{whatsapp: {{content_sid: {{en: {INVITE_EN}}}}}}}
consent: {{version: "1", text: {{en: "We ask.", cy: "Rydym yn holi."}}}}
thanks: {{en: Thanks, cy: Diolch}}
steps:
  - id: travel
    type: choice
    text: {{en: "How do you travel?", cy: "Sut rydych chi'n teithio?"}}
    options: [{{id: bus, text: {{en: Bus, cy: Bws}}}}, {{id: walk, text: {{en: Walk, cy: Cerdded}}}}]
    whatsapp: {{type: quick-reply, content_sid: {{en: {EN}, cy: {CY}}}}}
  - id: ideas
    type: text
    text: {{en: "What would help?", cy: "Beth fyddai'n helpu?"}}
"""


def conversation(db, channel: str, replies: list[str], pseudonym: str = "a" * 64):
    """A real conversation through the service; the outbox rows of each turn."""
    service = ConversationService(db)
    turns = []
    for text in replies:
        with transaction(db) as session:
            before = session.query(OutboxMessage).count()
        service.handle(pseudonym, channel, text)
        with transaction(db) as session:
            rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()[before:]
            turns.append([(row.body, row.buttons, row.template) for row in rows])
    return turns


@pytest.mark.parametrize("language, choose", [("en", "1"), ("cy", "2")])
def test_whatsapp_preview_is_what_a_real_conversation_queues(db, language, choose):
    campaign = load_campaign(WA_CAMPAIGN)
    with transaction(db) as session:
        CampaignRepository(session).publish(campaign)
    yes = "YES" if language == "en" else "IE"
    menu, consent, travel = conversation(db, "twilio_whatsapp", ["WABUS", choose, yes])
    shown = {m.key: m for m in preview(campaign).language(language).messages}
    for key, turn in (("menu", menu), ("consent", consent), ("step-1", travel)):
        (body, buttons, template), = turn
        assert shown[key].body == body
        assert shown[key].buttons == (buttons or [])
        assert shown[key].sms.text == render_text(body)
        assert shown[key].whatsapp.template == template
    whatsapp = shown["step-1"].whatsapp
    variables = content_variables(travel[0][0], travel[0][1])
    assert whatsapp.template == (EN if language == "en" else CY)
    assert whatsapp.kind == "quick-reply"
    assert [whatsapp.text, *whatsapp.buttons] == [variables[k] for k in sorted(variables)]
    assert whatsapp.buttons == (["1 Bus", "2 Walk"] if language == "en" else ["1 Bws", "2 Cerdded"])
    assert shown["consent"].whatsapp.buttons == []  # no template: the resident types YES
    assert "No buttons on WhatsApp" in shown["consent"].whatsapp.note


def test_telegram_preview_is_what_a_real_conversation_queues(db):
    publish_example(db)
    campaign = load_campaign("campaigns/buses-2026.yml")
    turns = conversation(db, "telegram", ["BUSES", "4", "نعم", "المزيد", "حسنا", "1"])
    shown = {m.key: m for m in preview(campaign).language("ar").messages}
    keys = ["menu", "consent", "step-1", "step-1-more", "step-2", "step-2-why"]
    for key, turn in zip(keys, turns, strict=True):
        (body, buttons, _), = turn
        rendered = render_telegram(body, buttons)
        assert shown[key].body == body, key
        assert shown[key].telegram.text == rendered.text
        keyboard = getattr(rendered.reply_markup, "keyboard", ())
        assert shown[key].telegram.keyboard == [[b.text for b in row] for row in keyboard]
    assert shown["step-2-why"].telegram.removes_keyboard
    assert shown["step-2"].telegram.keyboard[0] == ["1 بالحافلة"]


def test_sms_preview_counts_segments_encoding_and_cost():
    campaign = load_campaign("campaigns/buses-2026.yml")
    shown = preview(campaign, Prices(sms_segment=0.05, whatsapp_message=0.02, currency="EUR"))
    english = {m.key: m for m in shown.language("en").messages}
    assert (english["consent"].sms.encoding, english["consent"].sms.segments) == ("GSM-7", 3)
    assert english["consent"].sms.cost == pytest.approx(0.15)
    assert english["step-3"].sms.text.endswith("Reply a number from 1 (Very hard) to 5 (Very easy).")
    arabic = {m.key: m for m in shown.language("ar").messages}
    assert arabic["consent"].sms.encoding == "UCS-2"
    assert shown.language("ar").rtl and not shown.language("en").rtl
    assert arabic["menu"].language == "en" and arabic["menu"].direction == "ltr"
    assert "Asked only when the answer to" in english["step-4"].when
    assert english["thanks"].body.startswith("Thank you. We will write a short report")
    segments, cost = shown.language("en").journey_cost("sms")
    assert cost == pytest.approx(segments * 0.05)
    assert shown.language("en").journey_cost("telegram")[1] == 0.0


def officer(client, db, clock):
    open_session_for(client, db, add_member(db, "officer"), clock())


def test_the_preview_page_per_language_and_channel(client, db, clock):
    publish_example(db)
    officer(client, db, clock)
    sms = client.get(f"/campaigns/{SLUG}/preview?language=en&channel=sms")
    assert sms.status_code == 200
    assert "3 SMS (GSM-7, 371 characters): more than one SMS costs more" in sms.text
    assert "version 1, as published" in sms.text
    assert 'dir="rtl"' not in sms.text
    arabic = client.get(f"/campaigns/{SLUG}/preview?language=ar&channel=telegram")
    assert 'lang="ar" dir="rtl"' in arabic.text
    assert 'aria-label="Telegram keyboard"' in arabic.text
    assert "<li>1 بالحافلة</li>" in arabic.text
    whatsapp = client.get(f"/campaigns/{SLUG}/preview?language=cy&channel=whatsapp")
    assert "no approved WhatsApp invitation template for Cymraeg" in whatsapp.text
    odd = client.get(f"/campaigns/{SLUG}/preview?language=<x>&channel=fax")
    assert odd.status_code == 200  # unknown choices fall back to the first language, SMS
    assert 'aria-current="page">SMS<' in odd.text
    assert client.get("/campaigns/nothing/preview").status_code == 404


def test_a_draft_with_changes_is_previewed_before_it_is_published(client, db, clock):
    publish_example(db)
    source = open("campaigns/buses-2026.yml", encoding="utf-8").read().replace(
        "How do you usually get to the GP or hospital?", "How do you get to the GP?")
    with transaction(db) as session:
        session.add(CampaignDraft(slug=SLUG, source=source, saved_by="kim@council.example",
                                  saved_at=clock()))
    officer(client, db, clock)
    page = client.get(f"/campaigns/{SLUG}/preview")
    assert "How do you get to the GP?" in page.text
    assert "the draft saved 2026-11-25 09:00 UTC by kim@council.example (not published)" in page.text


def test_a_language_not_yet_checked_by_a_native_speaker_says_so(client, db, clock):
    """Each language's file says whether a native speaker has checked the bot's words in it
    (`reviewed:`); the preview of a language that says false asks for a check before launch,
    as `engage campaign check` does."""
    shown = preview(load_campaign("campaigns/buses-2026.yml"))
    assert [(lp.code, lp.reviewed) for lp in shown.languages] == [
        (code, LANGUAGES[code].reviewed) for code in ("en", "cy", "pl", "ar")]
    assert shown.language("en").reviewed and not shown.language("cy").reviewed
    publish_example(db)
    officer(client, db, clock)
    note = "Not yet checked by a native speaker:"
    welsh = client.get(f"/campaigns/{SLUG}/preview?language=cy&channel=sms")
    assert note in welsh.text and "Ask someone who speaks it to check them before launch." \
        in welsh.text
    english = client.get(f"/campaigns/{SLUG}/preview?language=en&channel=sms")
    assert english.status_code == 200 and note not in english.text
