"""The three staff roles and what each is for, in the words staff see.

A role is a plain string in the database; pages declare which roles may use them
(bot/console/pages.py), so what a role may do is written beside each route.
"""

from __future__ import annotations

from bot.staff import StaffError

ADMIN, OFFICER, VIEWER = "admin", "officer", "viewer"
ROLES = (ADMIN, OFFICER, VIEWER)
EVERYONE = frozenset(ROLES)

LABELS = {ADMIN: "Administrator", OFFICER: "Engagement officer", VIEWER: "Viewer"}
DESCRIPTIONS = {
    ADMIN: "manages staff accounts and settings, and reads the audit log",
    OFFICER: "runs campaigns: contacts, launches, exports and erasure requests",
    VIEWER: "reads results and reports only: no contacts, no exports of free text",
}


def check_role(role: str) -> str:
    """The role, lower-cased, or a StaffError naming the roles there are."""
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise StaffError(f"'{role}' is not a role. Choose one of: {', '.join(ROLES)}.")
    return value
