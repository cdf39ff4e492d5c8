"""Personal details in open answers: what is masked, what is kept, and what is left alone."""

from __future__ import annotations

import pytest

from bot.privacy.screen import EMAIL, PHONE, POSTCODE, screen


@pytest.mark.parametrize("text,masked,found", [
    ("call me on 07700 900123 please", "call me on [phone number removed] please", (PHONE,)),
    ("ring 07912345678", "ring [phone number removed]", (PHONE,)),
    ("my number is 029 2087 2087", "my number is [phone number removed]", (PHONE,)),
    ("+48 601 234 567 to mój numer", "[phone number removed] to mój numer", (PHONE,)),
    ("tel 0044 7911 123456", "tel [phone number removed]", (PHONE,)),
    ("+1 (202) 555-0143", "[phone number removed]", (PHONE,)),
    ("0 7 7 0 0 9 0 0 1 2 3", "[phone number removed]", (PHONE,)),
    ("mail sam.smith+x@example.co.uk", "mail [email address removed]", (EMAIL,)),
    ("I live at CF10 1AB", "I live at CF10 [rest of postcode removed]", (POSTCODE,)),
    ("cf101ab", "CF10 [rest of postcode removed]", (POSTCODE,)),
    ("SW1A 1AA, 020 7946 0018", "SW1A [rest of postcode removed], [phone number removed]",
     (PHONE, POSTCODE)),
])
def test_personal_details_are_masked(text, masked, found):
    assert screen(text).text == masked
    assert screen(text).found == found


@pytest.mark.parametrize("text", [
    "I pay 2000 a year", "bus 42 at 7pm, every 15 minutes", "years 2019 2020 2021",
    "CF10", "I live in CF10", "Open until 7pm on weekdays", "£1,500,000 on roads", "",
])
def test_ordinary_answers_are_left_alone(text):
    assert screen(text).text == text and screen(text).found == ()
