"""The worker's `/health`, `/ready` and `/metrics` on ENGAGE_WORKER_PORT: a small HTTP server
in a thread beside huey's consumer (which has no HTTP of its own)."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot import health, metrics, settings

PORT_ENV, HOST_ENV = "ENGAGE_WORKER_PORT", "ENGAGE_WORKER_HOST"
logger = logging.getLogger("bot.worker")


def handler_for(database_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path == "/health":
                self._json(200, health.ALIVE)
            elif self.path == "/ready":
                state = health.readiness(database_url)
                self._json(200 if state.ready else 503, state.as_json())
            elif self.path == "/metrics":
                metrics.watch_database(database_url)
                reply = metrics.scrape(self.headers.get("authorization"))
                self._send(reply.status, reply.body, reply.content_type)
            else:
                self._json(404, {"error": "Only /health, /ready and /metrics are here."})

        def _json(self, status: int, body: dict[str, str]) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:  # scrapes every few seconds: not logged
            return

    return Handler


def serve(database_url: str, port: int | None = None,
          host: str | None = None) -> ThreadingHTTPServer | None:
    """Start serving in a daemon thread; None (with a warning) when the port is not free,
    since a worker without its metrics still does its work."""
    port = int(settings.value(PORT_ENV) or 0) if port is None else port
    host = host or settings.value(HOST_ENV) or "127.0.0.1"
    try:
        server = ThreadingHTTPServer((host, port), handler_for(database_url))
    except OSError as error:
        logger.warning("Worker health and metrics not served on %s:%s (%s)", host, port, error)
        return None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-monitoring", daemon=True).start()
    logger.info("Worker health and metrics on http://%s:%s/metrics", host,
                server.server_address[1])
    return server
