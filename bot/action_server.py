"""The action server, as the stack starts it in place of `rasa run actions`: rasa-sdk's own app
(the same /webhook, /actions and /health), bound to 127.0.0.1 unless told otherwise, and
answering only a caller that presents the shared secret.

An action call carries a resident's pseudonym and words; anyone who could POST one could, for
example, opt a resident out. Rasa sends the secret with every call (endpoints.yml:
`Authorization: Bearer ${ENGAGE_ACTION_TOKEN}`). `engage run` creates a fresh secret at each
start; a scaled-out deployment sets the same ENGAGE_ACTION_TOKEN on every Rasa server and
action server, and ENGAGE_ACTION_INTERFACE=0.0.0.0 where Rasa runs on other machines.
`/health` stays open for load balancers; every other path answers 401 without the secret.

    python -m bot.action_server --port 5055
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Any

from bot import library_warnings, settings

TOKEN_ENV, INTERFACE_ENV = "ENGAGE_ACTION_TOKEN", "ENGAGE_ACTION_INTERFACE"
DEFAULT_INTERFACE, DEFAULT_PORT = "127.0.0.1", 5055
MIN_TOKEN_LENGTH = 16
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})  # /metrics: ENGAGE_METRICS_TOKEN
# An action call carries the conversation's events: generous, but not the library's 100 MB,
# which an unauthenticated caller could send before the token is checked.
MAX_REQUEST_BYTES = 16 * 1024 * 1024

logger = logging.getLogger("bot.action_server")  # also when run as __main__


def authorised(header: str | None, token: str) -> bool:
    """Constant-time check of an `Authorization: Bearer ...` header against the secret."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def create_app(token: str, package: str = "actions"):
    """rasa-sdk's app for `package`, with the secret required on every path but /health."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"{TOKEN_ENV} must be at least {MIN_TOKEN_LENGTH} characters")
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response

    app = sdk_app(package, cors_origins="")  # no browser ever calls it: no CORS
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    add_monitoring(app)

    @app.middleware("request")
    async def require_the_secret(request):
        if request.path in OPEN_PATHS or authorised(request.headers.get("authorization"), token):
            return None
        return response.json({"error": "This server only answers the Rasa server (a valid "
                                       f"{TOKEN_ENV} is required)."},
                             status=401, headers={"WWW-Authenticate": "Bearer"})

    return app


def add_monitoring(app: Any) -> None:
    """`/ready` (database reachable, schema current) and `/metrics` beside the SDK's
    `/health`, as on every process (bot/health.py, bot/metrics.py)."""
    import asyncio

    from sanic import response

    from bot import config, health, metrics

    @app.get("/ready")
    async def ready(_request: Any) -> Any:
        state = await asyncio.to_thread(health.readiness, config.database_url())
        return response.json(state.as_json(), status=200 if state.ready else 503)

    @app.get("/metrics")
    async def scrape(request: Any) -> Any:
        metrics.watch_database(config.database_url())
        reply = await asyncio.to_thread(metrics.scrape, request.headers.get("authorization"))
        return response.raw(reply.body, status=reply.status, content_type=reply.content_type)


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="python -m bot.action_server",
                                    description="The engage action server (needs "
                                                f"{TOKEN_ENV}).")
    parse.add_argument("--port", type=int, default=DEFAULT_PORT)
    parse.add_argument("--interface", default=settings.value(INTERFACE_ENV) or DEFAULT_INTERFACE,
                       help=f"address to listen on (default {DEFAULT_INTERFACE}, or "
                            f"{INTERFACE_ENV})")
    parse.add_argument("--actions", default="actions", help="the package of actions")
    return parse


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    token = settings.value(TOKEN_ENV) or ""
    if len(token) < MIN_TOKEN_LENGTH:
        print(f"Error: set {TOKEN_ENV} to a random string of at least {MIN_TOKEN_LENGTH} "
              "characters, the same for the Rasa server (`engage run` does this for you).",
              file=sys.stderr)
        return 1
    library_warnings.silence()
    from rasa_sdk import utils

    utils.configure_colored_logging(settings.value("LOG_LEVEL") or "INFO")
    utils.update_sanic_log_level()
    app = create_app(token, args.actions)
    logger.info("Action server listening on http://%s:%s", args.interface, args.port)
    app.run(args.interface, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
