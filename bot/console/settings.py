"""The console's settings, read from the environment in one place (`from_env`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot import config, settings
from bot.campaigns.preview import Prices
from bot.contacts_import import MAX_FILE_BYTES
from bot.launch.describing import prices as launch_prices
from bot.staff.sessions import SessionPolicy
from bot.staff.throttle import ThrottlePolicy

DEFAULT_PORT = 5080
DEFAULT_HOST = "127.0.0.1"
# The largest request body: the largest contacts file the importer takes (its own limit, the
# one limit for contacts files) and room for the rest of the form, so a file just over the
# importer's limit gets the importer's own words, not a bare "too large".
FORM_ROOM = 100_000
DEFAULT_MAX_BODY = MAX_FILE_BYTES + FORM_ROOM


@dataclass(frozen=True)
class ConsoleSettings:
    public_url: str | None = None  # https here makes the cookies Secure
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    max_body_bytes: int = DEFAULT_MAX_BODY
    poll_seconds: int = 15  # how often pages that follow progress ask for news
    prices: Prices = field(default_factory=Prices)  # for cost estimates, as launches use
    rasa_url: str = "http://127.0.0.1:5005"  # the bot, whose REST channel "Try it" talks to
    rest_token: str | None = None  # that channel's token (ENGAGE_REST_TOKEN), if it has one
    try_expiry: timedelta = timedelta(minutes=30)  # idle test conversations are deleted
    # The key of the pseudonyms and the contact vault (ENGAGE_SECRET_KEY): Contacts imports
    # with it and shows addresses masked only. None: those pages say it is missing.
    secret_key: str | None = field(default=None, repr=False)

    @property
    def secure_cookies(self) -> bool:
        return (self.public_url or "").lower().startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConsoleSettings:
        """Settings from ENGAGE_* variables; ValueError names the variable that is wrong."""
        env = settings.environ() if environ is None else environ
        idle = _whole_number(env, "ENGAGE_CONSOLE_IDLE_MINUTES", 30)
        lifetime = _whole_number(env, "ENGAGE_CONSOLE_SESSION_HOURS", 12)
        max_body = _whole_number(env, "ENGAGE_CONSOLE_MAX_UPLOAD_BYTES", DEFAULT_MAX_BODY)
        poll = _whole_number(env, "ENGAGE_CONSOLE_POLL_SECONDS", 15)
        sms, whatsapp, currency = launch_prices(dict(env))
        try_minutes = _whole_number(env, "ENGAGE_CONSOLE_TRY_MINUTES", 30)
        rasa_url = (env.get("ENGAGE_RASA_URL") or "").strip() or \
            f"http://127.0.0.1:{_port(env, 'ENGAGE_RASA_PORT', 5005)}"
        return cls(public_url=env.get("ENGAGE_PUBLIC_URL") or None,
                   sessions=SessionPolicy(idle=timedelta(minutes=idle),
                                          lifetime=timedelta(hours=lifetime),
                                          throttle=ThrottlePolicy()),
                   max_body_bytes=max_body, poll_seconds=poll,
                   prices=Prices(sms, whatsapp, currency), rasa_url=rasa_url,
                   rest_token=env.get("ENGAGE_REST_TOKEN") or None,
                   try_expiry=timedelta(minutes=try_minutes), secret_key=_secret(env))


def _secret(env: Mapping[str, str]) -> str | None:
    """ENGAGE_SECRET_KEY, else the local key file `engage run` made, read exactly as
    bot.config.read_secret reads them (a different key would give different pseudonyms)."""
    given = env.get("ENGAGE_SECRET_KEY")
    if given:
        return given
    path = Path(env.get("ENGAGE_SECRET_KEY_FILE") or config.DEFAULT_KEY_FILE)
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more (it is '{text}').")
    return int(text)


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{name} must be a port number from 1 to 65535 (it is '{text}').")
    return int(text)


def console_port(environ: Mapping[str, str] | None = None) -> int:
    """ENGAGE_CONSOLE_PORT, or 5080."""
    return _port(settings.environ() if environ is None else environ, "ENGAGE_CONSOLE_PORT",
                 DEFAULT_PORT)
