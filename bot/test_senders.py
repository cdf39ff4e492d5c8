"""Throwaway senders for the console's "Try it": staff talk to the real bot as a resident
would, and nothing they say counts as a resident's.

The console sends to the REST channel as `console-test:<tag>` (a random tag, never a person's
address). Such a sender gets the pseudonym `test-<tag>` instead of a keyed hash, so the console
can find everything the bot stored for it (participation, answers, tracker events, vault
entry) without holding the secret key, and every participation it makes is marked `is_test`.
A real pseudonym is a hex digest, so the two can never meet.
"""

from __future__ import annotations

import re

TEST_SENDER_PREFIX = "console-test:"
TEST_PSEUDONYM_PREFIX = "test-"
TAG = re.compile(r"^[A-Za-z0-9_-]{16,48}$")


def is_test_sender(channel: str, address: str) -> bool:
    """A console test sender on the REST channel (the only channel staff can type into)."""
    return channel == "rest" and address.startswith(TEST_SENDER_PREFIX) and \
        bool(TAG.match(address[len(TEST_SENDER_PREFIX):]))


def sender_for(tag: str) -> str:
    if not TAG.match(tag):
        raise ValueError("a test tag is 16 to 48 letters, digits, '-' or '_'")
    return TEST_SENDER_PREFIX + tag


def pseudonym_for(tag: str) -> str:
    if not TAG.match(tag):
        raise ValueError("a test tag is 16 to 48 letters, digits, '-' or '_'")
    return TEST_PSEUDONYM_PREFIX + tag


def pseudonym_of_sender(address: str) -> str:
    """The pseudonym of a test sender (check `is_test_sender` first)."""
    return pseudonym_for(address[len(TEST_SENDER_PREFIX):])


def is_test_pseudonym(name: str | None) -> bool:
    return bool(name) and name.startswith(TEST_PSEUDONYM_PREFIX)
