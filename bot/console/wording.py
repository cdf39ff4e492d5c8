"""The service layer words its errors for the `engage` command ("--channel", "--address");
each console area rewrites those few terminal words into the ones on its own form."""

from __future__ import annotations

from collections.abc import Iterable


def in_console_words(message: str, replacements: Iterable[tuple[str, str]]) -> str:
    """`message` with each (terminal words, form words) replaced, starting with a capital."""
    for cli, words in replacements:
        message = message.replace(cli, words)
    return message[:1].upper() + message[1:]
