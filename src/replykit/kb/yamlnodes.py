"""Reading YAML with positions, duplicate-key detection and locale-safe keys.

PyYAML's loaders drop line numbers, keep the last of two duplicate keys silently, and turn a
Norwegian ``no:`` key into ``False``. replykit composes the node graph (libyaml's C composer where
present) and builds values itself, so every problem can name its file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from replykit.errors import Problem
from replykit.kb.model import Position

try:  # libyaml makes composing 5-10x faster; fall back to pure Python where it is missing
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_scalar_constructor = yaml.constructor.SafeConstructor()


@dataclass(frozen=True)
class YamlFile:
    """A parsed YAML file: its root node, or the problems that kept it from parsing."""

    path: Path | str
    root: yaml.Node | None
    text: str


def position(path: Path | str, node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(str(path), mark.line + 1, mark.column + 1)


def problem_at(path: Path | str, node: yaml.Node | None, message: str) -> Problem:
    if node is None:
        return Problem(Path(path), 1, 1, message)
    mark = node.start_mark
    return Problem(Path(path), mark.line + 1, mark.column + 1, message)


def decode_utf8(path: Path | str, data: bytes) -> tuple[str | None, Problem | None]:
    """Decode a file as UTF-8, or say where the first bad byte is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        column = e.start - (before.rfind(b"\n") + 1) + 1
        return None, Problem(Path(path), line, column, "file is not UTF-8 text: save it with UTF-8 encoding")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def compose(path: Path | str, data: bytes) -> tuple[YamlFile | None, list[Problem]]:
    text, bad = decode_utf8(path, data)
    if text is None:
        return None, [bad] if bad else []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(x for x in (e.context, e.problem) if x)
        return None, [Problem(Path(path), line, col, f"YAML syntax error: {what}")]
    except yaml.YAMLError as e:  # e.g. a reader error on control characters
        return None, [Problem(Path(path), 1, 1, f"YAML error: {e}")]
    return YamlFile(path, root, text), []


def key_text(node: yaml.Node) -> str:
    """A mapping key as the user wrote it: ``no`` stays "no", ``1`` stays "1"."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return yaml.serialize(node).strip()


def mapping_items(
    path: Path | str, node: yaml.MappingNode, problems: list[Problem]
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """Yield (key text, key node, value node), reporting duplicate and non-scalar keys."""
    seen: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(problem_at(path, key_node, "merge keys (<<) are not supported: write the keys out"))
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(problem_at(path, key_node, "a key must be plain text, not a list or mapping"))
            continue
        key = key_text(key_node)
        if key in seen:
            first = position(path, seen[key])
            problems.append(
                problem_at(path, key_node, f"duplicate key '{key}' (first at line {first.line}): remove one")
            )
            continue
        seen[key] = key_node
        yield key, key_node, value_node


def scalar_value(node: yaml.ScalarNode) -> Any:
    return _scalar_constructor.construct_object(node, deep=True)


def to_python(path: Path | str, node: yaml.Node, problems: list[Problem]) -> Any:
    """Build plain Python data from a node, keys as written, duplicates reported."""
    if isinstance(node, yaml.ScalarNode):
        return scalar_value(node)
    if isinstance(node, yaml.SequenceNode):
        return [to_python(path, item, problems) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {key: to_python(path, value, problems) for key, _, value in mapping_items(path, node, problems)}
    problems.append(problem_at(path, node, "unsupported YAML value"))  # pragma: no cover
    return None


def describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    value = scalar_value(node) if isinstance(node, yaml.ScalarNode) else None
    if value is None:
        return "empty"
    return {bool: "a yes/no value", int: "a number", float: "a number", str: "text"}.get(
        type(value), type(value).__name__
    )
