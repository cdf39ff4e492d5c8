"""HAProxy in front of several Rasa servers: its configuration, made here from the replicas'
addresses (`engage run --replicas N` writes it to var/haproxy.cfg and starts /usr/sbin/haproxy).

One resident's requests go to one replica: `balance hash` on the resident, with
`hash-type consistent`, so that when a replica goes down only its own residents move, and they
move back when it returns. The resident is read from the request itself (HAProxy buffers the
body, `option http-buffer-request`):

| route | the resident |
| --- | --- |
| `/webhooks/twilio_sms/webhook`, `/webhooks/twilio_whatsapp/webhook` | the form field `From` |
| `/webhooks/telegram/webhook` | the update's `message.chat.id` (or `edited_message.chat.id`) |
| `/webhooks/rest/webhook` | the JSON field `sender` |
| `/conversations/<id>/...` (Rasa's API: the worker's invitations and reminders) | `<id>` |

Anything else (status callbacks, `/webhooks/inbox/replay`) has no resident and goes round
robin. Routing is what keeps each conversation's Rasa lock tickets in one process (see
RasaHQ/rasa#9213 in docs/deploy.md); the inbox's per-resident claim in PostgreSQL is what
keeps order when a resident does move (a replica down, a body HAProxy could not read).

Each replica is checked on `/ready` every 2 s; 3 failures in a row mark it down, 2 successes
up again. A request that cannot reach its replica at all is retried, then sent to another
(`retry-on conn-failure empty-response`, `option redispatch`): provider webhooks are
idempotent on the provider's message id, so a retried one is recorded once.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "haproxy"  # Debian's package
DEFAULT_BINARY = "/usr/sbin/haproxy"
CHECK_EVERY_SECONDS, FALL, RISE = 2, 3, 2


@dataclass(frozen=True)
class Backend:
    name: str
    host: str
    port: int


def binary() -> str | None:
    """Where haproxy is, or None."""
    found = shutil.which("haproxy")
    if found:
        return found
    return DEFAULT_BINARY if Path(DEFAULT_BINARY).exists() else None


def missing_message() -> str:
    return (f"HAProxy is not installed: several replicas need it as their load balancer. "
            f"Install Debian's package `{PACKAGE}` (sudo apt-get install {PACKAGE}), or run "
            f"scripts/ensure-haproxy.")


# Where each route carries the resident, in HAProxy's words (first match wins).
RESIDENT_RULES = (
    ("req.body_param(From)", "{ path_reg ^/webhooks/twilio_(sms|whatsapp)/webhook$ }"),
    ("req.body,json_query('$.message.chat.id')", "{ path_beg /webhooks/telegram/ }"),
    ("req.body,json_query('$.edited_message.chat.id')", "{ path_beg /webhooks/telegram/ }"),
    ("req.body,json_query('$.sender')", "{ path_beg /webhooks/rest/ }"),
    ("path,field(3,/),url_dec", "{ path_beg /conversations/ }"),
)


def config_text(backends: Sequence[Backend], port: int, host: str = "127.0.0.1",
                check_every: int = CHECK_EVERY_SECONDS, fall: int = FALL,
                rise: int = RISE) -> str:
    """The whole haproxy.cfg: listen on host:port, balance over `backends` by resident."""
    if not backends:
        raise ValueError("HAProxy needs at least one Rasa server behind it.")
    lines = [
        "# Made by bot/haproxy.py for `engage run --replicas`; made again at every start.",
        "global",
        "    maxconn 2000",
        "    tune.bufsize 65536  # a provider's webhook body fits whole, to be read",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout http-request 30s",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response",
        "",
        "frontend engage",
        f"    bind {host}:{port}",
        "    option http-buffer-request",
    ]
    for expression, condition in RESIDENT_RULES:
        lines.append(f"    http-request set-var(txn.resident) {expression} if {condition} "
                     "!{ var(txn.resident) -m found }")
    lines += [
        "    default_backend rasa",
        "",
        "backend rasa",
        "    balance hash var(txn.resident)",
        # avalanche: phone numbers differ in their last digits, which sdbm alone would put
        # next to each other on the ring (on one replica)
        "    hash-type consistent sdbm avalanche",
        "    option httpchk GET /ready",
        "    http-check expect status 200",
        f"    default-server inter {check_every}s fastinter {check_every}s "
        f"downinter {check_every}s fall {fall} rise {rise}",
    ]
    lines += [f"    server {b.name} {b.host}:{b.port} check" for b in backends]
    return "\n".join(lines) + "\n"


def write_config(path: Path, backends: Sequence[Backend], port: int,
                 host: str = "127.0.0.1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(backends, port, host), encoding="utf-8")
    return path


def command(config: Path, haproxy: str | None = None) -> list[str]:
    """haproxy in the foreground (-db), so the stack supervises it like any child."""
    return [haproxy or binary() or DEFAULT_BINARY, "-db", "-f", str(config)]
