"""The one family of errors staff operations raise. Each message is fit to show staff as it
is (the CLI prints `Error: <message>`, the console shows it on the page), and an operation
that raises one has changed nothing unless its message says otherwise."""

from __future__ import annotations


class StaffError(ValueError):
    """A refusal or mistake to show staff as it is."""


class UnknownCampaign(StaffError, LookupError):
    """No campaign has been published with this id."""

    def __init__(self, slug: str, message: str | None = None) -> None:
        self.slug = slug
        super().__init__(message or f"No campaign called '{slug}' has been published. "
                                    "See `engage campaign list`.")


class CannotWrite(StaffError):
    """A file staff asked for (an export, a report) cannot be written where they said."""
