"""Where one resident is in one campaign: small, JSON-safe, rebuilt exactly from its dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal


class Phase(str, Enum):
    CHOOSING_LANGUAGE = "choosing_language"
    AWAITING_CONSENT = "awaiting_consent"
    IN_STEP = "in_step"
    AWAITING_WHY = "awaiting_why"
    # Finished, and asked the one question apart from consent: hear what happened later?
    AWAITING_FOLLOW_UP = "awaiting_follow_up"
    COMPLETED = "completed"
    DECLINED = "declined"
    OPTED_OUT = "opted_out"
    ERASED = "erased"


IN_PROGRESS = (Phase.CHOOSING_LANGUAGE, Phase.AWAITING_CONSENT, Phase.IN_STEP, Phase.AWAITING_WHY)
CONSENTED_PHASES = (Phase.IN_STEP, Phase.AWAITING_WHY, Phase.AWAITING_FOLLOW_UP,
                    Phase.COMPLETED)
FINISHED_PHASES = (Phase.AWAITING_FOLLOW_UP, Phase.COMPLETED)
# Part-way through, after consent: another campaign's keyword here is asked about first.
ASKS_BEFORE_SWITCHING = (Phase.IN_STEP, Phase.AWAITING_WHY)


@dataclass
class ParticipantState:
    """The conversation so far. `answers` maps step id -> value (None = skipped);
    a why follow-up is stored under "<step>.why". `consent_given` remembers consent after
    an opt-out, so a withdrawal can be told apart from never having agreed."""

    phase: Phase
    language: str
    language_chosen: bool = False
    step_id: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    detail_shown: bool = False
    misunderstood: int = 0
    consent_given: bool = False
    # Asked once whether to go on in the language their long answer was written in.
    language_offered: bool = False
    # Another live campaign's keyword (as typed, "PARKS"), sent part-way through this one:
    # they were asked whether to start it and have not answered yet. None otherwise.
    switch_offered: str | None = None

    @property
    def consent(self) -> Literal["none", "given", "declined", "withdrawn"]:
        if self.phase is Phase.DECLINED:
            return "declined"
        if not self.consent_given:
            return "none"
        if self.phase in (Phase.OPTED_OUT, Phase.ERASED):
            return "withdrawn"
        return "given"

    @property
    def status(self) -> Literal["in_progress", "completed", "opted_out", "declined"]:
        if self.phase in FINISHED_PHASES:
            return "completed"
        if self.phase is Phase.DECLINED:
            return "declined"
        if self.phase in (Phase.OPTED_OUT, Phase.ERASED):
            return "opted_out"
        return "in_progress"

    def copy(self) -> ParticipantState:
        """An independent copy (answers included), so the engine never changes its input."""
        return ParticipantState.from_dict(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase.value,
            "language": self.language,
            "language_chosen": self.language_chosen,
            "language_offered": self.language_offered,
            "switch_offered": self.switch_offered,
            "step_id": self.step_id,
            "answers": {key: list(v) if isinstance(v, (list, tuple)) else v
                        for key, v in self.answers.items()},
            "detail_shown": self.detail_shown,
            "misunderstood": self.misunderstood,
            "consent_given": self.consent_given,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParticipantState:
        phase = Phase(data["phase"])
        return cls(
            phase=phase,
            language=str(data["language"]),
            language_chosen=bool(data.get("language_chosen", False)),
            language_offered=bool(data.get("language_offered", False)),
            switch_offered=str(data["switch_offered"]) if data.get("switch_offered") else None,
            step_id=data.get("step_id"),
            answers={str(key): list(v) if isinstance(v, (list, tuple)) else v
                     for key, v in (data.get("answers") or {}).items()},
            detail_shown=bool(data.get("detail_shown", False)),
            misunderstood=int(data.get("misunderstood", 0)),
            consent_given=bool(data.get("consent_given", phase in CONSENTED_PHASES)),
        )
