"""What simulated residents say: a campaign run-through for our bot, small talk for the stock bot.

A script is one conversation: it picks the next message from the replies so far and says when the
conversation is over. Scripts do no I/O, so the load driver can time only the HTTP round trip.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Protocol

import yaml

MAX_TURNS = 25
STOCK_MESSAGES = ("hi", "I am sad", "yes", "great", "bye")


class Script(Protocol):
    def next_message(self) -> str | None:
        """The next thing to text, or None when this conversation is over."""

    def observe(self, replies: list[str]) -> None:
        """Take in the bot's replies to the last message."""


def loose(text: str) -> str:
    """Lower-case letters and digits only: the bot may normalise quotes, dashes and spacing."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[^\w]+", " ", text).strip()


@dataclass(frozen=True)
class CampaignInfo:
    path: Path
    slug: str
    keyword: str
    thanks: str
    steps: int

    @classmethod
    def load(cls, path: Path) -> CampaignInfo:
        """Read only what the resident needs; the bot's own loader validates the rest."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(path=path, slug=str(data["id"]), keyword=str(data["keywords"][0]),
                   thanks=str(data["thanks"]["en"]), steps=len(data.get("steps") or []))

    def expected_turns(self) -> int:
        """Keyword, language, consent, then one answer per step, "why?" follow-ups ignored."""
        return min(MAX_TURNS, 3 + self.steps)

    def is_thanks(self, replies: list[str]) -> bool:
        wanted = loose(self.thanks)[:60]
        return bool(wanted) and wanted in loose(" ".join(replies))


@dataclass
class CampaignResident:
    """Keyword, `1` (English), `YES` (consent), then `1` to everything until the thanks."""

    campaign: CampaignInfo
    max_turns: int = MAX_TURNS
    sent: int = 0
    finished: bool = False

    def next_message(self) -> str | None:
        if self.finished or self.sent >= self.max_turns:
            return None
        message = {0: self.campaign.keyword, 1: "1", 2: "YES"}.get(self.sent, "1")
        self.sent += 1
        return message

    def observe(self, replies: list[str]) -> None:
        self.finished = self.campaign.is_thanks(replies)


@dataclass
class SmallTalkResident:
    """The stock bot knows greet/mood/affirm/goodbye; it gets exactly `turns` messages."""

    turns: int
    sent: int = 0
    _messages: cycle = field(default_factory=lambda: cycle(STOCK_MESSAGES))

    def next_message(self) -> str | None:
        if self.sent >= self.turns:
            return None
        self.sent += 1
        return next(self._messages)

    def observe(self, replies: list[str]) -> None:
        pass

    @property
    def finished(self) -> bool:
        return self.sent >= self.turns
