"""`/health`, `/ready` and `/metrics`: whether the console is up and can reach its database
(for `engage run` and load balancers), and its Prometheus metrics (bot/metrics.py)."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.responses import JSONResponse, Response

from bot import health as checks
from bot import metrics
from bot.console.pages import Area, Context

area = Area("health")


def _database_url(ctx: Context) -> str:
    return ctx.console.db.kw["bind"].url.render_as_string(hide_password=False)


@area.page("/health", public=True)
def health(ctx: Context) -> Response:
    try:
        with ctx.transaction() as session:
            session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not healthy
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@area.page("/ready", public=True)
def ready(ctx: Context) -> Response:
    state = checks.readiness(_database_url(ctx))
    return JSONResponse(state.as_json(), status_code=200 if state.ready else 503)


@area.page("/metrics", public=True)
def scrape(ctx: Context) -> Response:
    metrics.watch_database(_database_url(ctx))
    reply = metrics.scrape(ctx.request.headers.get("authorization"))
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
