"""Shared by every connector: keep the address in the vault, hand Rasa only the pseudonym."""

from __future__ import annotations

from functools import lru_cache

from bot import config
from bot.store.db import session_factory, transaction
from bot.store.vault import ContactVault


@lru_cache(maxsize=1)
def _secret() -> str:
    return config.load().require_secret()


def pseudonymise(channel: str, address: str) -> str:
    with transaction(session_factory(config.database_url())) as session:
        return ContactVault(session, _secret()).remember(channel, address)
