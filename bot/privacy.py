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


def vault_cipher(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, b"engage/vault/v1")))
