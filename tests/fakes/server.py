"""A small aiohttp app served on 127.0.0.1 from its own thread and event loop.

The fakes run beside the code under test, which may be synchronous (the twilio client) or
asynchronous (python-telegram-bot, the Rasa process): a thread of their own serves both, and a
test's event loop is never blocked by the fake nor the fake by it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    """One request as the fake received it. `received_at` is time.monotonic(), for spacing."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    received_at: float
    received_wall: datetime
    status: int = 0  # the status the fake answered with (0 while the request is still held)
    extra: dict[str, Any] = field(default_factory=dict)


class ThreadedServer:
    """Serves an aiohttp app on a free port; a context manager, or start()/stop()."""

    def __init__(self) -> None:
        self.app = web.Application()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._released: asyncio.Event | None = None
        self.url = ""
        self.lock = threading.Lock()
        self.requests: list[RecordedRequest] = []

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.app.router.add_route(method, path, handler)

    def start(self) -> ThreadedServer:
        ready: Future[str] = Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True,
                                        name=type(self).__name__)
        self._thread.start()
        self.url = ready.result(timeout=10)
        return self

    def _serve(self, ready: Future[str]) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._open())
        except BaseException as error:  # noqa: BLE001 - handed to the starting thread
            ready.set_exception(error)
            return
        ready.set_result(self.url)
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    async def _open(self) -> None:
        self._released = asyncio.Event()
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self.call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = self._thread = None

    async def _close(self) -> None:
        assert self._released is not None and self._runner is not None
        self._released.set()  # held ("timeout") requests end now
        await self._runner.cleanup()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # Running work on the fake's own loop, from any thread.

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        assert self._loop is not None, "the fake is not running"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run on the fake's loop and wait. Not from a loop that serves the target (use acall)."""
        return self.submit(coroutine).result(timeout=timeout)

    async def acall(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run on the fake's loop and await it, leaving the caller's loop free to serve."""
        return await asyncio.wrap_future(self.submit(coroutine))

    async def hold(self, seconds: float) -> None:
        """Keep a request waiting (a provider that does not answer in time)."""
        assert self._released is not None
        try:
            await asyncio.wait_for(self._released.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def record(self, request: web.Request, params: dict[str, Any], **extra: Any) -> RecordedRequest:
        entry = RecordedRequest(
            method=request.method, path=request.path, params=params,
            headers=dict(request.headers), received_at=time.monotonic(),
            received_wall=datetime.now(timezone.utc), extra=extra)
        with self.lock:
            self.requests.append(entry)
        return entry


class FailurePlan:
    """Scripted failures, consumed one per request, in the order they were asked for."""

    def __init__(self) -> None:
        self._queue: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, failure: dict[str, Any], times: int) -> None:
        with self._lock:
            self._queue.extend(dict(failure) for _ in range(times))

    def take(self) -> dict[str, Any] | None:
        with self._lock:
            return self._queue.pop(0) if self._queue else None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
