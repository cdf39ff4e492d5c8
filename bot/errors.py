"""The one family of errors staff operations raise.

Each message is fit to show staff as it is: the CLI prints `Error: <message>` and exits 1, the
console shows it on the page. An operation that raises one has changed nothing, unless its
message says otherwise (QueueUnreachable: the invitations are saved). Front ends catch
StaffError; the subclasses say what kind of refusal it is, for those who need to know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.campaigns.problems import Problem


class StaffError(ValueError):
    """A refusal or mistake to show staff as it is."""


class UnknownCampaign(StaffError, LookupError):
    """No campaign has been published with this id."""

    def __init__(self, slug: str, message: str | None = None) -> None:
        self.slug = slug
        super().__init__(message or f"No campaign called '{slug}' has been published. "
                                    "See `engage campaign list`.")


class CampaignInvalid(StaffError):
    """The campaign has errors; `problems` lists every one of them with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.level == "error"]
        super().__init__("\n".join(str(p) for p in errors) or "the campaign is not valid")


class NoSuchFile(StaffError):
    """A file staff named is not there."""


class CannotWrite(StaffError):
    """A file staff asked for (an export, a report) cannot be written where they said."""


class NoSecret(StaffError):
    """The operation needs the secret key (ENGAGE_SECRET_KEY) and none is configured."""


class LaunchError(StaffError):
    """A mistake in what staff asked a launch to do; the message says what to do."""


class QueueUnreachable(StaffError):
    """The invitations are stored but the task queue could not take them (the worker's
    minute-by-minute sweep will still find them)."""


class ImportProblem(StaffError):
    """A mistake that stops a whole contacts import (nothing is stored)."""


class NoPopulation(StaffError, LookupError):
    """The campaign declares no target population, so there is nothing to compare with."""


class BadRequest(StaffError):
    """A value staff typed (a date, a number) cannot be read; the message shows the form."""


class KeyRefused(StaffError):
    """A secret-key rotation refused before changing anything: the same key twice, a key too
    short, a key that does not open the vault, or a stack still running."""
