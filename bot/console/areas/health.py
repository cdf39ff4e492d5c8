"""`/health`: whether the console is up and can reach its database (for `engage run`)."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.responses import JSONResponse, Response

from bot.console.pages import Area, Context

area = Area("health")


@area.page("/health", public=True)
def health(ctx: Context) -> Response:
    try:
        with ctx.transaction() as session:
            session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not healthy
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})
