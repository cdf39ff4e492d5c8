"""Shared by every connector: keep the address in the vault, hand Rasa only the pseudonym.

Known pseudonyms are remembered briefly so a busy conversation does not cost a database
round trip per message; an erasure in this process forgets at once, one elsewhere (staff,
`engage erase`) within KNOWN_FOR_SECONDS.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from sqlalchemy.orm import sessionmaker

from bot import bootstrap
from bot.store.db import transaction
from bot.store.vault import ContactVault

KNOWN_FOR_SECONDS = 30.0
KNOWN_MAX = 50_000


class Pseudonymiser:
    """Vaults addresses on one database with one key, remembering recent answers."""

    def __init__(self, factory: sessionmaker, secret: str) -> None:
        self.factory, self.secret = factory, secret
        self.known: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()

    def __call__(self, channel: str, address: str) -> str:
        key, now = (channel, address), time.monotonic()
        hit = self.known.get(key)
        if hit is not None and now - hit[0] < KNOWN_FOR_SECONDS:
            return hit[1]
        with transaction(self.factory) as session:
            name = ContactVault(session, self.secret).remember(channel, address)
        self.known[key] = (now, name)
        self.known.move_to_end(key)
        while len(self.known) > KNOWN_MAX:
            self.known.popitem(last=False)
        return name

    def forget(self, name: str) -> None:
        for key in [k for k, (_, known) in self.known.items() if known == name]:
            del self.known[key]


def pseudonymise(channel: str, address: str) -> str:
    """The pseudonym of `address` on `channel`, its address kept in the vault."""
    return bootstrap.shared("pseudonyms",
                            lambda: Pseudonymiser(bootstrap.sessions(), bootstrap.secret()),
                            with_secret=True)(channel, address)


def forget_pseudonym(name: str) -> None:
    """After an erasure the vault entry is gone: the next message must store it again."""
    for pseudonymiser in bootstrap.each("pseudonyms"):
        pseudonymiser.forget(name)
