"""SMS text rules: normalisation, GSM 03.38 / UCS-2 segment counting, numbered options."""

from __future__ import annotations

import pytest

from bot.text import (
    GSM_BASIC,
    GSM_EXTENSION,
    SegmentCount,
    clean_reply,
    fold,
    is_gsm7,
    non_gsm_characters,
    normalise_for_sms,
    render_options,
    sms_segments,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u201cHello\u201d", '"Hello"'),
        ("It\u2019s \u2018fine\u2019", "It's 'fine'"),
        ("9\u201317 \u2014 daily", "9-17 - daily"),
        ("Wait\u2026", "Wait..."),
        ("a\u00a0b\u202fc", "a b c"),
        ("line one   \nline two\t\nend", "line one\nline two\nend"),
        ("plain text", "plain text"),
        ("Cymraeg: ŵ ŷ", "Cymraeg: ŵ ŷ"),
    ],
)
def test_normalise_for_sms(raw, expected):
    assert normalise_for_sms(raw) == expected


def test_normalised_typography_stays_in_gsm7():
    text = normalise_for_sms("\u201cWe\u2019ll see\u201d \u2013 the council\u2026")
    assert sms_segments(text).encoding == "GSM-7"


def test_gsm_tables_have_the_real_sizes():
    # 128 positions in the basic table, one of which (0x1B) is the escape: 127 characters.
    assert len(GSM_BASIC) == 127
    assert GSM_EXTENSION == frozenset("\f^{}\\[~]|€")


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a", "GSM-7", 1, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]{y}", "GSM-7", 10, 1),
        ("£5 @ café ñ Ü ß É à", "GSM-7", 19, 1),
        ("ŵ" * 70, "UCS-2", 70, 1),
        ("ŵ" * 71, "UCS-2", 71, 2),
        ("ł" * 134, "UCS-2", 134, 2),
        ("ł" * 135, "UCS-2", 135, 3),
        ("مرحبا", "UCS-2", 5, 1),
        ("😀", "UCS-2", 2, 1),  # one emoji is two UTF-16 code units
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_sms_segments(text, encoding, characters, segments):
    assert sms_segments(text) == SegmentCount(encoding, characters, segments)


def test_escape_pairs_are_never_split_across_parts():
    # 152 plain septets then a 2-septet € would straddle the 153 boundary: it moves on.
    text = "a" * 152 + "€" + "a" * 152 + "€"
    count = sms_segments(text)
    assert count.characters == 308
    assert count.segments == 3


def test_surrogate_pairs_are_never_split_across_parts():
    text = "ł" * 66 + "😀" + "ł" * 66 + "😀"
    count = sms_segments(text)
    assert count.characters == 136
    assert count.segments == 3


def test_one_non_gsm_character_switches_the_whole_message():
    assert sms_segments("a" * 100).segments == 1
    assert sms_segments("a" * 100 + "ŵ").segments == 2
    assert non_gsm_characters("Caerdydd ŵ ŷ ŵ") == ["ŵ", "ŷ"]
    assert is_gsm7("Hello £2") and not is_gsm7("Polska ł")


def test_render_options():
    assert render_options(["Bus", "Walk", "Car"]) == "1 Bus\n2 Walk\n3 Car"
    assert render_options([]) == ""


@pytest.mark.parametrize(
    ("raw", "key"),
    [("Rezygnuję!", "rezygnuje"), ("  STOP. ", "stop"), ("إيقاف", "ايقاف"), ("2️⃣", "2"),
     ("Ş T", "s t"), ("Łódź", "lodz"), ("no. 2", "no 2"), ("ȘTERGE", "sterge"),
     ("مساعدة", "مساعده"), ("ਪੰਜਾਬੀ!", "ਪੰਜਾਬੀ"), ("বন্ধ করুন।", "বন্ধ করুন"),
     ("ગુજરાતી", "ગુજરાતી"), ("ਖ਼ਤਮ", "ਖਤਮ".replace("ਖ", "ਖ\u0a3c")), ("ہاں", "هاں"),
     ("نہیں", "نهيں"), ("کیا", "كيا"), ("2️⃣ বাস", "2 বাস")],
)
def test_fold(raw, key):
    assert fold(raw) == key


def test_clean_reply_drops_control_characters():
    assert clean_reply("\x00 yes\x07\r\n") == "yes"
    assert clean_reply("a\r\nb\tc") == "a\nb c"
    assert clean_reply("ok\ud800") == "ok"
    assert clean_reply("ok 😀").encode("utf-8")
