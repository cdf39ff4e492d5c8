"""Shared fixtures: the repository paths, a trained Rasa model, the real services, and the
database factory, secret key and example campaign every folder's tests use (defined here once).

PostgreSQL and Redis tests use the real servers. Where they are not reachable the tests skip
with the reason, except under CI=true, where a missing service is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from constants import ALL_STEPS, SECRET
from databases import fresh_postgres_database
from needed import missing
from sqlalchemy.orm import sessionmaker

from bot.campaigns.loader import load_campaign
from bot.campaigns.model import Campaign
from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RASA_INPUTS = [ROOT / "config.yml", ROOT / "domain.yml", *sorted((ROOT / "data").glob("*.yml")),
               *sorted((ROOT / "languages").glob("*/nlu.yml"))]
POSTGRES_URL = os.environ.get(
    "ENGAGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ENGAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# bot.worker.queue builds its huey instance on import: never on the developer's var/queue.db,
# nor on a production queue named in the environment.
os.environ.pop("ENGAGE_QUEUE_URL", None)
os.environ["ENGAGE_QUEUE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="engage-queue-"), "queue.db")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    """Skip when a service is missing on a developer machine; fail under CI."""
    if reachable(url, default_port):
        return
    missing(f"{name} is not reachable at {url} (set ENGAGE_TEST_{name.upper()}_URL, or start it)")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    require_service("postgres", POSTGRES_URL, 5432)
    return POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated SQLite file for one test."""
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)
    yield url
    engine_for(url).dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The same test on a fresh SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker:
    """Sessions on this test's fresh SQLite file."""
    return session_factory(sqlite_url)


@pytest.fixture
def any_factory(db_url: str) -> sessionmaker:
    """Sessions on a fresh SQLite file and, as a second run of the test, on PostgreSQL."""
    return session_factory(db_url)


@pytest.fixture(scope="session")
def secret() -> str:
    """The secret key (ENGAGE_SECRET_KEY) tests pseudonymise and encrypt with."""
    return SECRET


@pytest.fixture(scope="session")
def campaign() -> Campaign:
    """The example campaign with every step type (tests/fixtures/campaign_all_steps.yml)."""
    return load_campaign(ALL_STEPS)


@pytest.fixture(scope="session")
def redis_url() -> str:
    require_service("redis", REDIS_URL, 6379)
    return REDIS_URL


@pytest.fixture(scope="session")
def rasa_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained from the repository's Rasa files, once per test session.

    Reuses models/engage.tar.gz when it is newer than every training input (as `make run`
    leaves it); otherwise trains into a temporary folder so the test never touches models/.
    """
    existing = ROOT / "models" / "engage.tar.gz"
    if existing.exists() and all(existing.stat().st_mtime > p.stat().st_mtime for p in RASA_INPUTS):
        return existing
    out = tmp_path_factory.mktemp("models")
    rasa = shutil.which("rasa", path=str(VENV_BIN)) or "rasa"
    subprocess.run(
        [rasa, "train", "--fixed-model-name", "engage", "--out", str(out), "--quiet"],
        cwd=ROOT,
        check=True,
    )
    return out / "engage.tar.gz"
