"""Console fixtures: a migrated database, a movable clock and the app on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from console_helpers import NO_BOT, Clock
from starlette.testclient import TestClient

from bot.console import ConsoleSettings, create_app
from bot.store.db import engine_for, session_factory
from bot.store.migrate import upgrade


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """Migrated once; each test gets a copy (migrating ~100 times would cost minutes)."""
    path = tmp_path_factory.mktemp("console-template") / "engage.db"
    upgrade(f"sqlite:///{path}")
    engine_for(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def db(migrated_sqlite, tmp_path):
    path = tmp_path / "engage.db"
    shutil.copy(migrated_sqlite, path)
    url = f"sqlite:///{path}"
    yield session_factory(url)
    engine_for(url).dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()




@pytest.fixture
def settings() -> ConsoleSettings:
    return ConsoleSettings(rasa_url=NO_BOT)


@pytest.fixture
def app(settings, db, clock):
    return create_app(settings, db, clock=clock)


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    """`engage console` as a real process on a free port, on its own database with one
    member per role (password console_helpers.PASSWORD) and a fast poll."""
    from console_helpers import add_member
    from console_server import running_console

    folder = tmp_path_factory.mktemp("console-server")
    url = f"sqlite:///{folder / 'engage.db'}"
    upgrade(url)
    db = session_factory(url)
    for role in ("admin", "officer", "viewer"):
        add_member(db, role, f"{role}@council.example")
    with running_console(url, folder / "console.log",
                         {"ENGAGE_CONSOLE_POLL_SECONDS": "1", "ENGAGE_RASA_URL": NO_BOT}) as server:
        server.db = db
        yield server
    engine_for(url).dispose()


@pytest.fixture(scope="module")
def browser():
    from browser_helpers import LAUNCH_ARGS, chromium_or_skip
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    from browser_helpers import PageWatch

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.watch = PageWatch()
    page.watch.attach(page)
    yield page
    context.close()
