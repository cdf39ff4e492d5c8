"""YAML to plain data that remembers where everything was written.

Staff need line numbers in every problem, and YAML 1.1 quietly turns `Yes`, `no` and `on` into
booleans: here every scalar stays the text that was typed (nulls become None), and every mapping
key and list item records its line.

Campaign files come from staff, and soon from uploads in the console, so a hostile file must
not exhaust memory or the stack: aliases (`*name`), nesting and the size of every value are
limited while composing and converting, and going over a limit is a `YamlRefused` with a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

NULL_TAG = "tag:yaml.org,2002:null"

# A campaign nests 6 deep (steps > step > options > option > text > language); 20 is plenty.
MAX_NESTING = 20
# Aliases repeat an anchored block (`&prefer` ... `*prefer`); a few are handy, more are a risk:
# nine aliases to nine aliases ... ("billion laughs") expand a 1 KB file to gigabytes.
MAX_ALIASES = 50
# Values after aliases are expanded; the example campaigns have under 1,000.
MAX_VALUES = 50_000
# The longest single value (key or text); campaign texts have their own, lower limits.
MAX_VALUE_CHARS = 10_000


@dataclass
class Parsed:
    """The plain data, the line of every path ("steps[2].text.cy"), and keys written twice."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[str, int]] = field(default_factory=list)

    def line_of(self, path: str) -> int | None:
        """The line of a path, or of its nearest written parent when it is missing."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("")


class YamlSyntaxError(ValueError):
    """The text is not YAML at all; `line` is where the parser gave up."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class YamlRefused(YamlSyntaxError):
    """YAML that is refused for its shape or size; the message is complete and for staff."""


def _line(node_or_event: yaml.Node | yaml.Event) -> int:
    return node_or_event.start_mark.line + 1


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe composer, counting aliases and nesting before it recurses."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlRefused(f"the file uses more than {MAX_ALIASES} aliases (*name); write "
                                  "the texts out in full instead", _line(event))
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise YamlRefused(f"the file is nested more than {MAX_NESTING} levels deep here; "
                                  "a campaign needs 6 at most (steps, options, texts)",
                                  _line(event))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass
class _Budget:
    """What converting may still do: values left, and the nodes being converted (a node
    inside itself is an alias to the block it is part of, which would never end). `line` is
    the top-level field being converted: where an expansion that goes too far was written."""

    aliases_used: bool
    values: int = MAX_VALUES
    open_nodes: set[int] = field(default_factory=set)
    depth: int = 0
    line: int = 1

    def enter(self, node: yaml.Node) -> None:
        self.values -= 1
        if self.values < 0:
            reason = (f"its aliases (*name) repeat blocks into more than {MAX_VALUES:,} values; "
                      "write the texts out in full instead" if self.aliases_used else
                      f"it has more than {MAX_VALUES:,} values; a campaign has a few hundred")
            raise YamlRefused(f"the file is too big to be a campaign: {reason}", self.line)
        if id(node) in self.open_nodes:
            raise YamlRefused("an alias (*name) here repeats the block it is part of, so it would "
                              "never end; write the text out instead", _line(node))
        self.depth += 1
        if self.depth > MAX_NESTING:  # aliases to aliases nest deeper than the file looks
            raise YamlRefused(f"with its aliases (*name) expanded, the file is nested more than "
                              f"{MAX_NESTING} levels deep here; write the texts out instead",
                              self.line)
        self.open_nodes.add(id(node))

    def leave(self, node: yaml.Node) -> None:
        self.open_nodes.discard(id(node))
        self.depth -= 1


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _convert(node: yaml.Node, path: str, parsed: Parsed, budget: _Budget) -> Any:
    budget.enter(node)
    try:
        return _convert_node(node, path, parsed, budget)
    finally:
        budget.leave(node)


def _convert_node(node: yaml.Node, path: str, parsed: Parsed, budget: _Budget) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _text(key_node) if isinstance(key_node, yaml.ScalarNode) else "?"
            child = join(path, key)
            line = key_node.start_mark.line + 1
            if not path:
                budget.line = line
            if key in result:
                parsed.duplicates.append((child, line))
                continue
            parsed.lines[child] = line
            result[key] = _convert(value_node, child, parsed, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for number, item in enumerate(node.value, start=1):
            child = f"{path}[{number}]"
            parsed.lines[child] = item.start_mark.line + 1
            if not path:
                budget.line = parsed.lines[child]
            items.append(_convert(item, child, parsed, budget))
        return items
    if node.tag == NULL_TAG:
        return None
    return _text(node)


def _text(node: yaml.ScalarNode) -> str:
    text = str(node.value)
    if len(text) > MAX_VALUE_CHARS:
        raise YamlRefused(f"this value is {len(text):,} characters long; the most any value in a "
                          f"campaign file can be is {MAX_VALUE_CHARS:,}", _line(node))
    return text


def parse_yaml(text: str) -> Parsed:
    """Parse one YAML document; raise YamlSyntaxError with a line when it is malformed."""
    try:
        loader = _LimitedLoader(text)
    except yaml.reader.ReaderError as error:  # checked before parsing: a NUL, a control code
        line = text[:error.position].count("\n") + 1
        raise YamlRefused(f"this line has a character no campaign file can have (code "
                          f"#x{error.character:04x}, a control character); delete it",
                          line) from error
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "it cannot be read"
        raise YamlSyntaxError(str(reason), mark.line + 1 if mark else None) from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from error
    finally:
        loader.dispose()
    parsed = Parsed(data=None, lines={"": 1})
    if root is not None:
        parsed.lines[""] = root.start_mark.line + 1
        parsed.data = _convert(root, "", parsed, _Budget(aliases_used=loader.aliases > 0))
    return parsed
