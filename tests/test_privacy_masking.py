"""The masked form of an address, the only form staff see: country code, the first two
digits and the last three; a Telegram chat id its last three. Always some digits hidden."""

from __future__ import annotations

import pytest
from constants import SECRET

from bot.privacy.masking import DOT, HIDDEN_AT_LEAST, mask
from bot.store.db import session_factory, transaction
from bot.store.migrate import upgrade
from bot.store.vault import ContactVault


@pytest.mark.parametrize("channel,address,masked", [
    ("twilio_sms", "+447700900123", "+44 77•• •••123"),
    ("twilio_whatsapp", "whatsapp:+447700900124", "+44 77•• •••124"),
    ("twilio_sms", "+12025550143", "+1 20•• •••143"),
    ("twilio_sms", "+31612345678", "+31 61•• ••678"),
    ("telegram", "123456789", "••••••789"),
    ("telegram", "-1001234567890", "-••••••••••890"),
    ("telegram", "4242", "••••"),
    ("telegram", "not a chat id", "(not shown)"),
    ("twilio_sms", "garbage", "(not shown)"),
])
def test_an_address_is_masked(channel, address, masked):
    assert mask(channel, address) == masked


@pytest.mark.parametrize("address,national", [
    ("+35312345", "12345"), ("+4477", "77"), ("+447700900123", "7700900123"),
    ("+8613800138000", "13800138000")])
def test_a_short_number_keeps_fewer_digits_and_hides_at_least_four(address, national):
    shown = mask("twilio_sms", address)
    assert shown.count(DOT) >= min(HIDDEN_AT_LEAST, len(national))
    assert national not in shown.replace(" ", "")


def test_the_vault_gives_a_contacts_masked_address(tmp_path):
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    with transaction(session_factory(url)) as session:
        vault = ContactVault(session, SECRET)
        name = vault.remember("twilio_sms", "+447700900123")
        assert vault.masked_address(name) == "+44 77•• •••123"
        assert vault.masked_address("p_nobody") is None
