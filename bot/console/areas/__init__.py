"""The console's areas of work, one module each, and the menu that links them.

To add an area: write `areas/<name>.py` with `area = Area("<name>")` and its pages (see
bot/console/pages.py), add the module to AREAS, and mark its NAV item ready (or add one).
tests/console/test_route_roles.py then asks for a row per new route and role.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.console.areas import (
    account,
    audit_log,
    campaigns,
    contacts,
    data_rights,
    follow_ups,
    health,
    home,
    launches,
    publishing,
    quotes,
    results,
    sharing,
    staff,
    themes,
    try_it,
)
from bot.staff.roles import ADMIN, EVERYONE, OFFICER

AREAS = [health, account, home, campaigns, try_it, staff, audit_log, sharing, themes, quotes,
         publishing, follow_ups, launches, data_rights, contacts, results]


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[str]
    summary: str  # what staff do there, for the home page
    ready: bool = False  # False: shown on the home page as coming soon, not in the menu


OFFICERS = frozenset({OFFICER})
NAV = [
    NavItem("Home", "/", EVERYONE, "Where to start.", ready=True),
    NavItem("Campaigns", "/campaigns", OFFICERS,
            "Upload and check campaign files, preview every message, try them as a resident, "
            "publish and close.", ready=True),
    NavItem("Contacts", "/contacts", frozenset({ADMIN, OFFICER}),
            "Import lists of residents who agreed to be contacted, see the contact groups "
            "and who opted out.", ready=True),
    NavItem("Launches", "/launches", frozenset({ADMIN, OFFICER}),
            "Invite residents to a campaign and watch the invitations go out.", ready=True),
    NavItem("Results", "/results", EVERYONE,
            "Figures for each question, who took part, and printable reports.", ready=True),
    NavItem("Sharing results", "/sharing", EVERYONE,
            "Themes of open answers, quotes to approve, the public results page, and "
            "\"you said, we did\" messages.", ready=True),
    NavItem("Data rights", "/data-rights", frozenset({ADMIN, OFFICER}),
            "Erase everything held about a resident who asks; see how long answers are "
            "kept and what the retention purge would delete.", ready=True),
    NavItem("Staff accounts", "/staff", frozenset({ADMIN}),
            "Add staff, choose their roles, reset passwords, disable accounts.", ready=True),
    NavItem("Audit log", "/audit", frozenset({ADMIN, OFFICER}),
            "Who did what, and when.", ready=True),
]
