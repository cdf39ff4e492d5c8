"""The import graph of bot/ and actions/: no cycles, and imports run one way
(docs/architecture.md, "Where things are").

The graph is built from the source with ast, function-local imports included (they run too,
only later); imports under `if TYPE_CHECKING:` are left out, since they never run. Importing
`bot.a.b` runs `bot/a/__init__.py` first, so it is an edge to `bot.a` as well, except from
inside `bot.a` itself (a package's own modules may import each other while it loads).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "actions")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of import nodes under `if TYPE_CHECKING:`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return skipped


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every module of ours that `name` imports, anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[:len(here) - node.level + 1]
                base = ".".join([*here, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES and target in modules():
                yield target


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@lru_cache(maxsize=1)
def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules()}
    for name, path in modules().items():
        own = set(_ancestors(name)) | {name}
        for target in _imported(name, path):
            if target in own:  # itself, or its own package (already loading)
                continue
            edges[name].add(target)
            edges[name] |= {parent for parent in _ancestors(target)
                            if parent not in own and parent in modules()}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_local_imports():
    """bot.cli imports bot.commands at the top; bot.commands.run imports bot.stack only
    inside a function: both are edges."""
    assert "bot.commands" in graph()["bot.cli"]
    assert "bot.stack" in graph()["bot.commands.run"]


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_there_is_no_import_cycle_in_bot_or_actions():
    found = cycles(graph())
    assert not found, "import cycles (break each: move the shared part down a layer): " + \
        "; ".join(" <-> ".join(group) for group in found)


FRONT_ENDS = ("bot.cli", "bot.commands", "bot.console", "actions", "bot.stack",
              "bot.action_server", "bot.rasa_server", "bot.process")


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("front_end", ["bot.cli", "bot.commands", "bot.console"])
def test_nothing_below_the_front_ends_imports_them(front_end):
    """Only bot.cli imports bot.commands; no command imports bot.cli; the service layer and
    everything under it import no front end."""
    importers = sorted(name for name, targets in graph().items()
                       if any(_within(target, (front_end,)) for target in targets)
                       and not _within(name, (front_end,)))
    allowed = {"bot.cli": ["bot.process"],  # the image's entry point runs `engage db upgrade`...
               "bot.commands": ["bot.cli"],
               # `engage public` writes the public page with the console's own templates
               "bot.console": ["bot.commands.console", "bot.commands.public", "bot.commands.run",
                               "bot.commands.staff", "bot.stack"]}[front_end]
    assert importers == allowed


ENGINE_MAY_IMPORT = ("bot.engine", "bot.campaigns.model", "bot.text", "bot.language")


def test_the_engine_imports_only_itself_the_campaign_model_text_and_language():
    outside = {name: sorted(t for t in targets if not _within(t, ENGINE_MAY_IMPORT)
                            and t != "bot" and t != "bot.campaigns")
               for name, targets in graph().items() if _within(name, ("bot.engine",))}
    assert not any(outside.values()), {k: v for k, v in outside.items() if v}
    # bot.campaigns (the package) loads with bot.campaigns.model: it must import nothing else
    package = graph()["bot.campaigns"]
    assert not package, f"bot/campaigns/__init__.py must stay empty of imports: {package}"
