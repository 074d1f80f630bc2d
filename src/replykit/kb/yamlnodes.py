"""Reading YAML with positions, duplicate-key detection, locale-safe keys and bounds.

PyYAML's loaders drop line numbers, keep the last of two duplicate keys silently, and turn a
Norwegian ``no:`` key into ``False``. replykit composes the node graph (libyaml's C composer where
present) and builds values itself, so every problem can name its file, line and column.

Every YAML file replykit reads (KB entries, locale files, replykit.yaml, order files) goes through
:func:`compose`, which refuses before any value is built: files above :data:`MAX_FILE_BYTES`,
alias bombs (more than :data:`MAX_ALIASES` aliases, or more than :data:`MAX_EXPANDED_NODES` values
or :data:`MAX_EXPANDED_CHARS` characters once aliases are expanded), nesting deeper than
:data:`MAX_DEPTH`, tags other than plain data, and typed scalars that cannot be built (an
impossible date). The composed graph shares aliased nodes, so measuring it is linear in the file,
however large its expansion would be. docs/limits.md says why each bound is what it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from replykit.errors import Problem, UserError
from replykit.kb.loader import too_big
from replykit.kb.model import Position
from replykit.printable import has_control, printable

try:  # libyaml makes composing 5-10x faster; fall back to pure Python where it is missing
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_scalar_constructor = yaml.constructor.SafeConstructor()

#: Aliases (``*name``) one file may use: hand-written KB files use a few; bombs use thousands.
MAX_ALIASES = 200
#: Values (scalars, lists, mappings) a file may hold once its aliases are expanded.
MAX_EXPANDED_NODES = 500_000
#: Characters of text a file may hold once its aliases are expanded.
MAX_EXPANDED_CHARS = 16 * 1024 * 1024
#: Lists and mappings nested in each other: replykit's own files need fewer than ten.
MAX_DEPTH = 64

_YAML = "tag:yaml.org,2002:"
#: Tags whose values replykit builds: plain data only. Anything else (``!!python/...``, custom
#: tags, ``!!binary``, ``!!set``) is refused by name.
SCALAR_TAGS = frozenset(_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
COLLECTION_TAGS = frozenset((_YAML + "seq", _YAML + "map"))
MERGE_TAG = _YAML + "merge"


class YamlDataError(UserError):
    """A data file (an order file) that cannot be read: ``file:line:col: what is wrong``."""


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


def syntax_error_text(error: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's own words, plus what to do for the mistakes people make by hand: a tab in the
    indentation (YAML allows only spaces) and a colon or quote that needs quoting."""
    what = " ".join(x for x in (error.context, error.problem) if x)
    mark = error.problem_mark or error.context_mark
    if mark is not None:
        lines = text.splitlines()
        row = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in row[: mark.column + 1]:
            return f"{what}: a tab character; YAML indents with spaces only, replace the tab with spaces"
    if "mapping values are not allowed" in what:
        return f"{what}: a text with ': ' in it must be quoted, e.g. \"Note: it ships today\""
    return f"{what}: check the indentation and the quotes on this line and the one before"


def compose(path: Path | str, data: bytes) -> tuple[YamlFile | None, list[Problem]]:
    """The file's node graph, or every problem that keeps it from being read safely."""
    big = too_big(path, len(data))
    if big is not None:
        return None, [big]
    text, bad = decode_utf8(path, data)
    if text is None:
        return None, [bad] if bad else []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(Path(path), line, col, f"YAML syntax error: {syntax_error_text(e, text)}")]
    except yaml.YAMLError as e:  # e.g. a reader error on control characters
        return None, [Problem(Path(path), 1, 1, f"YAML error: {e}")]
    except RecursionError:  # the pure-Python composer, where libyaml is missing
        return None, [Problem(Path(path), 1, 1, f"nested deeper than {MAX_DEPTH} levels: flatten it")]
    problems = check_graph(path, root, text) if root is not None else []
    if problems:
        return None, problems
    return YamlFile(path, root, text), []


def check_graph(path: Path | str, root: yaml.Node, text: str | None = None) -> list[Problem]:
    """Every reason not to build values from ``root``: bombs, depth, cycles, tags, bad scalars.

    One iterative walk over the graph as composed (aliased nodes shared, each visited once), with
    the expanded size of each node memoised: a billion-laughs file costs what its text costs. A
    ``text`` without ``&`` has no anchors, so no aliases: its tree is its size, and a lighter walk
    checks depth, tags and scalars only (the common case, on every cold load).
    """
    if text is not None and "&" not in text:
        return _check_tree(path, root)
    problems: list[Problem] = []
    expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, characters) once expanded
    open_nodes: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            open_nodes.discard(key)
            nodes, chars = 1, 0
            for child in children:
                n, c = expanded.get(id(child), (0, 0))
                nodes, chars = nodes + n, chars + c
            expanded[key] = (min(nodes, MAX_EXPANDED_NODES + 1), min(chars, MAX_EXPANDED_CHARS + 1))
            continue
        if key in expanded or key in open_nodes:
            aliases += 1
            if key in open_nodes:
                problems.append(problem_at(path, node, "an alias refers to its own anchor: remove the loop"))
                return problems
            if aliases > MAX_ALIASES:
                message = f"more than {MAX_ALIASES} aliases (*name): write the values out"
                problems.append(problem_at(path, node, message))
                return problems
            continue
        if depth > MAX_DEPTH:
            problems.append(problem_at(path, node, f"nested deeper than {MAX_DEPTH} levels: flatten it"))
            return problems
        if isinstance(node, yaml.ScalarNode):
            bad = _scalar_problem(node)
            if bad:
                problems.append(problem_at(path, node, bad))
                node.tag = _YAML + "str"  # reported: later readers see text, never a crash
            expanded[key] = (1, len(node.value))
            continue
        if node.tag not in COLLECTION_TAGS:
            problems.append(problem_at(path, node, f"YAML tag '{_short_tag(node.tag)}' is not allowed: remove it"))
            node.tag = _YAML + ("seq" if isinstance(node, yaml.SequenceNode) else "map")
        open_nodes.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(children))
    nodes, chars = expanded.get(id(root), (0, 0))
    if nodes > MAX_EXPANDED_NODES or chars > MAX_EXPANDED_CHARS:
        what = f"{MAX_EXPANDED_NODES:,} values" if nodes > MAX_EXPANDED_NODES else f"{MAX_EXPANDED_CHARS:,} characters"
        message = f"more than {what} once aliases are expanded: write less, or use fewer aliases"
        problems.append(problem_at(path, root, message))
    return problems


