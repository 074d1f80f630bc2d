"""Reading an ``--order`` file (JSON or YAML) into plain data, with the line of every top-level key.

An order export comes from a shop system or a hand edit, so it is read defensively: the file is
capped in size before it is read (``--order /dev/zero`` must not fill memory); YAML is composed to
nodes and checked by the KB's bounded reader (kb/yamlnodes.py: alias bombs, depth, tags that run
code or cannot be built, impossible dates), then built here, refusing ``.nan``/``.inf`` and
integers too long to show; JSON refuses such numbers too (5,000-digit integers, NaN, Infinity)
and nesting deeper than the KB reader allows. Every refusal names the file and line.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replykit.errors import RenderError, display_path

#: An order export for one reply is a few kilobytes; a shop's whole export is not an --order file.
MAX_ORDER_BYTES = 1_000_000
#: Values an order file may expand to (YAML aliases repeat a subtree without repeating its text).
MAX_ORDER_VALUES = 100_000
#: Digits of an integer: order numbers and quantities fit; Python refuses over 4,300 anyway.
MAX_INTEGER_DIGITS = 100

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


@dataclass(frozen=True)
class OrderFile:
    """An order file's top-level mapping, and the line each key stands on (for error messages)."""

    path: Path
    data: dict[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """``orders/KS-1.yaml:4`` for a key, or the file alone when its line is unknown."""
        line = self.lines.get(key)
        shown = display_path(self.path)
        return f"{shown}:{line}" if line else shown


class _Refused(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _read_capped(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_ORDER_BYTES + 1)
    except FileNotFoundError:
        raise RenderError(f"--order {path}: no such file") from None
    except IsADirectoryError:
        raise RenderError(f"--order {path}: is a folder, not an order file") from None
    except OSError as e:
        raise RenderError(f"--order {path}: cannot be read ({e.strerror})") from None
    if len(data) > MAX_ORDER_BYTES:
        raise RenderError(
            f"--order {path}: larger than {MAX_ORDER_BYTES // 1_000_000} MB; an order file holds the data of one"
            " order (a few KB): export that order alone"
        )
    return data


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RenderError(f"{path}:{line}: not UTF-8 text; save the order file with UTF-8 encoding") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise RenderError(f"{path}:{line}: a NUL character: this is not a text file; give an order export") from None
    return text


def read_order(path: Path) -> OrderFile:
    """Read and check an order file: a mapping of names to values, JSON (``.json``) or YAML."""
    text = _decode(path, _read_capped(path))
    try:
        if path.suffix.lower() == ".json":
            data, lines = _from_json(text)
        else:
            data, lines = _from_yaml(path, text)
    except _Refused as e:
        raise RenderError(f"{display_path(path)}:{e.line}:{e.column}: {e}") from None
    if data is None:
        return OrderFile(path, {})
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise RenderError(f"{path}: an order file must be a mapping of names to values, not {kind}")
    return OrderFile(path, {str(key): value for key, value in data.items()}, lines)


# ---- JSON ------------------------------------------------------------------------------------


def _position(text: str, needle: str) -> tuple[int, int]:
    index = max(text.find(needle), 0)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _from_json(text: str) -> tuple[Any, dict[str, int]]:
    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
            raise _Refused(*_position(text, digits), f"an integer of {len(digits.lstrip('-')):,} digits is not an"
                           " order value: give order numbers as text in quotes")
        return int(digits)

    def number(digits: str) -> float:
        value = float(digits)
        if not math.isfinite(value):
            raise _Refused(*_position(text, digits), f"{digits} is too large to be a number a reply can show")
        return value

    def constant(name: str) -> float:
        raise _Refused(*_position(text, name), f"{name} is not a number a reply can show (and not valid JSON)")

    from replykit.kb.yamlnodes import load_json_data  # the KB's bounded reader: nesting depth

    data: Any = None
    try:
        data = json.loads(text, parse_int=integer, parse_float=number, parse_constant=constant)
    except json.JSONDecodeError as e:
        raise _Refused(e.lineno, e.colno, f"invalid JSON: {e.msg}") from None
    except RecursionError:
        pass  # load_json_data says where
    try:
        load_json_data("order", text)
    except json.JSONDecodeError as e:
        raise _Refused(e.lineno, e.colno, f"invalid JSON: {e.msg}") from None
    lines: dict[str, int] = {}
    if isinstance(data, dict):
        for key in data:
            match = re.search(r'"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:', text)
            if match:
                lines[key] = text.count("\n", 0, match.start()) + 1
    return data, lines


# ---- YAML ------------------------------------------------------------------------------------


def _from_yaml(path: Path, text: str) -> tuple[Any, dict[str, int]]:
    import yaml  # here: only an order file in YAML needs it, not every reply

    from replykit.kb.yamlnodes import MAX_DEPTH, check_graph, syntax_error_text

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except RecursionError:  # the pure-Python composer, where libyaml is missing
        raise _Refused(1, 1, f"nested deeper than {MAX_DEPTH} levels: flatten it") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = syntax_error_text(e, text)
        raise _Refused(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, f"invalid YAML: {what}") from None
    except yaml.YAMLError as e:
        raise _Refused(1, 1, f"invalid YAML: {e}") from None
    if root is None:
        return None, {}
    problems = check_graph(path, root, text)  # the KB's bounds: aliases, expanded size, depth, tags, scalars
    if problems:
        first = min(problems)
        raise _Refused(first.line, first.column, first.message)
    builder = _YamlBuilder()
    data = builder.build(root)
    lines: dict[str, int] = {}
    if isinstance(root, yaml.MappingNode):
        for key_node, _ in root.value:
            lines.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return data, lines


class _YamlBuilder:
    """Plain data from YAML nodes, counting values so that aliases cannot multiply a small file."""

    def __init__(self) -> None:
        import yaml

        self._yaml = yaml
        self._constructor = yaml.constructor.SafeConstructor()
        self._count = 0

    def build(self, node: Any) -> Any:
        yaml = self._yaml
        self._count += 1
        mark = node.start_mark
        if self._count > MAX_ORDER_VALUES:
            raise _Refused(mark.line + 1, mark.column + 1, f"the file expands to more than {MAX_ORDER_VALUES:,}"
                           " values (YAML aliases repeating a subtree?); an order has a few dozen")
        if node.tag not in _STANDARD_TAGS:
            raise _Refused(mark.line + 1, mark.column + 1, f"the YAML tag {node.tag} is not allowed in an order"
                           " file: remove it and write the value plainly")
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is None or key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Refused(key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                   "a key must be plain text (no lists, mappings or << merges)")
                out[str(key)] = self.build(value_node)
            return out
        return self._scalar(node)

    def _scalar(self, node: Any) -> Any:
        mark = node.start_mark
        kind = node.tag.rsplit(":", 1)[-1]
        if kind == "int" and len(node.value.lstrip("+-").replace("_", "")) > MAX_INTEGER_DIGITS:
            raise _Refused(mark.line + 1, mark.column + 1, "an integer this long is not an order value: give order"
                           " numbers as text in quotes")
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, OverflowError, self._yaml.YAMLError) as e:
            reason = "not a real date" if kind == "timestamp" else f"not a valid {kind}"
            raise _Refused(mark.line + 1, mark.column + 1, f"'{node.value}' is {reason} ({e}); quote it if it is"
                           " text, or correct it") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise _Refused(mark.line + 1, mark.column + 1, f"'{node.value}' is not a number a reply can show")
        return value


__all__ = ["MAX_ORDER_BYTES", "MAX_ORDER_VALUES", "OrderFile", "read_order"]
