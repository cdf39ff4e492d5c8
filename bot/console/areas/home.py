"""The home page: what this member can do, and what to do next."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.pages import Area, Context
from bot.staff.roles import ADMIN, DESCRIPTIONS, EVERYONE, OFFICER, VIEWER

area = Area("home", notices={"password-changed": "Your new password is saved."})

NEXT_STEP = {
    ADMIN: "Add an account for each member of the team in Staff accounts, with the role "
           "their work needs.",
    OFFICER: "Open Campaigns to upload a campaign file, preview its messages and try it as "
             "a resident; import residents in Contacts, invite them in Launches, follow the "
             "answers and download them in Results.",
    VIEWER: "Open Results to follow each campaign's figures as answers arrive and to print "
            "its report. For a download of the answers, ask an engagement officer.",
}


@area.page("/", roles=EVERYONE)
def home(ctx: Context) -> Response:
    role = ctx.staff.member.role
    areas = [item for item in ctx.console.nav if role in item.roles and item.path != "/"]
    return ctx.render("home.html", title="Home", next_step=NEXT_STEP[role],
                      role_does=DESCRIPTIONS[role], areas=areas)
