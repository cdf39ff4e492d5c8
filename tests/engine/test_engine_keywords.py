"""The keyword a resident is told to text (after declining or erasing, and to strangers) is the
campaign's word for their language where it has one, and what a finished resident hears
again is short."""

from __future__ import annotations

import pytest
from engine_helpers import ROOT, Chat, chat_at

from bot.campaigns.loader import load_campaign
from bot.engine.prompts import keyword

BUSES = load_campaign(ROOT.parent / "campaigns" / "buses-2026.yml")  # BUSES, TRAVEL, TEITHIO
PARKS = load_campaign(ROOT.parent / "campaigns" / "parks-2026.yml")  # PARKS, PARCIAU, YOUTH


@pytest.mark.parametrize(("campaign", "language", "expected"), [
    (BUSES, "en", "BUSES"), (BUSES, "cy", "TEITHIO"), (BUSES, "pl", "BUSES"), (BUSES, "ar", "BUSES"),
    (PARKS, "en", "PARKS"), (PARKS, "cy", "PARCIAU"), (PARKS, "ro", "PARKS"),
    (BUSES, "ro", "BUSES"), (BUSES, None, "BUSES"),
])
def test_the_keyword_for_a_language(campaign, language, expected):
    assert keyword(campaign, language) == expected


def test_a_welsh_resident_s_erasure_confirmation_names_the_welsh_keyword():
    chat = Chat(BUSES)
    chat.send("2")  # Cymraeg
    chat.send("ie")
    [confirmation] = chat.send("DILEU")
    assert confirmation.endswith("I gymryd rhan eto, tecstiwch TEITHIO.")
    assert "BUSES" not in confirmation


def test_a_welsh_resident_who_declines_is_told_the_welsh_keyword():
    chat = Chat(PARKS)
    chat.send("Cymraeg")
    [declined] = chat.send("na")
    assert declined.endswith("tecstiwch PARCIAU.")
    assert chat.send("helo") == ["Fe ddewisoch chi beidio cymryd rhan. I ddechrau eto, "
                                 "tecstiwch PARCIAU."]


def test_an_english_resident_still_gets_the_first_keyword():
    chat = Chat(BUSES)
    chat.send("1")
    chat.send("yes")
    assert chat.send("DELETE")[0].endswith("To take part again, text BUSES.")


@pytest.mark.parametrize("message", ["hello", "thanks", "1", "REPEAT", "ok"])
def test_after_finishing_a_message_gets_a_short_reply(campaign, message):
    chat = chat_at(campaign, "completed")
    assert chat.send(message) == ["You have finished. Thank you!"]
    assert chat.last.answers == [] and chat.events == []


def test_after_finishing_in_polish_the_reply_is_short_too(campaign):
    chat = chat_at(campaign, "completed", language="3")
    assert chat.send("dzięki") == ["To już wszystko. Dziękujemy!"]
