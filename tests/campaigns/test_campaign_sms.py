"""SMS cost per language and the opt-in to send Latin-script languages without the letters
that force the 70-character SMS (sms_plain): SMS only, never other scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.campaigns.check import check_campaign, language_summary
from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign
from bot.campaigns.sms import for_channel, language_costs
from bot.language import LANGUAGES, plain_for_sms
from bot.text import is_gsm7

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "campaigns").glob("*.yml"))
TARGET_ONE_SMS = 0.9


@pytest.mark.parametrize(("code", "text", "plain"), [
    ("pl", "Dziękuję, Łódź, żółć, ŚWIĘTO", "Dziekuje, Lodz, zolc, SWIETO"),
    ("ro", "Ștergeți răspunsurile, ÎNCĂ, ţară", "Stergeti raspunsurile, INCA, tara"),
    ("cy", "Dŵr, tŷ, â, ê, î, ô, û, Ŵ", "Dwr, ty, a, e, i, o, u, W"),
    ("pt", "não, opção, Ótimo, está", "nao, opcao, Otimo, esta"),
    ("es", "sí, número, ¿qué?, niño", "si, numero, ¿qué?, niño"),  # é ñ ¿ are GSM-7 already
    ("en", "Café £2", "Café £2"),
])
def test_latin_letters_lose_their_accents_only_where_sms_needs_it(code, text, plain):
    assert plain_for_sms(text, code) == plain
    assert is_gsm7(plain)


@pytest.mark.parametrize(("code", "text"), [
    ("ar", "اختر لغتك"), ("uk", "Оберіть мову"), ("ur", "اپنی زبان چنیں"),
    ("bn", "আপনার ভাষা"), ("pa", "ਆਪਣੀ ਬੋਲੀ"),
])
def test_other_scripts_are_never_transliterated(code, text):
    assert LANGUAGES[code].script != "Latin"
    assert plain_for_sms(text, code) == text


def _with_plain(path: Path, codes: list[str]) -> Campaign:
    data = load_campaign(path).to_dict()
    data["sms_plain"] = codes
    return Campaign.from_dict(data)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_campaigns_fit_one_sms_in_every_latin_language_with_the_option_on(path):
    latin = [code for code in load_campaign(path).languages
             if LANGUAGES[code].script == "Latin"]
    for cost in language_costs(_with_plain(path, latin)):
        if cost.plain_possible:
            assert cost.plain_on
            assert cost.plain_share_in_one_sms >= TARGET_ONE_SMS, cost


def test_the_option_is_sms_only_and_per_language():
    campaign = _with_plain(EXAMPLES[0], ["pl"])
    text = ["Dziękuję! Wyślij USUŃ."]
    assert for_channel(campaign, "pl", "twilio_sms", text) == ["Dziekuje! Wyslij USUN."]
    for channel in ("twilio_whatsapp", "telegram", "rest"):
        assert for_channel(campaign, "pl", channel, text) == text
    assert for_channel(campaign, "cy", "twilio_sms", ["Dŵr"]) == ["Dŵr"]  # not opted in


def test_plain_commands_are_still_understood():
    from bot.engine.commands import Command, keyword_command

    for code in ("pl", "ro", "pt", "es"):
        for word in LANGUAGES[code].phrases["opted_out"].split():
            plain = plain_for_sms(word.strip(".,"), code)
            if word.isupper() and len(word) > 2:
                assert keyword_command(plain) is Command.ERASE, (code, plain)


def test_costs_per_language_say_what_the_option_would_save(tmp_path):
    lines = language_summary(EXAMPLES[0])
    assert lines[0].startswith("SMS per resident")
    polish = next(line for line in lines if "(pl)" in line)
    assert "UCS-2" in polish and "with sms_plain: [pl] it would be" in polish
    assert "not yet reviewed" in polish
    english = next(line for line in lines if "(en)" in line)
    assert "reviewed" not in english and "sms_plain" not in english


@pytest.mark.parametrize(("value", "complaint"), [
    ("[ar]", "not written in Latin letters"),
    ("[ro]", "not one of the campaign's languages"),
    ("pl", "should be a list"),
])
def test_the_option_is_checked(tmp_path, value, complaint):
    text = (ROOT / "campaigns" / "buses-2026.yml").read_text(encoding="utf-8")
    path = tmp_path / "campaign.yml"
    path.write_text(text + f"\nsms_plain: {value}\n", encoding="utf-8")
    errors = [p for p in check_campaign(path) if p.level == "error"]
    assert any(complaint in p.message for p in errors), errors


def test_the_option_is_kept_when_published_and_absent_otherwise():
    campaign = _with_plain(EXAMPLES[0], ["pl"])
    assert Campaign.from_dict(campaign.to_dict()).sms_plain == ("pl",)
    assert "sms_plain" not in load_campaign(EXAMPLES[0]).to_dict()
