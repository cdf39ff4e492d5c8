"""Shared by every connector: keep the address in the vault, hand Rasa only the pseudonym.

Known pseudonyms are remembered briefly so a busy conversation does not cost a database
round trip per message; an erasure in this process forgets at once, one elsewhere (staff,
`engage erase`) within KNOWN_FOR_SECONDS.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from functools import lru_cache

from bot import config
from bot.store.db import session_factory, transaction
from bot.store.vault import ContactVault

KNOWN_FOR_SECONDS = 30.0
KNOWN_MAX = 50_000
_known: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()


@lru_cache(maxsize=1)
def _secret() -> str:
    return config.load().require_secret()


def pseudonymise(channel: str, address: str) -> str:
    key, now = (channel, address), time.monotonic()
    hit = _known.get(key)
    if hit is not None and now - hit[0] < KNOWN_FOR_SECONDS:
        return hit[1]
    with transaction(session_factory(config.database_url())) as session:
        name = ContactVault(session, _secret()).remember(channel, address)
    _known[key] = (now, name)
    _known.move_to_end(key)
    while len(_known) > KNOWN_MAX:
        _known.popitem(last=False)
    return name


def forget_pseudonym(name: str) -> None:
    """After an erasure the vault entry is gone: the next message must store it again."""
    for key in [k for k, (_, known) in _known.items() if known == name]:
        del _known[key]
