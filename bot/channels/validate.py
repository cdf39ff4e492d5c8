"""Checks on what a webhook receives, before anything is parsed further or stored.

JSON is read only once it is known to be UTF-8 and shallow: Python's parser recurses once per
level, so a body nested a thousand levels deep would raise RecursionError (a 500) instead of
being refused. The nesting is counted first by a linear scan that skips over strings. Keys that
appear twice and the non-standard NaN/Infinity are refused too: different parsers disagree on
what they mean, and no provider sends them.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Far deeper than any Telegram Update (about ten levels) or REST body (one).
MAX_JSON_DEPTH = 32
# A string (its end quote optional, so an unterminated one is skipped in one step, not
# re-scanned from each later quote), an opening bracket (group 1) or a closing one (group 2).
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|([\[{])|([\]}])', re.DOTALL)
# E.164: a plus, a country code (never 0) and at most 15 digits in all. Only ASCII digits:
# `[0-9]`, not `\d`, which would match Arabic-Indic and other digits too.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether some part of this JSON text lies more than `limit` brackets deep."""
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        if token.lastindex == 1:
            depth += 1
            if depth > limit:
                return True
        elif token.lastindex == 2:
            depth -= 1
    return False


class _RepeatedKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _RepeatedKey
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value in a request body. ValueError, with a reason fit for a 400, when it is not
    UTF-8, nested too deep, not JSON, or repeats a key."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("The body must be JSON in UTF-8.") from None
    if nested_deeper_than(text, max_depth):
        raise ValueError(f"The body is JSON nested more than {max_depth} levels deep.")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _RepeatedKey:
        raise ValueError("The body's JSON gives the same key twice.") from None
    except ValueError:
        raise ValueError("The body must be JSON.") from None


def is_phone_number(value: str) -> bool:
    """An E.164 phone number, `+` and digits only: what Twilio sends for a phone."""
    return _E164.fullmatch(value) is not None
