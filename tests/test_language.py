"""Language names people type, and careful detection from free text."""

from __future__ import annotations

import pytest

from bot.language import (
    LANGUAGES,
    SUPPORTED,
    detect_language,
    endonym,
    find_language_name,
    match_language_name,
    requested_language,
)

ALL = SUPPORTED


def test_supported_languages_and_endonyms():
    assert SUPPORTED[:5] == ("en", "cy", "pl", "ar", "ro")
    assert [endonym(code) for code in SUPPORTED[:6]] == [
        "English", "Cymraeg", "Polski", "العربية", "Română", "اردو"]
    for code, language in LANGUAGES.items():
        assert language.code == code and language.names


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Cymraeg", "cy"), ("CYMRAEG", "cy"), ("welsh", "cy"), ("in Welsh please", "cy"),
        ("Cymraeg plis", "cy"), ("yn Gymraeg os gwelwch yn dda", "cy"),
        ("Polish", "pl"), ("polski", "pl"), ("po polsku", "pl"), ("Po polsku proszę", "pl"),
        ("arabic", "ar"), ("عربي", "ar"), ("العربية", "ar"), ("بالعربي لو سمحت", "ar"),
        ("romanian", "ro"), ("română", "ro"), ("Romana", "ro"), ("limba romana", "ro"),
        ("ROMÂNĂ", "ro"), ("english", "en"), ("English please", "en"), ("saesneg", "en"),
        ("angielski", "en"), ("po angielsku", "en"), ("Welsh!", "cy"), (" polski. ", "pl"),
        ("اردو", "ur"), ("Urdu", "ur"), ("اردو میں پلیز", "ur"), ("انگریزی", "en"),
        ("ਪੰਜਾਬੀ", "pa"), ("Punjabi please", "pa"), ("ਅੰਗਰੇਜ਼ੀ ਵਿੱਚ", "en"),
        ("বাংলা", "bn"), ("বাংলায় প্লিজ", "bn"), ("Bengali", "bn"), ("ইংরেজিতে", "en"),
        ("Português", "pt"), ("em português por favor", "pt"), ("inglês", "en"),
        ("Español", "es"), ("en español por favor", "es"), ("castellano", "es"),
        ("Soomaali", "so"), ("af soomaali fadlan", "so"), ("af ingiriis", "en"),
        ("Українська", "uk"), ("українською будь ласка", "uk"), ("англійською", "en"),
    ],
)
def test_explicit_requests(text, code):
    assert match_language_name(text, ALL) == code
    assert requested_language(text) == code


@pytest.mark.parametrize(
    "text",
    ["3", "yes", "", "   ", "please", "I speak Welsh at home and English at work",
     "the bus to Cardiff", "tak", "no", "in", "😀"],
)
def test_not_a_language_request(text):
    assert match_language_name(text, ALL) is None


def test_requests_are_restricted_to_the_candidates():
    assert match_language_name("Cymraeg", ["en", "pl"]) is None
    assert requested_language("Cymraeg") == "cy"
    assert match_language_name("polski", ["en", "pl"]) == "pl"


def test_find_language_name_inside_a_sentence():
    assert find_language_name("can I do this in Polish", ALL) == "pl"
    assert find_language_name("switch to po polsku", ALL) == "pl"
    assert find_language_name("Welsh or Polish", ALL) is None  # two: ambiguous
    assert find_language_name("Welsh or Polish", ["en", "pl"]) == "pl"
    assert find_language_name("change the language", ALL) is None


LONG = {
    "en": "The buses are always late and far too expensive for us to use every day",
    "cy": "Dw i ddim yn hoffi'r bysiau achos maen nhw wastad yn hwyr ac yn ddrud iawn",
    "pl": "Autobusy są zawsze spóźnione i bardzo drogie dla mojej rodziny",
    "ar": "الحافلات دائما متأخرة ومكلفة جدا بالنسبة لنا ولعائلتي",
    "ro": "Autobuzele sunt mereu întârziate și foarte scumpe pentru familia mea",
    "ur": "بسیں ہمیشہ دیر سے آتی ہیں اور ہمارے خاندان کے لیے بہت مہنگی ہیں",
    "pa": "ਬੱਸਾਂ ਹਮੇਸ਼ਾ ਦੇਰ ਨਾਲ ਆਉਂਦੀਆਂ ਹਨ ਅਤੇ ਸਾਡੇ ਪਰਿਵਾਰ ਲਈ ਬਹੁਤ ਮਹਿੰਗੀਆਂ ਹਨ",
    "bn": "বাসগুলো সবসময় দেরিতে আসে এবং আমাদের পরিবারের জন্য খুব ব্যয়বহুল",
    "pt": "Os autocarros estão sempre atrasados e são muito caros para a minha família",
    "es": "Los autobuses siempre llegan tarde y son demasiado caros para mi familia",
    "so": "Basaska had iyo jeer way daahaan, aadna way qaali ugu yihiin qoyskayga",
    "uk": "Автобуси завжди запізнюються і дуже дорогі для моєї родини",
}


@pytest.mark.parametrize("code", SUPPORTED)
def test_detects_long_text_in_each_language(code):
    assert detect_language(LONG[code], ALL) == code


@pytest.mark.parametrize(
    "text",
    ["yes", "Tak", "da", "ok thanks", "nie wiem", "bus", "Evet", "1", "", "the bus is late",
     "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", "12345 67890 12345 67890 12345"],
)
def test_short_or_featureless_text_is_never_guessed(text):
    assert detect_language(text, ALL) is None


def test_detection_is_restricted_to_the_candidates():
    assert detect_language(LONG["pl"], ["en", "cy"]) is None
    german = "Ich fahre jeden Tag mit dem Bus zur Arbeit und es ist immer zu spät"
    assert detect_language(german, ALL) is None


def test_detection_is_deterministic():
    text = "Bus is ok but sometimes late, and the driver is nice to us"
    assert len({detect_language(text, ALL) for _ in range(10)}) == 1
