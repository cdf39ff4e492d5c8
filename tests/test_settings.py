"""One settings module: every variable the bot reads is declared in bot/settings.py with its
default and meaning, nothing else reads the environment, and README's table is made from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot import settings

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in ("bot", "actions") for p in (ROOT / folder).rglob("*.py")
                 if "migrations" not in p.parts)
VARIABLE = re.compile(r"(ENGAGE|TWILIO|TELEGRAM)_[A-Z0-9_]+")
START, END = "<!-- settings table: start -->\n", "<!-- settings table: end -->"


def test_the_readme_table_is_the_one_made_from_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index(START) + len(START):readme.index(END)]
    assert table == settings.markdown_table(), \
        "README.md's configuration table is out of date: paste `python -m bot.settings`"


def _string_constants(path: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_every_variable_the_code_names_is_declared():
    named = {text: path.relative_to(ROOT) for path in SOURCES
             for text in _string_constants(path) if VARIABLE.fullmatch(text)}
    missing = {name: str(path) for name, path in named.items() if name not in settings.BY_NAME}
    assert not missing, f"declare these in bot/settings.py: {missing}"
    unused = set(settings.BY_NAME) - set(named) - {"LOG_LEVEL"}
    assert not unused, f"declared but read nowhere: {sorted(unused)}"


def _reads_the_environment(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "os" and node.attr in ("environ", "getenv", "environb"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(alias.name in ("environ", "getenv") for alias in node.names):
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_the_environment():
    readers = {str(path.relative_to(ROOT)): found for path in SOURCES
               if path.name != "settings.py" or path.parent.name != "bot"
               if (found := _reads_the_environment(path))}
    assert not readers, f"read settings through bot.settings instead: {readers}"


def test_a_value_comes_from_the_environment_given_else_the_default():
    assert settings.value("ENGAGE_RATE_SMS", {}) == "10"
    assert settings.value("ENGAGE_RATE_SMS", {"ENGAGE_RATE_SMS": "3"}) == "3"
    assert settings.value("ENGAGE_RATE_SMS", {"ENGAGE_RATE_SMS": ""}) == "10"  # empty: unset
    assert settings.value("ENGAGE_PUBLIC_URL", {}) is None
    assert not settings.is_set("ENGAGE_RATE_SMS", {})


def test_the_process_environment_is_read_when_asked(monkeypatch):
    monkeypatch.setenv("ENGAGE_DEFAULT_REGION", "IE")
    assert settings.value("ENGAGE_DEFAULT_REGION") == "IE"


def test_a_name_not_declared_is_a_mistake():
    with pytest.raises(KeyError):
        settings.value("ENGAGE_NO_SUCH_SETTING")
