"""A token bucket per channel, so a campaign launch never exceeds what the provider accepts.

Twilio queues (and eventually fails) what a sender exceeds; Telegram answers 429. Staying under
the rate costs nothing and keeps retries for real faults.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

DEFAULT_RATES = {"twilio_sms": 10.0, "twilio_whatsapp": 10.0, "telegram": 25.0}
RATE_ENV = {"twilio_sms": "ENGAGE_RATE_SMS", "twilio_whatsapp": "ENGAGE_RATE_WHATSAPP",
            "telegram": "ENGAGE_RATE_TELEGRAM"}


class TokenBucket:
    """`rate` sends per second, at most `burst` at once (default 1: evenly spaced sends)."""

    def __init__(self, rate: float, burst: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.burst, self.clock = rate, max(burst, 1.0), clock
        self._tokens = self.burst
        self._updated = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait for a token. Waiters are served in turn (the lock is fair)."""
        async with self._lock:
            self._refill()
            while self._tokens < 1.0:
                await asyncio.sleep((1.0 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1.0


def rates_from_env(env: Mapping[str, str]) -> dict[str, float]:
    """Messages per second per channel: ENGAGE_RATE_SMS, _WHATSAPP, _TELEGRAM."""
    return {channel: float(env.get(RATE_ENV[channel]) or default)
            for channel, default in DEFAULT_RATES.items()}
