"""The load driver: N residents in one asyncio loop, each texting as fast as the bot answers.

Closed loop, no think time: every resident waits for the reply before sending again, as a phone
would, so concurrency equals the number of residents. Only the HTTP round trip is timed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from bench.machine import usable_cpus
from bench.residents import Script
from bench.stats import summarise

# (resident index, conversation index) -> that conversation's script, or None: no more for them.
ScriptFactory = Callable[[int, int], Script | None]
REQUEST_TIMEOUT = 30.0


@dataclass
class PhaseResult:
    """Raw figures of one measured phase; `summary()` turns them into what the report shows."""

    residents: int
    wall_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    by_turn_ms: dict[int, list[float]] = field(default_factory=dict)  # turn number -> latencies
    turns: dict[int, list[int]] = field(default_factory=dict)  # resident -> turns per conversation
    conversations: int = 0
    finished: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    hit_time_limit: bool = False
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)  # process name -> py-spy output

    def summary(self) -> dict[str, object]:
        turns = len(self.latencies_ms)
        capacity = self.wall_seconds * usable_cpus()
        return {
            "residents": self.residents,
            "conversations": self.conversations,
            "conversations_finished": self.finished,
            "turns": turns,
            "wall_seconds": round(self.wall_seconds, 3),
            "messages_per_second": round(turns / self.wall_seconds, 1) if self.wall_seconds else 0.0,
            "latency_ms": summarise(self.latencies_ms),
            "latency_by_turn_ms": {turn: summarise(values)
                                   for turn, values in sorted(self.by_turn_ms.items())},
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "hit_time_limit": self.hit_time_limit,
            "cpu_seconds": self.cpu_seconds,
            "machine_busy_percent": round(100 * sum(self.cpu_seconds.values()) / capacity, 1)
            if capacity else None,
            "profiles": self.profiles,
            "cpu_ms_per_message": {name: round(1000 * s / turns, 2) if turns else None
                                   for name, s in self.cpu_seconds.items()},
        }


class Endpoint:
    """One REST webhook. By default every message opens its own connection, as an SMS
    provider's webhook calls arrive: kept-alive connections from one client pin every resident
    to whichever server worker accepted first, which hides or fakes multi-worker gains."""

    def __init__(self, url: str, residents: int, keep_alive: bool = False) -> None:
        self.url = url
        self.residents = residents
        self.keep_alive = keep_alive
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Endpoint:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.residents + 1,
                                           force_close=not self.keep_alive),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            headers={"Content-Type": "application/json"})
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.session is not None
        await self.session.close()

    async def say(self, sender: str, message: str) -> tuple[list[str] | None, str | None]:
        """(reply texts, None) or (None, what went wrong)."""
        assert self.session is not None
        body = json.dumps({"sender": sender, "message": message}).encode()
        try:
            async with self.session.post(self.url, data=body) as reply:
                raw = await reply.read()
                if reply.status != 200:
                    return None, f"HTTP {reply.status}"
        except asyncio.TimeoutError:
            return None, "timeout"
        except aiohttp.ClientError as error:
            return None, type(error).__name__
        try:
            texts = [str(m["text"]) for m in json.loads(raw) if m.get("text")]
        except (ValueError, TypeError, KeyError, AttributeError):
            return None, "malformed reply"
        return (texts, None) if texts else (None, "empty reply")


async def _resident(endpoint: Endpoint, index: int, conversations: int, factory: ScriptFactory,
                    prefix: str, deadline: float, result: PhaseResult) -> None:
    done = result.turns.setdefault(index, [])
    for number in range(conversations):
        script = factory(index, number)
        if script is None:
            return
        if time.monotonic() >= deadline:
            result.hit_time_limit = True
            return
        sender, turns = f"{prefix}-r{index}-c{number}", 0
        result.conversations += 1
        while (message := script.next_message()) is not None:
            if time.monotonic() >= deadline:
                result.hit_time_limit = True
                break
            started = time.perf_counter()
            replies, error = await endpoint.say(sender, message)
            elapsed = (time.perf_counter() - started) * 1000
            if error:  # the conversation's state is unknown now: start a fresh one
                result.errors[error] += 1
                break
            result.latencies_ms.append(elapsed)
            turns += 1
            result.by_turn_ms.setdefault(turns, []).append(elapsed)
            script.observe(replies or [])
        done.append(turns)
        result.finished += bool(getattr(script, "finished", False))


async def drive(url: str, residents: int, conversations: int, factory: ScriptFactory,
                prefix: str, time_limit: float, keep_alive: bool = False) -> PhaseResult:
    """Run every resident's conversations; stop starting turns once `time_limit` has passed."""
    result = PhaseResult(residents=residents)
    async with Endpoint(url, residents, keep_alive) as endpoint:
        started = time.perf_counter()
        deadline = time.monotonic() + time_limit
        await asyncio.gather(*(
            _resident(endpoint, index, conversations, factory, prefix, deadline, result)
            for index in range(residents)))
        result.wall_seconds = time.perf_counter() - started
    return result
