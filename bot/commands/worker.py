"""`engage worker`: run the task queue's consumer (invitations, reminders, the daily purge)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot import settings
from bot.commands._base import EXIT_ERROR, EXIT_OK, command, fail

HELP = ("Run the worker: it sends campaign invitations through Rasa (paced per channel, held\n"
        "during the campaign's quiet hours, retried, never twice), sends the one reminder and\n"
        "the \"you said, we did\" follow-ups (`engage follow-up`) the same way, and\n"
        "runs the retention purge daily at 03:00 UTC. `engage run` starts one for you; start\n"
        "more (on Redis) to share the work. SIGTERM stops it once running tasks finish (up to\n"
        "10 seconds); Ctrl-C stops it at once. Work cut short is picked up again later.\n"
        "Settings: ENGAGE_DATABASE_URL; the queue: ENGAGE_QUEUE_URL=redis://... or\n"
        "ENGAGE_QUEUE_PATH (default var/queue.db); Rasa: ENGAGE_RASA_URL, ENGAGE_RASA_TOKEN.")
EXAMPLE = "ENGAGE_QUEUE_URL=redis://127.0.0.1:6379/0 engage worker --threads 4"
SHUTDOWN_TIMEOUT = 10.0
DEFAULT_THREADS = 4
logger = logging.getLogger("bot.worker")


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _check_database(url: str) -> str | None:
    import sqlalchemy as sa

    from bot.store.db import engine_for

    try:
        with engine_for(url).connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - reported to staff, plainly
        return f"cannot reach the database {_safe_url(url)} ({type(error).__name__})."
    return None


def _check_queue(queue: Any) -> str | None:
    from bot.worker.queue import describe

    conn = getattr(queue.storage, "conn", None)
    if conn is None or not hasattr(conn, "ping"):
        return None
    try:
        conn.ping()
    except Exception as error:  # noqa: BLE001 - reported to staff, plainly
        return f"cannot reach the queue at {describe()} ({type(error).__name__})."
    return None


def cmd_worker(args: argparse.Namespace) -> int:
    from bot import config
    threads = args.threads
    if threads is None:
        try:
            threads = int(settings.value("ENGAGE_WORKER_THREADS") or DEFAULT_THREADS)
        except ValueError:
            return fail("ENGAGE_WORKER_THREADS must be a whole number.")
    if threads < 1:
        return fail("--threads must be 1 or more.")
    url = config.database_url()
    problem = _check_database(url)
    if problem:
        return fail(problem + " Set ENGAGE_DATABASE_URL, or run `engage db upgrade` first.")
    try:
        from bot.worker import tasks  # noqa: F401 - registers the tasks on the queue
        from bot.worker.queue import describe, huey
    except ValueError as error:
        return fail(str(error))
    problem = _check_queue(huey)
    if problem:
        return fail(problem + " Start Redis, or unset ENGAGE_QUEUE_URL for the local queue.")

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # huey logs every task twice and every periodic enqueue: ours say more
        logging.getLogger("huey").setLevel(logging.WARNING)
        logging.getLogger("huey.consumer").setLevel(logging.INFO)  # start and stop
        logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
    rasa = settings.value("ENGAGE_RASA_URL") or "http://127.0.0.1:5005"
    logger.info("Worker starting: %d thread(s); queue %s; database %s; Rasa at %s",
                threads, describe(), _safe_url(url), rasa)
    if not settings.value("ENGAGE_RASA_TOKEN"):
        logger.warning("ENGAGE_RASA_TOKEN is not set: Rasa must accept API calls without a "
                       "token (`engage run` sets one for both)")
    from bot.worker.monitoring import serve

    monitoring = serve(url)
    consumer = huey.create_consumer(
        workers=threads, worker_type="thread", periodic=True, initial_delay=0.1,
        max_delay=1.0, graceful_signal="TERM", shutdown_timeout=SHUTDOWN_TIMEOUT)
    try:
        consumer.run()  # returns on SIGTERM (graceful) or SIGINT (at once)
    except KeyboardInterrupt:  # Ctrl-C while huey starts, before its own handlers are set
        consumer.stop(graceful=False)
    except Exception:
        logger.exception("Worker stopped on an error")
        return EXIT_ERROR
    finally:
        if monitoring is not None:
            monitoring.shutdown()
    logger.info("Worker stopped")
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = command(subparsers, "worker", cmd_worker, HELP, EXAMPLE)
    parser.add_argument("--threads", type=int, default=None,
                        help="tasks run at once (default 4, or ENGAGE_WORKER_THREADS)")
    parser.add_argument("--verbose", action="store_true",
                        help="log every task, and each invitation held for quiet hours")
