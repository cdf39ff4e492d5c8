"""The shared webhook checks: the nesting count agrees with the real depth of any JSON (strings
full of brackets, quotes and backslashes included), and phone numbers are E.164 only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.validate import is_phone_number, load_json, nested_deeper_than

TRICKY = st.text(alphabet=st.sampled_from('[]{}"\\\n a\u202e\u0000'), max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=30)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@settings(max_examples=300, derandomize=True, database=None)
@given(JSON, st.integers(min_value=0, max_value=6), st.booleans())
def test_the_nesting_count_is_the_real_depth(value, limit, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert nested_deeper_than(text, limit) == (depth(value) > limit)


def test_a_deep_body_is_refused_before_the_parser_sees_it():
    with pytest.raises(ValueError, match="nested more than 32"):
        load_json(b"[" * 100_000 + b"]" * 100_000)
    assert load_json(b"[" * 32 + b"]" * 32) == json.loads("[" * 32 + "]" * 32)


@pytest.mark.parametrize("raw,reason", [
    (b"\xff{}", "UTF-8"), (b'{"a": 1, "a": 2}', "twice"), (b'{"a": NaN}', "must be JSON"),
    (b'{"a": Infinity}', "must be JSON"), (b"", "must be JSON"), (b'{"a": "', "must be JSON"),
])
def test_what_load_json_refuses(raw, reason):
    with pytest.raises(ValueError, match=reason):
        load_json(raw)


@pytest.mark.parametrize("number,valid", [
    ("+447700900123", True), ("+6834002", True), ("+123456789012345", True),
    ("+1234567890123456", False), ("+012345678", False), ("447700900123", False),
    ("+44770090012\n", False), ("+\u0664\u0664\u0667\u0667\u0660\u0660\u0669", False),
    ("+44 7700900123", False), ("", False), ("+", False),
])
def test_phone_numbers(number, valid):
    assert is_phone_number(number) is valid