def _check_tree(path: Path | str, root: yaml.Node) -> list[Problem]:
    """:func:`check_graph` for a graph without shared nodes: depth, tags and scalars."""
    problems: list[Problem] = []
    str_tag = _YAML + "str"
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.tag != str_tag:
                bad = _scalar_problem(node)
                if bad:
                    problems.append(problem_at(path, node, bad))
                    node.tag = str_tag
            continue
        if depth > MAX_DEPTH:
            problems.append(problem_at(path, node, f"nested deeper than {MAX_DEPTH} levels: flatten it"))
            return problems
        if node.tag not in COLLECTION_TAGS:
            problems.append(problem_at(path, node, f"YAML tag '{_short_tag(node.tag)}' is not allowed: remove it"))
            node.tag = _YAML + ("seq" if isinstance(node, yaml.SequenceNode) else "map")
        depth += 1
        if isinstance(node, yaml.SequenceNode):
            stack.extend([(child, depth) for child in node.value])
        else:
            for key, value in node.value:
                stack.append((key, depth))
                stack.append((value, depth))
    return problems


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


def _scalar_problem(node: yaml.ScalarNode) -> str | None:
    """Why this scalar cannot be built as its tag says (``!!int "abc"``, ``2026-02-30``), or None."""
    if node.tag == MERGE_TAG or node.tag == _YAML + "str":
        return None
    if node.tag not in SCALAR_TAGS:
        return f"YAML tag '{_short_tag(node.tag)}' is not allowed: remove it (replykit reads plain data)"
    try:
        _scalar_constructor.construct_object(node, deep=True)
    except (ValueError, TypeError, KeyError, OverflowError, yaml.YAMLError):
        kind = _short_tag(node.tag)[2:]
        shown = printable(node.value if len(node.value) <= 40 else node.value[:39] + "…")
        if kind == "timestamp":
            return f"'{shown}' is not a real date or time: correct it, or put it in quotes to keep it as text"
        return f"'{shown}' cannot be read as {kind}: correct it, or remove the tag to keep it as text"
    finally:
        _scalar_constructor.constructed_objects.pop(node, None)  # the constructor would keep every node
    return None




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
        if has_control(key):
            shown = printable(key)
            message = f"key '{shown}' holds a line break or control character: remove it"
            problems.append(problem_at(path, key_node, message))
            continue
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


def load_yaml_data(path: Path | str, text: str) -> Any:
    """Plain data from a YAML data file (an order file), within every bound of :func:`compose`.

    Syntax errors propagate as PyYAML's own exceptions (the caller words them); a bomb, a tag or a
    value that cannot be built raises YamlDataError naming file, line and column.
    """
    big = too_big(path, len(text))
    if big is not None:
        raise YamlDataError(big.format())
    try:
        root = yaml.compose(text, Loader=_Loader)
    except RecursionError:  # the pure-Python composer, where libyaml is missing
        raise YamlDataError(f"{path}:1:1: nested deeper than {MAX_DEPTH} levels: flatten it") from None
    if root is None:
        return None
    problems = check_graph(path, root, text)
    data = None if problems else to_python(path, root, problems)
    if problems:
        raise YamlDataError(min(problems).format())
    return data


def load_json_data(path: Path | str, text: str) -> Any:
    """Plain data from a JSON file (the lock file, a JSON order), nested at most :data:`MAX_DEPTH` levels.

    Every problem, too deep nesting included, is raised as ``json.JSONDecodeError`` with its
    position, so callers keep one ``except`` for a file they cannot read.
    """
    try:
        data = json.loads(text)
    except RecursionError:
        data = None
    else:
        if _json_depth(data) <= MAX_DEPTH:
            return data
    raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels: flatten it", text, _too_deep_at(text))


def _json_depth(data: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((item, depth + 1) for item in items)
    return deepest


def _too_deep_at(text: str) -> int:
    """Offset of the first bracket that opens level MAX_DEPTH + 1 (strings skipped)."""
    depth, in_string, escaped = 0, False, False
    for offset, char in enumerate(text):
        if in_string:
            escaped, in_string = (not escaped and char == "\\"), in_string and (escaped or char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return offset
        elif char in "]}":
            depth -= 1
    return 0
