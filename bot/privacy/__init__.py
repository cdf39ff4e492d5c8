"""Pseudonyms and the encryption key for the contact vault, both derived from one secret.

Rasa, the responses and the exports only ever see the pseudonym: a keyed hash of channel and
address. Without the secret a pseudonym cannot be linked back to a phone number or chat id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet

PSEUDONYM_PREFIX = "p_"


def _derive(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def normalise_address(channel: str, address: str) -> str:
    """One spelling per address, so '+44 7700 900123' and '+447700900123' share a pseudonym."""
    address = address.strip()
    if channel in {"sms", "whatsapp", "twilio_sms", "twilio_whatsapp"}:
        address = address.removeprefix("whatsapp:").replace(" ", "").replace("-", "")
    return address


def pseudonym(secret: str, channel: str, address: str) -> str:
    key = _derive(secret, b"engage/pseudonym/v1")
    message = f"{channel}:{normalise_address(channel, address)}".encode()
    return PSEUDONYM_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def normalise_username(username: str) -> str:
    """One spelling per Telegram username: Telegram ignores case, and people write the @."""
    return username.strip().removeprefix("@").strip().lower()


def handle_digest(secret: str, username: str) -> str:
    """A keyed hash of a Telegram @username, kept beside the contact so staff can erase someone
    by the name they know them by, without the name itself ever being stored. Its own key, so
    it can never equal a pseudonym."""
    key = _derive(secret, b"engage/telegram-username/v1")
    return hmac.new(key, normalise_username(username).encode(), hashlib.sha256).hexdigest()


def vault_cipher(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, b"engage/vault/v1")))
