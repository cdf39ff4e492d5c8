"""The engine stays pure: no Rasa, no database, no files or network while handling a message.
Which of our own modules it may import (and that no import cycle exists) is checked over the
whole import graph in tests/test_import_graph.py."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from engine_helpers import chat_at

ENGINE = Path(__file__).resolve().parents[2] / "bot" / "engine"
ALLOWED_ROOTS = {"__future__", "collections", "dataclasses", "difflib", "enum", "functools",
                 "importlib", "re", "string", "typing", "unicodedata", "yaml", "bot"}
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval"}


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_engine_modules_import_nothing_impure(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in FORBIDDEN_CALLS, (path.name, node.func.id)
            continue
        assert roots <= ALLOWED_ROOTS, (path.name, roots)
        assert not any(r in ("rasa", "rasa_sdk", "sqlalchemy") for r in roots)


def test_outgoing_messages_are_normalised_for_sms(campaign):
    data = campaign.to_dict()
    data["steps"][0]["text"]["en"] = "Buses \u2013 the \u201cnew\u201d timetable\u2026"
    variant = type(campaign).from_dict(data)
    chat = chat_at(variant, "intro")
    assert chat.text.startswith('Buses - the "new" timetable...\n')


def test_the_engine_does_not_touch_the_campaign(campaign):
    before = campaign.to_dict()
    chat = chat_at(campaign, "completed")
    assert chat.state.phase.value == "completed"
    assert campaign.to_dict() == before
    assert dataclasses.is_dataclass(campaign)
