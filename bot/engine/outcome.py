"""What goes into the engine (a reply, some context) and what comes out (an outcome)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.engine.state import ParticipantState

# What a channel may say a message was. Only "text" is read; for anything else the resident is
# told kindly what to send instead, and nothing changes.
REPLY_KINDS = ("text", "photo", "voice", "audio", "video", "document", "sticker", "location",
               "contact", "edited", "empty", "too_long", "invalid")


@dataclass(frozen=True)
class Reply:
    """A resident's message, with Rasa's meta-intent guess (None when there is none), and
    what kind of message the channel saw (see REPLY_KINDS; unknown kinds are not text)."""

    text: str
    intent: str | None = None
    confidence: float = 0.0
    kind: str = "text"


@dataclass(frozen=True)
class Context:
    """Facts from outside the conversation: answer counts so far, for reflect steps
    (step id -> option id -> count), the smallest total that may be shown, and approved
    reasons of other residents to quote."""

    tallies: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    min_count_to_show: int = 5
    # Reflect steps with `quotes`: other residents' approved reasons, already in this
    # resident's language (step id of the reflect -> (option id its author chose, words)),
    # and a number that picks among them, the same for the same resident.
    reasons: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    seed: int = 0


NO_CONTEXT = Context()


@dataclass(frozen=True)
class Answer:
    """An answer to store (only ever produced after consent); skipped answers have value None."""

    step_id: str
    raw: str
    value: Any
    language: str
    skipped: bool = False


class Event(str, Enum):
    CONSENT_GIVEN = "consent_given"
    CONSENT_DECLINED = "consent_declined"
    OPTED_OUT = "opted_out"
    ERASE_REQUESTED = "erase_requested"
    COMPLETED = "completed"
    LANGUAGE_CHANGED = "language_changed"
    RESUBSCRIBED = "resubscribed"  # START after STOP: a fresh state, to be asked consent again
    # Another live campaign's keyword, part-way through this one: asked first (the offer is in
    # the state), then SWITCHED when they say yes: the caller starts that campaign.
    SWITCH_OFFERED = "switch_offered"
    SWITCHED = "switched"
    FOLLOW_UP_YES = "follow_up_yes"  # at the end: yes, tell me later what happened
    FOLLOW_UP_NO = "follow_up_no"


@dataclass
class Outcome:
    """The new state, the messages to send (in order), answers to store, and what happened.

    `buttons` are labels a channel may show under the last message, for the question the
    resident must answer now ("1 Bus", "2 Walk"; "Yes", "No"): sending a label's text back is
    read as that answer. None when there is nothing to tap (free text, rank, the end)."""

    state: ParticipantState
    messages: list[str] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    buttons: list[str] | None = None
