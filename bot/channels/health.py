"""`/health`, `/ready` and `/metrics` on the Rasa server, for load balancers and Prometheus.

Rasa mounts an input channel's routes under `/webhooks/<name>/`; these three belong at the
server's root, where every other process has them, so the channel adds them to the Sanic app
Rasa is building when it asks for the blueprint (they stay under `/webhooks/health/` too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import config, health, metrics


async def alive(_: Request) -> HTTPResponse:
    return response.json(health.ALIVE)


async def ready(_: Request) -> HTTPResponse:
    state = await asyncio.to_thread(health.readiness, config.database_url())
    return response.json(state.as_json(), status=200 if state.ready else 503)


async def scrape(request: Request) -> HTTPResponse:
    metrics.watch_database(config.database_url())
    reply = await asyncio.to_thread(metrics.scrape, request.headers.get("authorization"))
    return response.raw(reply.body, status=reply.status, content_type=reply.content_type)


HANDLERS = {"/health": alive, "/ready": ready, "/metrics": scrape}


def add_root_routes(app: Sanic) -> None:
    """The three routes at the app's root, once."""
    taken = {route.path.strip("/") for route in app.router.routes}
    for path, handler in HANDLERS.items():
        if path.strip("/") not in taken:
            app.add_route(handler, path, methods=["GET"], name=f"engage{path.replace('/', '_')}")


class HealthInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("engage_health", __name__)
        for path, handler in HANDLERS.items():
            hook.add_route(handler, path, methods=["GET"])
        try:
            add_root_routes(Sanic.get_app())  # the one app of the Rasa server process
        except Exception:  # noqa: BLE001 - no single app: the /webhooks/health/ routes remain
            pass
        return hook
