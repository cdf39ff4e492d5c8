"""The bot's own sentences: complete in every language, consistent, short, and every
command word they show is one the bot understands."""

from __future__ import annotations

import re
import string

import pytest

from bot.engine import phrase, phrases
from bot.engine.commands import Command, is_resubscribe, keyword_command
from bot.engine.parsing import parse_yes_no
from bot.language import LANGUAGES, SUPPORTED
from bot.text import fold, normalise_for_sms, sms_segments

KEYS = sorted(phrases())
# Words that really are the same: residents of every language may be asked to reply OK.
SAME_AS_ENGLISH = {("button_ok", code) for code in SUPPORTED} | {
    (key, code) for code in SUPPORTED for key in LANGUAGES[code].same_as_english}
# Phrases that carry a campaign's title and organisation, or a list, may take two SMS.
LONGER = {"help", "help_consent", "how_to_start", "language_unavailable", "which_language",
          "consent_needed"}
SAMPLE = {"keyword": "BUSES", "title": "Buses", "organisation": "The Council", "min": 1,
          "max": 5, "min_label": "No", "max_label": "Yes", "example": "312",
          "summary": "Bus 50%, Walk 50%", "names": "English, Cymraeg", "keywords": "BUSES"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_phrase_keys():
    assert KEYS == sorted([
        "already", "button_more", "button_ok", "campaign_closed", "can_only_read_text",
        "choose_language",
        "consent_needed", "consent_no", "consent_prompt", "consent_reask", "consent_yes",
        "declined", "declined_again", "edited_message", "empty_message", "erased", "finished",
        "follow_up_no", "follow_up_question", "follow_up_yes",
        "help", "help_consent", "help_stopped", "how_to_start", "info_more", "info_ok", "invitation_intro",
        "language_unavailable", "continue_in_language", "menu_own_words", "no", "no_campaigns", "only_text", "opted_out", "rank",
        "others_said", "reflect_question", "reminder", "reply_number", "reply_words", "scale_labelled", "scale_plain", "so_far", "sorry", "start_again", "stuck",
        "stuck_help", "switch_question", "switch_start", "switch_stay", "too_few", "too_long",
        "unreadable", "which_language", "yes"])


@pytest.mark.parametrize("key", KEYS)
def test_every_phrase_exists_in_every_language_with_the_same_fields(key):
    texts = phrases()[key]
    assert set(texts) == set(SUPPORTED)
    english = fields(texts["en"])
    for language, text in texts.items():
        assert text.strip() == text and text, (key, language)
        assert fields(text) == english, (key, language)
        if language != "en" and (key, language) not in SAME_AS_ENGLISH:
            assert text != texts["en"], (key, language)  # really translated


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("language", SUPPORTED)
def test_phrases_are_short(key, language):
    text = normalise_for_sms(phrase(key, language, **SAMPLE))
    limit = 2 if key in LONGER else 1
    assert sms_segments(text).segments <= limit, text


@pytest.mark.parametrize("language", ["en", "cy"])
def test_english_and_welsh_phrases_stay_in_gsm7(language):
    for key in KEYS:
        text = normalise_for_sms(phrase(key, language, **SAMPLE))
        assert sms_segments(text).encoding == "GSM-7", (key, text)


LATIN = [code for code in SUPPORTED if LANGUAGES[code].script in ("Latin", "Cyrillic")]


@pytest.mark.parametrize("language", LATIN)
def test_every_command_word_shown_is_understood(language):
    shown = set()
    for key in KEYS:
        words = re.findall(r"\b[^\W\d_]{2,}\b", phrase(key, language, **SAMPLE))
        shown |= {word for word in words if word.isupper()}
    shown -= {"BUSES"}  # the sample keyword
    own = {LANGUAGES[language].command("stop")[0].upper(), LANGUAGES[language].command("help")[0].upper()}
    assert ({"STOP", "HELP"} | own) & shown
    understood = {word for word in shown if keyword_command(word) is not None
                  or parse_yes_no(word) is not None or is_resubscribe(word)}
    assert shown == understood, shown - understood


def test_arabic_command_words_shown_are_understood():
    assert keyword_command("توقف") is Command.STOP
    assert keyword_command("تخطي") is Command.SKIP
    assert keyword_command("كرر") is Command.REPEAT
    assert keyword_command("حذف") is Command.ERASE
    assert keyword_command("المزيد") is Command.MORE
    assert keyword_command("مساعدة") is Command.HELP
    assert parse_yes_no("نعم") is True and parse_yes_no("لا") is False
    assert parse_yes_no("حسنا") is True
    for word in ("توقف", "تخطي", "كرر", "حذف"):
        assert word in phrase("help", "ar", **SAMPLE)


@pytest.mark.parametrize("language", SUPPORTED)
def test_yes_and_no_labels_are_yes_and_no_words(language):
    assert parse_yes_no(phrase("yes", language)) is True
    assert parse_yes_no(phrase("no", language)) is False


def test_unknown_language_falls_back_to_english():
    assert phrase("sorry", "xx") == phrase("sorry", "en")
    with pytest.raises(KeyError):
        phrase("no_such_phrase", "en")


@pytest.mark.parametrize("language", SUPPORTED)
def test_button_words_are_understood_and_are_the_words_asked_for(language):
    yes, no = phrase("consent_yes", language), phrase("consent_no", language)
    ok, more = phrase("button_ok", language), phrase("button_more", language)
    assert parse_yes_no(yes) is True and parse_yes_no(no) is False
    assert parse_yes_no(ok) is True and keyword_command(ok) is None
    assert keyword_command(more) is Command.MORE
    asked = fold(phrase("consent_prompt", language)).split()
    assert fold(yes) in asked and fold(no) in asked
    offered = fold(phrase("info_more", language)).split()
    assert fold(ok) in offered and fold(more) in offered
    assert fold(ok) in fold(phrase("info_ok", language)).split()


@pytest.mark.parametrize("language", SUPPORTED)
def test_not_text_phrases_ask_for_an_answer_and_the_stranger_one_does_not(language):
    only = phrase("only_text", language)
    assert only.startswith(phrase("can_only_read_text", language))
    assert len(only) > len(phrase("can_only_read_text", language))
