"""Hostile values for the webhook fuzz suite: the characters that hide or reorder text, digits
that are not ASCII, JSON of the wrong type, too deep or with repeated keys, bytes that are not
UTF-8, and hypothesis strategies that put them where a provider would put a real value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Controls (NUL, CR, LF, ESC, DEL, NEL), bidi overrides and isolates, zero-width characters,
# the BOM, line and paragraph separators, odd spaces, a noncharacter, a tag character.
HOSTILE_CHARACTERS = [
    "\x00", "\r", "\n", "\r\n", "\t", "\x1b", "\x7f", "\x85", "\u202e", "\u202d", "\u202a",
    "\u2066", "\u2067", "\u200e", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "\u2028", "\u2029", "\u00a0", "\u3000", "\ufffd", "\uffff", "\U000e0001", " ", "%", "&",
    "=", "+",
]
# The same ten digits in other scripts: int() reads them, a phone network does not.
OTHER_DIGITS = ["\u0660", "\u06f0", "\u0966", "\uff10", "\u09e6", "\u1040"]
# Byte sequences that are not UTF-8: a lone continuation byte, an overlong slash, an encoded
# surrogate, a five-byte form, a truncated sequence.
NOT_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
            b"\xc3", b"\xe2\x82"]

hostile_character = st.sampled_from(HOSTILE_CHARACTERS)


@st.composite
def spoiled(draw: st.DrawFn, valid: str, allowed: str = "") -> str:
    """`valid` with one to three hostile characters slipped in anywhere (none of `allowed`,
    the characters that are legal in this kind of value)."""
    value = valid
    characters = [c for c in HOSTILE_CHARACTERS if c not in allowed]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(value)))
        value = value[:at] + draw(st.sampled_from(characters)) + value[at:]
    return value


@st.composite
def foreign_digits(draw: st.DrawFn, valid: str) -> str:
    """`valid` with some of its ASCII digits written in another script."""
    zero = ord(draw(st.sampled_from(OTHER_DIGITS)))
    positions = [i for i, c in enumerate(valid) if c.isdigit()]
    chosen = draw(st.sets(st.sampled_from(positions), min_size=1)) if positions else set()
    return "".join(chr(zero + int(c)) if i in chosen else c for i, c in enumerate(valid))


# Any text, hostile characters included, lone surrogates left out (a form cannot carry them).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60) | \
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=20), hostile_character,
              st.text(max_size=20))

json_scalars = st.none() | st.booleans() | st.integers() | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=12)
not_a_string = st.none() | st.booleans() | st.integers() | \
    st.floats(allow_nan=False, allow_infinity=False) | st.lists(st.integers(), max_size=2) | \
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
not_an_integer = st.none() | st.booleans() | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12) | \
    st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.integers(),
                                                          max_size=2)
not_an_object = json_scalars | st.lists(st.integers(), max_size=3)


def nested(depth: int, kind: str = "list") -> str:
    return ("[" * depth + "]" * depth) if kind == "list" else \
        ('{"a": ' * depth + "1" + "}" * depth)


@st.composite
def too_deep(draw: st.DrawFn) -> str:
    """JSON text nested deeper than any real body: past the bot's limit, up to far past
    Python's recursion limit."""
    depth = draw(st.integers(min_value=33, max_value=200) | st.integers(min_value=900,
                                                                          max_value=20_000))
    return nested(depth, draw(st.sampled_from(["list", "object"])))


@st.composite
def not_utf8(draw: st.DrawFn, valid: bytes) -> bytes:
    """`valid` bytes with a sequence that is not UTF-8 put inside a string value (after a
    quote, so the JSON around it stays whole)."""
    quotes = [i + 1 for i, byte in enumerate(valid) if byte == ord('"')] or [0]
    at = draw(st.sampled_from(quotes))
    return valid[:at] + draw(st.sampled_from(NOT_UTF8)) + valid[at:]


def with_repeated_key(document: dict[str, Any], key: str, value: Any) -> bytes:
    """A JSON object that gives `key` a second time, with another value."""
    text = json.dumps(document)
    return (text[:-1] + f", {json.dumps(key)}: {json.dumps(value)}}}").encode()
