"""Every setting the bot reads from its environment, with its default and meaning, in one place.

Modules never read `os.environ` themselves: they call `value(NAME)` (or take an `env` mapping,
default `environ()`, so tests can inject one), and a name that is not declared here is a
programming error (KeyError). README.md's configuration table is made from this list
(`python -m bot.settings`) and a test keeps the two the same.

Values are read when asked for, not at import, so a test that sets a variable sees it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None  # used when the variable is unset or empty; None: no value
    meaning: str
    shown: str | None = None  # the default in words, when it is not simply `default`

    @property
    def default_words(self) -> str:
        if self.shown is not None:
            return self.shown
        return "none" if self.default is None else f"`{self.default}`"


V = Variable
VARIABLES: tuple[Variable, ...] = (
    # -- where data lives, and the key ---------------------------------------------------------
    V("ENGAGE_DATABASE_URL", None, "all data and the Rasa tracker store; e.g. "
      "`postgresql://user@host/db`", "`sqlite:///var/engage.db`"),
    V("ENGAGE_VAR_DIR", None, "the folder for local files: the SQLite database, the key file, "
      "the local queue", "`var/` in the checkout"),
    V("ENGAGE_SECRET_KEY", None, "keys the pseudonyms and encrypts the contact vault; keep it "
      "safe: losing it unlinks every pseudonym from its contact",
      "created in `var/secret.key` by `make run`"),
    V("ENGAGE_SECRET_KEY_FILE", None, "where the local key is kept when ENGAGE_SECRET_KEY is "
      "not set", "`var/secret.key`"),
    V("ENGAGE_NEW_SECRET_KEY", None, "only for `engage keys rotate`: the key that replaces "
      "ENGAGE_SECRET_KEY (see [docs/deploy.md](docs/deploy.md)); never set it for the bot"),
    # -- the servers `engage run` starts -------------------------------------------------------
    V("ENGAGE_RASA_PORT", "5005", "where `engage run` serves Rasa (and where `engage chat` "
      "looks)"),
    V("ENGAGE_RASA_URL", None, "the Rasa server the worker and `engage chat` call",
      "this machine on ENGAGE_RASA_PORT"),
    V("ENGAGE_RASA_TOKEN", None, "the token for Rasa's API (`trigger_intent`); `engage run` "
      "makes one for Rasa and the worker", "a fresh one at each `engage run`"),
    V("ENGAGE_RASA_INTERFACE", "127.0.0.1", "where `python -m bot.process rasa` listens (a "
      "container: `0.0.0.0`); `engage run` always uses 127.0.0.1"),
    V("ENGAGE_MODEL", None, "the trained model `python -m bot.process rasa` serves",
      "`models/engage.tar.gz` in the checkout"),
    V("ENGAGE_RASA_TIMEOUT", "30", "seconds the worker waits for Rasa to take an invitation"),
    V("ENGAGE_ACTION_PORT", "5055", "where `engage run` serves the action server"),
    V("ENGAGE_ACTION_URL", None, "where Rasa calls the action server (endpoints.yml)",
      "set by `engage run`"),
    V("ENGAGE_ACTION_TOKEN", None, "the secret Rasa shows the action server, which refuses "
      "(401) any caller without it; scaled out, set the same long random value on every Rasa "
      "server and action server (`python -m bot.action_server --port 5055`)",
      "a fresh one at each `engage run`"),
    V("ENGAGE_ACTION_INTERFACE", "127.0.0.1", "where the action server listens; `0.0.0.0` "
      "only when Rasa runs on other machines"),
    V("LOG_LEVEL", "INFO", "the action server's log level (Rasa's own variable)"),
    # -- channels ------------------------------------------------------------------------------
    V("ENGAGE_PUBLIC_URL", None, "the https address Twilio and Telegram call (signatures cover "
      "it); https here also makes the console's cookies Secure"),
    V("ENGAGE_REST_TOKEN", None, "the bearer token the REST channel wants (403 without it); "
      "`engage chat` sends it", "none: the REST channel is open"),
    V("ENGAGE_REST_CHANNEL", "on", "`off` turns the REST channel off (404); for production, "
      "where residents come by SMS, WhatsApp and Telegram"),
    V("ENGAGE_MAX_REQUEST_BYTES", "1048576", "the largest request body the Rasa server reads, "
      "on every route (413 above it); messages are cut at 5,000 characters on every channel, "
      "and the resident is told kindly", "1048576 (1 MiB)"),
    V("ENGAGE_INSECURE_SKIP_SIGNATURES", None, "`1` accepts provider webhooks without checking "
      "their signatures: for tests on this machine only, never on the internet"),
    V("ENGAGE_INBOX_POLL", "2", "seconds between the inbox's sweeps for messages to retry"),
    V("ENGAGE_INBOX_MAX_ATTEMPTS", "50", "tries before an inbound message is set aside as "
      "failed (`engage inbox replay` tries again)"),
    V("ENGAGE_INBOX_CLAIM_SECONDS", "30", "how long a Rasa replica's claim on a resident's "
      "inbox messages lasts unless renewed (it renews while it works); a replica that dies "
      "frees its residents after this"),
    V("ENGAGE_LOCK_STORE_URL", None, "`redis://host:6379/1` gives Rasa its RedisLockStore, "
      "shared by every Rasa replica; see [docs/deploy.md](docs/deploy.md)",
      "none: Rasa's in-memory lock store (one Rasa process)"),
    V("ENGAGE_LOCK_STORE_PREFIX", None, "an alphanumeric prefix for the lock keys, to keep two "
      "set-ups on one Redis apart"),
    V("TWILIO_ACCOUNT_SID", None, "the Twilio account (SMS and WhatsApp); see "
      "[docs/channels.md](docs/channels.md)"),
    V("TWILIO_AUTH_TOKEN", None, "the Twilio account's auth token: sends, and checks webhook "
      "signatures"),
    V("TWILIO_SMS_FROM", None, "the number SMS are sent from (or use "
      "TWILIO_MESSAGING_SERVICE_SID)"),
    V("TWILIO_MESSAGING_SERVICE_SID", None, "a Twilio messaging service to send SMS through, "
      "instead of TWILIO_SMS_FROM"),
    V("TWILIO_WHATSAPP_FROM", None, "the WhatsApp sender's number"),
    V("TELEGRAM_BOT_TOKEN", None, "the Telegram bot's token, from BotFather"),
    V("TELEGRAM_WEBHOOK_SECRET", None, "the secret Telegram sends with every update; "
      "`engage telegram set-webhook` registers it"),
    V("ENGAGE_TWILIO_API_BASE", "https://api.twilio.com", "Twilio's API address (tests point "
      "it at a fake)"),
    V("ENGAGE_TELEGRAM_API_BASE", "https://api.telegram.org", "Telegram's API address (tests "
      "point it at a fake)"),
    # -- sending -------------------------------------------------------------------------------
    V("ENGAGE_RATE_SMS", "10", "SMS per second, shared by every process"),
    V("ENGAGE_RATE_WHATSAPP", "10", "WhatsApp messages per second, shared by every process"),
    V("ENGAGE_RATE_TELEGRAM", "25", "Telegram messages per second, shared by every process"),
    V("ENGAGE_SHARED_PACING", "1", "`0` paces each process on its own instead of sharing one "
      "pace through the database"),
    V("ENGAGE_OUTBOX_POLL", "1", "seconds between the sender's sweeps of the outbox"),
    V("ENGAGE_SEND_MAX_ATTEMPTS", "8", "tries before an outgoing message is marked failed"),
    V("ENGAGE_SEND_BACKOFF", "1", "seconds before the first retry of a send (doubling)"),
    V("ENGAGE_SEND_BACKOFF_MAX", "60", "the longest wait between retries of a send, in seconds"),
    V("ENGAGE_SEND_TIMEOUT", "10", "seconds to wait for a provider's answer"),
    V("ENGAGE_QUIET_RECHECK", "3600", "seconds after which held messages are looked at again "
      "during quiet hours"),
    # -- the worker ----------------------------------------------------------------------------
    V("ENGAGE_QUEUE_URL", None, "the worker's queue; `redis://host:6379/0` in production",
      "none: a SQLite queue in `var/queue.db`"),
    V("ENGAGE_QUEUE_PATH", None, "the local SQLite queue's file", "`var/queue.db`"),
    V("ENGAGE_QUEUE_NAME", "engage", "the queue's name (several bots can share a Redis)"),
    V("ENGAGE_WORKER_THREADS", "4", "tasks one `engage worker` runs at once"),
    V("ENGAGE_WORKER_PORT", "5090", "where the worker serves `/health`, `/ready` and "
      "`/metrics`; `engage run` gives each worker a free port"),
    V("ENGAGE_WORKER_HOST", "127.0.0.1", "where the worker's `/health` and `/metrics` "
      "listen; `0.0.0.0` in a container"),
    V("ENGAGE_INVITE_LEASE", "120", "seconds a worker holds an invitation before another may "
      "take it over"),
    V("ENGAGE_INVITE_MAX_ATTEMPTS", "8", "tries before an invitation is marked failed"),
    V("ENGAGE_INVITE_BACKOFF", "5", "seconds before the first retry of an invitation "
      "(doubling)"),
    V("ENGAGE_INVITE_BACKOFF_MAX", "300", "the longest wait between retries of an "
      "invitation, in seconds"),
    # -- monitoring ----------------------------------------------------------------------------
    V("ENGAGE_METRICS_TOKEN", None, "the bearer token Prometheus must send for `/metrics` on "
      "every process (401 without it); see [docs/deploy.md](docs/deploy.md)",
      "none: `/metrics` is open"),
    # -- staff ---------------------------------------------------------------------------------
    V("ENGAGE_ACTOR", None, "who is acting, for the audit log; set it to a name in shared "
      "set-ups", "your user name"),
    V("ENGAGE_DEFAULT_REGION", "GB", "how `engage contacts import` reads numbers written "
      "without +country"),
    V("ENGAGE_PRICE_SMS", "0.04", "price per SMS segment, for the launch's cost estimate"),
    V("ENGAGE_PRICE_WHATSAPP", "0.03", "price per WhatsApp message, for the cost estimate"),
    V("ENGAGE_PRICE_CURRENCY", "GBP", "the currency of those prices"),
    V("ENGAGE_CONSOLE_PORT", "5080", "the staff console's port; see "
      "[docs/console.md](docs/console.md)"),
    V("ENGAGE_CONSOLE_HOST", "127.0.0.1", "where the console listens (this machine only by "
      "default; put an https proxy in front)"),
    V("ENGAGE_CONSOLE_IDLE_MINUTES", "30", "a console session ends after this long unused"),
    V("ENGAGE_CONSOLE_SESSION_HOURS", "12", "a console session ends this long after sign-in"),
    V("ENGAGE_CONSOLE_MAX_UPLOAD_BYTES", "10100000", "the largest upload the console takes "
      "(a contacts file of up to 10 MB, the importer's limit, and its form)",
      "10100000 (10.1 MB)"),
    V("ENGAGE_CONSOLE_POLL_SECONDS", "15", "how often console pages that follow progress "
      "refresh"),
    V("ENGAGE_CONSOLE_TRY_MINUTES", "30", "a console \"Try it\" test conversation idle this "
      "long is deleted"),
    V("ENGAGE_ADMIN_EMAIL", "admin@localhost", "the first admin account `engage run` makes "
      "when there is none"),
    # -- tests and demonstrations --------------------------------------------------------------
    V("ENGAGE_CLOCK_FILE", None, "a file holding an ISO time the bot takes as now (tests of "
      "quiet hours); never in production"),
)
BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}


def environ() -> Mapping[str, str]:
    """The process's environment: the one place it is read."""
    return os.environ


def value(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The variable's value in `env` (default: the process's), else its default. Empty counts
    as unset. KeyError for a name not declared above."""
    variable = BY_NAME[name]
    found = (environ() if env is None else env).get(name)
    return found if found else variable.default


def is_set(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether the variable has a value of its own (not its default)."""
    BY_NAME[name]  # declared
    return bool((environ() if env is None else env).get(name))


def markdown_table() -> str:
    """README.md's configuration table."""
    lines = ["| variable | default | what |", "| --- | --- | --- |"]
    lines += [f"| `{v.name}` | {v.default_words} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
