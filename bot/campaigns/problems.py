"""A problem found in a campaign file, worded for staff who are not programmers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.errors import CampaignInvalid


@dataclass(frozen=True)
class Problem:
    """One error (the campaign cannot be published) or warning (it can, but should improve).

    `where` is a path into the file with steps and options counted from 1, as staff count them:
    "steps[2].text.cy" is the Welsh text of the second step. `subject` names the step in words.
    """

    level: Literal["error", "warning"]
    line: int | None
    where: str
    message: str
    subject: str = ""
    file: str = ""

    def __str__(self) -> str:
        place = ":".join(part for part in (self.file, str(self.line or "")) if part)
        if not self.file and self.line:
            place = f"line {self.line}"
        about = f"{self.subject}: " if self.subject else ""
        prefix = f"{place}: " if place else ""
        return f"{prefix}{self.level}: {about}{self.message}"


__all__ = ["CampaignInvalid", "Problem"]  # CampaignInvalid: one of bot.errors' family
