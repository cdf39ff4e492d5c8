"""Importing our modules changes nothing in Rasa: the fixes are applied when Rasa starts up
(bot/rasa_server.py) or builds our tracker store and REST channel, explicitly and once."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import rasa.core.agent as agent, rasa.core.actions.action as action
before = (agent.Agent._create_tracker_store, action.RemoteAction._validate_action_result)
import importlib, pkgutil, bot, actions
names = [m.name for package in (bot, actions)
         for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
         if m.name != "bot.store.migrations.env"]  # Alembic's script, run only by Alembic
assert len(names) > 100, names
for name in names:
    importlib.import_module(name)
import bot.store.tracker_store
after = (agent.Agent._create_tracker_store, action.RemoteAction._validate_action_result)
from bot import rasa_tuning
print(before == after, rasa_tuning._applied)
bot.store.tracker_store.use_this_store_unwrapped()
print(getattr(agent.Agent._create_tracker_store, "engage_unwrapped", False))
"""


def test_importing_our_modules_leaves_rasa_as_it_is():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "True"]


def test_building_the_store_applies_the_fixes(tmp_path):
    probe = f"""
from bot import rasa_tuning
from bot.store.migrate import upgrade
from bot.store.tracker_store import PrivateSQLTrackerStore
import rasa.core.agent as agent
url = "sqlite:///{tmp_path / 'engage.db'}"
upgrade(url)
PrivateSQLTrackerStore(url=url)
print(rasa_tuning._applied, getattr(agent.Agent._create_tracker_store, "engage_unwrapped", False))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
