"""Passwords: scrypt with a salt per hash and its cost stored beside it; one-time passwords."""

from __future__ import annotations

import re

import pytest

from bot.staff import StaffError
from bot.staff.passwords import (
    ScryptCost,
    check_new_password,
    hash_password,
    needs_rehash,
    one_time_password,
    verify_password,
)

CHEAP = ScryptCost(n=2**10, r=8, p=1)


def test_hash_stores_scheme_cost_and_salt_and_verifies():
    stored = hash_password("tulip garden bicycle", CHEAP)
    scheme, params, salt, digest = stored.split("$")
    assert (scheme, params) == ("scrypt", "n=1024,r=8,p=1")
    assert salt and digest and "tulip" not in stored
    assert verify_password("tulip garden bicycle", stored)
    assert not verify_password("tulip garden bicycle ", stored)
    assert not verify_password("", stored)


def test_each_hash_has_its_own_salt():
    first, second = hash_password("same password!", CHEAP), hash_password("same password!", CHEAP)
    assert first != second
    assert first.split("$")[2] != second.split("$")[2]


def test_default_cost_is_memory_hard():
    stored = hash_password("tulip garden bicycle")
    assert stored.split("$")[1] == "n=32768,r=8,p=1"  # 32 MiB per hash


def test_the_same_password_typed_in_another_normal_form_matches():
    stored = hash_password("caf\u00e9 au lait 12", CHEAP)  # é as one character
    assert verify_password("cafe\u0301 au lait 12", stored)  # e + combining accent


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$n=1000,r=8,p=1$AAAA$AAAA",
                                    "md5$n=1024,r=8,p=1$AAAA$AAAA", "scrypt$x$y$z"])
def test_malformed_stored_hashes_match_nothing(stored):
    assert not verify_password("anything at all", stored)


def test_cheaper_hashes_are_marked_for_rehash():
    assert needs_rehash(hash_password("tulip garden bicycle", CHEAP))
    assert not needs_rehash(hash_password("tulip garden bicycle"))


def test_one_time_passwords_are_readable_and_different():
    passwords = {one_time_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert re.fullmatch(r"[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}", password)


@pytest.mark.parametrize("new, repeated, message", [
    ("short one", "short one", "at least 12"),
    ("a long staff password", "a long staff passwort", "not the same"),
    ("sam@council.example", "sam@council.example", "not your email"),
    ("aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "more different characters"),
    ("x" * 300, "x" * 300, "at most 256"),
])
def test_weak_new_passwords_are_refused_in_plain_words(new, repeated, message):
    with pytest.raises(StaffError, match=message):
        check_new_password(new, repeated, "sam@council.example")
