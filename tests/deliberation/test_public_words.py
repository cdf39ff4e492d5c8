"""The public results page's own words exist in every shipped language (every folder in
languages/), with the same {fields} as English, translated, and in the page's languages."""

from __future__ import annotations

import string

import pytest

from bot.deliberation import public
from bot.language import SUPPORTED

SAME_AS_ENGLISH = {("no", "es")}  # Spanish "No" is the English "No"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", SUPPORTED)
def test_every_shipped_language_has_every_key(code):
    for key, texts in public._all_words().items():
        assert texts.get(code, "").strip(), f"public_words.yml: {key} has no {code}"
        assert _fields(texts[code]) == _fields(texts["en"]), (key, code)
        if code != "en" and (key, code) not in SAME_AS_ENGLISH:
            assert texts[code] != texts["en"], (key, code)  # really translated
    assert code in public.words_languages()


def test_no_typographic_quotes_in_how_small():
    for code in SUPPORTED:
        assert not {"\u2018", "\u2019"} & set(public.words(code)["how_small"]), code
