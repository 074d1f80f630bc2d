"""Typed template values from ``--order FILE`` and ``--var key=value``.

A reply is only as good as its data: a date typed as text prints in the wrong format, a price
parsed as a float prints ``19.990000000000002``. Every value is therefore parsed by the type its
entry declares, and a value that does not parse stops the render with a message naming the
variable, the value and the form that was expected (exit 2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from replykit.errors import RenderError
from replykit.kb.model import TEMPLATE_GLOBALS, Entry
from replykit.variable_types import (
    TYPES,
    VARIABLE_TYPES,
    Money,
    ValueProblem,
    describe_value,
    json_form,
    parse_typed,
    sample_value,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

#: Keys of an order file with a meaning of their own (besides the entry's variables).
ORDER_KEYS = ("customer", "timezone")


#: Attribute names that Jinja and Python probe on any value: a Missing must not pretend to have them.
_PROTOCOL_NAMES = frozenset({"jinja_pass_arg", "unsafe_callable", "alters_data", "jinja_async_variant"})


class Missing:
    """A required value that was not given, rendered as a visible ``[name]`` (``--allow-missing``).

    A draft must never hide a gap behind an empty string or stop with a traceback, so the marker
    survives whatever a template does with it: filters (``{{ eta | date }}`` prints ``[eta]``),
    loops (one item, the marker), ``length``, indexing, arithmetic (``n + 1`` is ``[n]``) and
    comparisons, which are true so the branch that shows the value is the one rendered.
    """

    __slots__ = ("_name",)  # underscored: templates read ``customer.name``, never this

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __setattr__(self, attribute: str, value: Any) -> None:
        raise AttributeError("a Missing value cannot be changed")

    def __str__(self) -> str:
        return f"[{self._name}]"

    def __repr__(self) -> str:
        return f"Missing({self._name!r})"

    def __format__(self, spec: str) -> str:
        try:
            return format(str(self), spec)
        except ValueError:  # a number's format such as ',.2f'
            return str(self)

    def __getattr__(self, attribute: str) -> Missing:
        if attribute.startswith("_") or attribute in _PROTOCOL_NAMES:
            raise AttributeError(attribute)
        return Missing(f"{self._name}.{attribute}")

    def __getitem__(self, key: Any) -> Missing:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Missing:
        return self

    def __iter__(self) -> Iterator[Missing]:
        yield self  # one item: a loop over a missing list shows the marker once

    def __len__(self) -> int:
        return 1  # the length filter gives the marker itself; this serves ``loop.length``

    def __contains__(self, item: Any) -> bool:
        return True

    def __hash__(self) -> int:
        return hash((Missing, self._name))

    def __eq__(self, other: object) -> Missing:  # type: ignore[override]
        return self

    def __ne__(self, other: object) -> Missing:  # type: ignore[override]
        return self

    def _same(self, *other: Any) -> Missing:
        return self

    __lt__ = __le__ = __gt__ = __ge__ = _same
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same
    __mod__ = __rmod__ = __pow__ = __rpow__ = _same
    __neg__ = __pos__ = __abs__ = __round__ = __trunc__ = _same


F = TypeVar("F", bound=Callable[..., Any])


def handles_missing(func: F) -> F:
    """Mark a filter that renders a Missing value itself (the renderer passes it the marker)."""
    func.handles_missing = True  # type: ignore[attr-defined]
    return func


def first_missing(*values: Any) -> Missing | None:
    """The first of ``values`` that is a Missing marker, if any (a filter's input or argument)."""
    for value in values:
        if isinstance(value, Missing):
            return value
    return None


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, (date, datetime)):
        text = value.isoformat()
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):  # pragma: no cover - YAML data is always JSON-able with str()
            text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad_value(name: str, var_type: str, value: Any, origin: str, problem: ValueProblem) -> RenderError:
    """``--var`` problems name the option; order-file problems start with ``file:line``."""
    expected = TYPES[var_type].description if var_type in TYPES else var_type
    what = f"'{_shown(value)}': {problem}; expected {expected}"
    if origin == "--var":
        return RenderError(f"variable '{name}' ({origin}): {what}")
    return RenderError(f"{origin}: variable '{name}': {what}")


def _is_empty(value: Any) -> bool:
    return (isinstance(value, str) and not value.strip()) or (isinstance(value, (list, tuple, dict)) and not value)


def _empty_required(name: str, origin: str) -> RenderError:
    return RenderError(
        f"{origin}: required variable '{name}' is given empty: give its value, or leave it out and use"
        f" --allow-missing for a visible [{name}] marker"
    )


