"""Settings from environment variables, with safe local defaults.

Secrets are never committed: the pseudonym/vault key comes from ENGAGE_SECRET_KEY, or for local
use from a key file that `engage run` creates on first start (with a warning).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from bot import settings

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(settings.value("ENGAGE_VAR_DIR") or ROOT / "var")
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'engage.db'}"
DEFAULT_KEY_FILE = VAR_DIR / "secret.key"
# The shortest ENGAGE_SECRET_KEY a process starts with (bot/process.py) or a rotation takes.
MIN_SECRET_LENGTH = 16


class MissingSecret(RuntimeError):
    """Raised when no secret key is configured; the message tells staff what to do."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None
    rasa_url: str

    def require_secret(self) -> str:
        if not self.secret_key:
            raise MissingSecret(
                "No secret key: set ENGAGE_SECRET_KEY (a long random string, kept private), "
                "or run `make run` once to create a local one."
            )
        return self.secret_key


def database_url() -> str:
    return settings.value("ENGAGE_DATABASE_URL") or DEFAULT_DATABASE_URL


def key_file() -> Path:
    return Path(settings.value("ENGAGE_SECRET_KEY_FILE") or DEFAULT_KEY_FILE)


def read_secret() -> str | None:
    if settings.value("ENGAGE_SECRET_KEY"):
        return settings.value("ENGAGE_SECRET_KEY")
    path = key_file()
    return path.read_text().strip() if path.exists() else None


def ensure_local_secret() -> tuple[str, bool]:
    """Return the secret, creating a local key file if none is set. The flag says it was created."""
    existing = read_secret()
    if existing:
        return existing, False
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value, True


def rasa_url() -> str:
    """Where this machine's Rasa server answers: ENGAGE_RASA_URL, else the port `engage run`
    serves on (ENGAGE_RASA_PORT, 5005 by default)."""
    port = settings.value("ENGAGE_RASA_PORT")
    return settings.value("ENGAGE_RASA_URL") or f"http://127.0.0.1:{port}"


def rest_token() -> str | None:
    """The REST channel's bearer token (ENGAGE_REST_TOKEN); None: the channel is open."""
    return settings.value("ENGAGE_REST_TOKEN")


def load() -> Settings:
    return Settings(
        database_url=database_url(),
        secret_key=read_secret(),
        rasa_url=rasa_url(),
    )
