"""Personal details residents type into open answers: phone numbers, email addresses and full
postcodes. Reports and quotes show the answer with them masked; exports mask them too and
say, per answer, what was found.

Answers are promised to be anonymous, and a report or a spreadsheet travels further than the
database: a phone number typed into "Why is that?" is exactly what the contact vault exists
to keep out of sight. The stored answer is left as it was (erasure and retention still apply).

- Phone numbers: UK and international, with the `phonenumbers` matcher (numbers written
  without +country are read as UK ones), and any other run of 9 or more digits that starts with 0 or +.
- Email addresses.
- Full UK postcodes ("CF10 1AB", "cf101ab"): the district is kept ("CF10"), the rest masked,
  so an answer still says roughly where, as the reach report does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

PHONE = "phone number"
EMAIL = "email address"
POSTCODE = "full postcode"
MASKS = {PHONE: "[phone number removed]", EMAIL: "[email address removed]",
         POSTCODE: "[rest of postcode removed]"}
REGION = "GB"  # numbers written without +country are read as UK numbers

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})"
                       r"(?![A-Za-z0-9])")
_DIGITS = re.compile(r"(?<![\w+])(?:\+|0)(?:[\s.\-()]{0,2}\d){8,}(?![\w])")
LONG_NUMBER = 10  # digits: a possible (not valid) number this long is still a phone number


@dataclass(frozen=True)
class Screened:
    """An answer with personal details masked, and the kinds found (in staff words)."""

    text: str
    found: tuple[str, ...] = ()


def _phone_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, REGION,
                                                 leniency=phonenumbers.Leniency.POSSIBLE):
        digits = sum(char.isdigit() for char in match.raw_string)
        if phonenumbers.is_valid_number(match.number) or digits >= LONG_NUMBER:
            spans.append((match.start, match.end))
    spans += [(found.start(), found.end()) for found in _DIGITS.finditer(text)]
    return spans


def screen(text: str) -> Screened:
    """The answer with every phone number, email address and full postcode masked."""
    found: list[str] = []

    def mask_email(match: re.Match) -> str:
        found.append(EMAIL)
        return MASKS[EMAIL]

    masked = _EMAIL.sub(mask_email, text)
    spans = sorted(_phone_spans(masked))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        masked = masked[:start] + MASKS[PHONE] + masked[end:]
        found.append(PHONE)

    def mask_postcode(match: re.Match) -> str:
        found.append(POSTCODE)
        return f"{match.group(1).upper()} {MASKS[POSTCODE]}"

    masked = _POSTCODE.sub(mask_postcode, masked)
    return Screened(masked, tuple(kind for kind in MASKS if kind in found))


# -- names: flagged for the moderation queue (never masked automatically: too uncertain) ---

NAME = "name"
_TITLES = r"(?:mr|mrs|ms|miss|dr|doctor|nurse|sister|pan|pani|dr\.|mr\.|mrs\.|ms\.)"
_NAMED = re.compile(
    r"(?:\b(?i:my name is|i am called|i'm called|call me|ask for|speak to|talk to|ring|"
    r"mae fy enw|nazywam si[eę]|mam na imi[eę]|numele meu este|ma numesc|mă numesc)\s+"
    r"([A-ZÀ-Ž][\w'-]+))"
    rf"|(?:\b(?i:{_TITLES})\s+([A-ZÀ-Ž][\w'-]+))", re.UNICODE)
# Common first names among the communities the example campaigns reach; a capitalised one
# anywhere in an answer is flagged for a person to look at.
FIRST_NAMES = frozenset("""
john david michael james robert paul mark peter andrew steven richard thomas daniel chris sam
mary sarah susan karen lisa emma jane helen claire rachel rebecca laura emily sophie
dafydd rhys gareth dylan ioan owain sion bethan cerys ffion siân sian nia angharad eleri
piotr tomasz krzysztof pawel paweł marek anna katarzyna agnieszka magdalena joanna ewa
mohammed muhammad ahmed ali omar hassan youssef fatima aisha mariam zainab layla noor
ion andrei mihai gheorghe vasile elena maria ioana ana mihaela
""".split())


def find_names(text: str) -> list[str]:
    """Words that look like a person's name: after "my name is", "Dr", "nurse"..., or a
    common first name written with a capital. For a person to check, not proof."""
    found = [match.group(1) or match.group(2) for match in _NAMED.finditer(text)]
    for word in re.findall(r"\b[A-ZÀ-Ž][a-zà-ž'-]+\b", text):
        if word.casefold() in FIRST_NAMES and word not in found:
            found.append(word)
    return [name for name in found if name]


def review_flags(text: str) -> tuple[str, ...]:
    """What a moderator is warned about before approving an answer for quoting: phone
    numbers, email addresses, full postcodes and names."""
    kinds = list(screen(text).found)
    if find_names(text):
        kinds.append(NAME)
    return tuple(kinds)