def parse_timezone(name: str, origin: str) -> ZoneInfo:
    """An IANA time zone such as Asia/Tokyo; ``origin`` says where the name came from."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # here: a reply without a time zone never pays for it

    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RenderError(
            f"time zone '{name}' ({origin}) is unknown: use an IANA name such as Asia/Tokyo or Europe/Berlin"
        ) from None


# ---- reading the sources ---------------------------------------------------------------------


def read_order_file(path: Path) -> dict[str, Any]:
    """An order export as a mapping: JSON or YAML, top level a mapping (see replykit.order_file)."""
    from replykit.order_file import read_order

    return read_order(Path(path)).data


def _split_var(arg: str) -> tuple[str, str]:
    name, sep, value = arg.partition("=")
    name = name.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise RenderError(f"--var '{arg}': expected NAME=VALUE, such as --var order_id=KS-10234")
    return name, value


def _customer(value: Any, origin: str) -> dict[str, Any]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                raise RenderError(f"customer ({origin}): not valid JSON ({e.msg})") from None
        else:
            return {"name": value}
    if not isinstance(value, Mapping):
        raise RenderError(
            f"customer ({origin}): '{_shown(value)}' is {describe_value(value)};"
            " expected a mapping such as {name: Anna Schmidt}"
        )
    return {str(key): item for key, item in value.items() if item is not None}


def parse_values(
    entry: Entry,
    *,
    order_file: Path | None,
    var_args: Sequence[str],
    allow_unknown: bool = False,
) -> dict[str, Any]:
    """The typed values an entry's template sees: its declared variables plus ``order`` and ``customer``.

    ``--order`` fills variables from its top-level keys; ``--var`` wins over it. Keys of the order
    that the entry does not declare stay reachable as ``order.<key>``. A ``--var`` naming no
    declared variable is an error (a typo would otherwise leave a gap), unless ``allow_unknown``
    (used where one set of values is offered to several entries, as suggest does).
    """
    values: dict[str, Any] = {}
    order: dict[str, Any] = {}
    if order_file is not None:
        from replykit.order_file import read_order

        source = read_order(Path(order_file))
        order = source.data
        for name, variable in entry.variables.items():
            raw = order.get(name)
            if raw is None:
                continue
            if _is_empty(raw):
                if variable.required:
                    raise _empty_required(name, source.where(name))
                del order[name]
                continue
            try:
                values[name] = parse_typed(variable.type, raw)
            except ValueProblem as problem:
                raise _bad_value(name, variable.type, raw, source.where(name), problem) from None
            order[name] = values[name]
        if order.get("customer") is not None:
            values["customer"] = _customer(order["customer"], source.where("customer"))
            order["customer"] = values["customer"]
        zone = order.get("timezone")
        if zone is not None:
            if not isinstance(zone, str):
                raise RenderError(f"{source.where('timezone')}: timezone: expected an IANA name such as Asia/Tokyo")
            try:
                parse_timezone(zone, "key timezone")
            except RenderError as e:
                raise RenderError(f"{source.where('timezone')}: {e}") from None

    for arg in var_args:
        name, raw_text = _split_var(arg)
        if name == "customer":
            values["customer"] = _customer(raw_text, "--var")
            continue
        declared = entry.variables.get(name)
        if declared is None:
            if allow_unknown:
                continue
            if name in TEMPLATE_GLOBALS:
                raise RenderError(f"--var {name}: '{name}' is given to every template by replykit; it cannot be set")
            names = ", ".join(entry.variables) or "none"
            raise RenderError(f"--var {name}: entry '{entry.id}' has no variable '{name}' (it declares: {names})")
        if _is_empty(raw_text):
            if declared.required:
                raise _empty_required(name, f"--var {name}=")
            values.pop(name, None)  # an empty optional value is no value: its {% if %} stays false
            continue
        try:
            values[name] = parse_typed(declared.type, raw_text)
        except ValueProblem as problem:
            raise _bad_value(name, declared.type, raw_text, "--var", problem) from None

    values["order"] = order
    values.setdefault("customer", {})
    return values


def parse_values_for(
    entries: Sequence[Entry], *, order_file: Path | None, var_args: Sequence[str]
) -> dict[str, Any]:
    """The values of a composed reply: each entry's variables, parsed by the first entry declaring them.

    A ``--var`` that no entry declares is still a typo error, as with one entry.
    """
    if len(entries) == 1:
        return parse_values(entries[0], order_file=order_file, var_args=var_args)
    merged: dict[str, Any] = {}
    for entry in entries:
        for name, value in parse_values(entry, order_file=order_file, var_args=var_args, allow_unknown=True).items():
            if name in entry.variables or name in ("order", "customer"):
                merged.setdefault(name, value)
    declared = {name for entry in entries for name in entry.variables} | {"customer"}
    for arg in var_args:
        name, _ = _split_var(arg)
        if name not in declared:
            ids = ", ".join(entry.id for entry in entries)
            raise RenderError(f"--var {name}: none of the entries {ids} has a variable '{name}'")
    return merged


# ---- samples for lint ------------------------------------------------------------------------

def to_json(value: Any) -> Any:
    """A value as JSON data: each variable type's own JSON form; a missing value is null."""
    if isinstance(value, Missing):
        return None
    return json_form(value)


__all__ = [  # the typed values themselves live in replykit.variable_types; these names stay importable here
    "ORDER_KEYS",
    "VARIABLE_TYPES",
    "Missing",
    "Money",
    "ValueProblem",
    "describe_value",
    "first_missing",
    "handles_missing",
    "parse_timezone",
    "parse_typed",
    "parse_values",
    "parse_values_for",
    "read_order_file",
    "sample_value",
    "to_json",
]
