"""Staff accounts for the console: who may sign in, with which role, and their sessions.

One service layer for both front ends (`engage staff ...` and the console): functions take a
SQLAlchemy session and return plain data; mistakes raise StaffError with a message fit to show
staff as it is. Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

# The one family of staff errors, e.g. "That email address already has an account."
from bot.errors import StaffError

__all__ = ["StaffError"]
