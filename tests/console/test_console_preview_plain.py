"""A campaign that sends Polish plainly over SMS (sms_plain: [pl]): the preview's SMS is
exactly what a real SMS conversation queues, and says it is the plain spelling; WhatsApp and
Telegram previews keep the full spelling."""

from __future__ import annotations

from console_helpers import SLUG, add_member, open_session_for, publish_example
from test_console_preview import conversation

from bot.campaigns.preview import preview
from bot.outbound.render import render_telegram, render_text
from bot.text import is_gsm7


def _plain_campaign_file(tmp_path):
    text = open("campaigns/buses-2026.yml", encoding="utf-8").read()
    path = tmp_path / "buses-2026.yml"
    path.write_text(text + "\nsms_plain: [pl]\n", encoding="utf-8")
    return path


def test_the_sms_preview_is_the_plain_text_a_real_sms_conversation_queues(db, tmp_path):
    from bot.campaigns.loader import load_campaign

    path = _plain_campaign_file(tmp_path)
    publish_example(db, path)
    campaign = load_campaign(path)
    turns = conversation(db, "twilio_sms", ["BUSES", "3", "TAK"])
    shown = {m.key: m for m in preview(campaign).language("pl").messages}
    for key, turn in zip(["menu", "consent", "step-1"], turns, strict=True):
        (body, _, _), = turn
        assert shown[key].sms.text == render_text(body), key
    consent = shown["consent"]
    assert consent.sms.plain and is_gsm7(consent.sms.text) and consent.sms.encoding == "GSM-7"
    assert "USUN" in consent.sms.text or "STOP" in consent.sms.text
    assert not is_gsm7(consent.telegram.text)  # Telegram gets the full spelling
    assert consent.telegram.text == render_telegram(consent.body, consent.buttons).text
    assert not is_gsm7(consent.whatsapp.text)
    english = {m.key: m for m in preview(campaign).language("en").messages}
    assert not english["consent"].sms.plain


def test_the_preview_page_says_which_sms_are_sent_plainly(client, db, clock, tmp_path):
    publish_example(db, _plain_campaign_file(tmp_path))
    open_session_for(client, db, add_member(db, "officer"), clock())
    polish = client.get(f"/campaigns/{SLUG}/preview?language=pl&channel=sms")
    assert polish.status_code == 200
    assert "Sent by SMS without the letters that make a text cost more" in polish.text
    english = client.get(f"/campaigns/{SLUG}/preview?language=en&channel=sms")
    assert "Sent by SMS without the letters" not in english.text
