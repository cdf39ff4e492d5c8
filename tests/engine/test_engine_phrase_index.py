"""Stop and erase phrases are found through an index by first word (for speed): it finds
exactly what checking every phrase at every position finds."""

from __future__ import annotations

import itertools

from bot.engine import commands


def _everywhere(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(tokens[i:i + len(phrase)]) == phrase
               for phrase in phrases for i in range(len(tokens) - len(phrase) + 1))


def test_the_index_finds_what_a_search_everywhere_finds():
    for phrases in (commands._STOP_PHRASES, commands._ERASE_PHRASES):
        assert phrases
        words = sorted({word for phrase in phrases for word in phrase})[:40] + ["1", "yes"]
        messages = [list(phrase) for phrase in phrases]
        messages += [["please", *phrase, "now"] for phrase in phrases]
        messages += [list(phrase[:-1]) for phrase in phrases if len(phrase) > 1]
        messages += [list(pair) for pair in itertools.product(words, repeat=2)]
        messages += [[], ["1"], ["bus", "stop"]]
        found = 0
        for tokens in messages:
            expected = _everywhere(tokens, phrases)
            assert commands._mentions(tokens, phrases) is expected, tokens
            found += expected
        assert 0 < found < len(messages)


def test_an_empty_phrase_is_in_every_message_as_before():
    assert commands._mentions(["anything"], (("stop", "it"), ()))
    assert not commands._mentions(["anything"], (("stop", "it"),))
