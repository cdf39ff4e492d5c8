"""What each channel receives."""

from __future__ import annotations

import re

from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.outbound.render import SMS_MAX_CHARACTERS, render_telegram, render_text, shorten


def test_sms_text_is_gsm_normalised():
    assert render_text("\u201cYes\u201d \u2013 it\u2019s fine\u2026") == '"Yes" - it\'s fine...'


def test_sms_text_never_exceeds_1600_characters_and_cuts_between_words():
    text = " ".join(["word"] * 500)  # 2499 characters
    rendered = render_text(text)
    assert len(rendered) <= SMS_MAX_CHARACTERS and rendered.endswith("word...")


def test_a_cut_prefers_a_line_break():
    lines = "\n".join(f"{n} option number {n}" for n in range(1, 200))
    cut = shorten(lines, 100)
    assert len(cut) <= 100 and cut.endswith("...")
    assert all(re.fullmatch(r"(\d+) option number \1", line) for line in cut[:-3].split("\n"))


def test_an_unbroken_text_is_cut_hard():
    assert shorten("x" * 2000, 1600) == "x" * 1597 + "..."


def test_short_text_is_untouched():
    assert render_text("Reply 1, 2 or 3") == "Reply 1, 2 or 3"


def test_telegram_keyboard_one_button_per_row():
    message = render_telegram("Pick one", ["Bus", "Tram", " "])
    assert isinstance(message.reply_markup, ReplyKeyboardMarkup)
    assert [[b.text for b in row] for row in message.reply_markup.keyboard] == [["Bus"], ["Tram"]]
    assert message.reply_markup.resize_keyboard and message.reply_markup.one_time_keyboard


def test_telegram_without_options_removes_the_keyboard():
    assert isinstance(render_telegram("Thanks", None).reply_markup, ReplyKeyboardRemove)
    assert isinstance(render_telegram("Thanks", []).reply_markup, ReplyKeyboardRemove)
    assert render_telegram("\u201cThanks\u201d").text == "\u201cThanks\u201d"
