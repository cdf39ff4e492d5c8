"""The audit log (read-only): who did what, and when, with filters. The list of entries is a
fragment of its own, which the page polls so new entries appear without a reload."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from starlette.responses import Response

from bot import audit
from bot.console.pages import Area, Context
from bot.staff.roles import ADMIN, OFFICER

area = Area("audit")
READERS = {ADMIN, OFFICER}
PER_PAGE = 100
# What each action means, in staff words; an action not listed is shown as it is stored.
ACTIONS = {
    "sign-in": "Signed in to the console",
    "sign-in-refused": "Sign-in refused",
    "sign-out": "Signed out",
    "password-change": "Chose a new password",
    "staff-add": "Added a staff account",
    "staff-role": "Changed a role",
    "staff-disable": "Disabled a staff account",
    "staff-enable": "Enabled a staff account",
    "staff-password-reset": "Reset a password",
    "import": "Imported contacts",
    "launch": "Launched a campaign",
    "campaign-save": "Saved a campaign draft",
    "publish": "Published a campaign",
    "close": "Closed a campaign",
    "export": "Exported answers",
    "erase": "Erased a resident's data",
    "purge": "Retention purge",
    "themes-run": "Found the themes of open answers",
    "theme-rename": "Renamed a theme",
    "theme-merge": "Merged themes",
    "theme-split": "Split a theme",
    "theme-tag": "Put answers in a theme",
    "quote-approve": "Approved an answer for quoting",
    "quote-reject": "Rejected an answer for quoting",
    "quote-personal": "Marked an answer as personal",
    "results-publish": "Published the public results page",
    "results-unpublish": "Took the public results page down",
    "follow-up": "Sent \"you said, we did\"",
}


@dataclass(frozen=True)
class Filters:
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    def query(self, **change: object) -> str:
        values = {"action": self.action, "actor": self.actor,
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else "", "page": self.page}
        values.update(change)
        return urlencode({key: value for key, value in values.items() if value not in ("", 1)})


def _date(text: str, label: str, problems: list[str]) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"The '{label}' date must be a date like 2026-11-01.")
        return None


def _filters(ctx: Context) -> tuple[Filters, list[str]]:
    problems: list[str] = []
    page_text = ctx.query("page", "1").strip()
    if not page_text.isdigit() or not 1 <= int(page_text) <= 100_000:
        problems.append("The page number must be a whole number of 1 or more.")
        page_text = "1"
    filters = Filters(action=ctx.query("action").strip()[:32],
                      actor=" ".join(ctx.query("actor").split())[:128],
                      since=_date(ctx.query("from"), "from", problems),
                      until=_date(ctx.query("to"), "to", problems), page=int(page_text))
    if filters.since and filters.until and filters.until < filters.since:
        problems.append("The 'to' date is before the 'from' date.")
    return filters, problems


@dataclass(frozen=True)
class Row:
    at: datetime
    actor: str
    action: str
    subject: str
    details: str


def _details(details: object) -> str:
    if not details:
        return ""
    if isinstance(details, dict):
        return ", ".join(f"{key}: {value if isinstance(value, str) else json.dumps(value)}"
                         for key, value in details.items())
    return json.dumps(details, ensure_ascii=False)


def _entries(ctx: Context, filters: Filters) -> tuple[list[Row], bool, list[str]]:
    with ctx.transaction() as session:
        found = audit.search(
            session, action=filters.action or None, actor=filters.actor or None,
            since=datetime.combine(filters.since, datetime.min.time()) if filters.since else None,
            before=(datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
                    if filters.until else None),
            limit=PER_PAGE + 1, offset=(filters.page - 1) * PER_PAGE)
        rows = [Row(e.at, e.actor, ACTIONS.get(e.action, e.action), e.subject or "",
                    _details(e.details)) for e in found[:PER_PAGE]]
        actions = audit.actions(session)
    return rows, len(found) > PER_PAGE, actions


@area.page("/audit", roles=READERS)
def audit_page(ctx: Context) -> Response:
    filters, problems = _filters(ctx)
    rows, more, actions = _entries(ctx, Filters() if problems else filters)
    choices = [(action, ACTIONS.get(action, action)) for action in actions]
    return ctx.render("audit/log.html", title="Audit log", filters=filters, problems=problems,
                      rows=rows, more=more, choices=choices,
                      poll_seconds=ctx.console.settings.poll_seconds,
                      status=400 if problems else 200)


@area.page("/audit/entries", roles=READERS, fragment=True)
def audit_entries(ctx: Context) -> Response:
    filters, problems = _filters(ctx)
    if problems:
        return Response(status_code=400)
    rows, more, _ = _entries(ctx, filters)
    return ctx.render("audit/_entries.html", title="Audit entries", rows=rows, more=more,
                      filters=filters)
