"""YAML to plain data that remembers where everything was written.

Staff need line numbers in every problem, and YAML 1.1 quietly turns `Yes`, `no` and `on` into
booleans: here every scalar stays the text that was typed (nulls become None), and every mapping
key and list item records its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

NULL_TAG = "tag:yaml.org,2002:null"


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


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _convert(node: yaml.Node, path: str, parsed: Parsed) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            child = join(path, key)
            line = key_node.start_mark.line + 1
            if key in result:
                parsed.duplicates.append((child, line))
                continue
            parsed.lines[child] = line
            result[key] = _convert(value_node, child, parsed)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for number, item in enumerate(node.value, start=1):
            child = f"{path}[{number}]"
            parsed.lines[child] = item.start_mark.line + 1
            items.append(_convert(item, child, parsed))
        return items
    if node.tag == NULL_TAG:
        return None
    return str(node.value)


def parse_yaml(text: str) -> Parsed:
    """Parse one YAML document; raise YamlSyntaxError with a line when it is malformed."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "it cannot be read"
        raise YamlSyntaxError(str(reason), mark.line + 1 if mark else None) from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from error
    parsed = Parsed(data=None, lines={"": 1})
    if root is not None:
        parsed.lines[""] = root.start_mark.line + 1
        parsed.data = _convert(root, "", parsed)
    return parsed
