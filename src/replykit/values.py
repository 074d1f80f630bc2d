"""Typed template values from ``--order FILE`` and ``--var key=value``.

A reply is only as good as its data: a date typed as text prints in the wrong format, a price
parsed as a float prints ``19.990000000000002``. Every value is therefore parsed by the type its
entry declares, and a value that does not parse stops the render with a message naming the
variable, the value and the form that was expected (exit 2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from replykit.errors import RenderError
from replykit.kb.model import TEMPLATE_GLOBALS, Entry

#: Keys of an order file with a meaning of their own (besides the entry's variables).
ORDER_KEYS = ("customer", "timezone")


@dataclass(frozen=True)
class Money:
    """An amount in an ISO 4217 currency, kept as Decimal so that 19.99 stays 19.99."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}


@dataclass(frozen=True)
class Missing:
    """A required value that was not given, rendered as a visible ``[name]`` (``--allow-missing``).

    The marker survives filters (``{{ eta | date }}`` prints ``[eta]``), so a draft never hides
    a gap behind an empty string.
    """

    name: str

    def __str__(self) -> str:
        return f"[{self.name}]"

    def __getattr__(self, attribute: str) -> Missing:
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return Missing(f"{self.name}.{attribute}")


#: The form each type expects, used in every error message.
EXPECTED: Mapping[str, str] = {
    "string": "text",
    "int": "a whole number such as 3",
    "number": "a number such as 0.15 or 1234.5",
    "money": 'an amount and an ISO 4217 currency such as "19.99 EUR" or {amount: "19.99", currency: EUR}',
    "date": "an ISO 8601 date such as 2026-12-03",
    "datetime": "an ISO 8601 date and time with an offset or Z, such as 2026-11-22T23:30:00Z",
    "list": 'a list, given to --var as JSON such as ["Linen T-shirt", "Kettle"]',
}

_MONEY_TEXT = re.compile(
    r"^\s*(?:(?P<cur1>[A-Za-z]{3})\s*(?P<amt1>[-+]?\d[\d_]*(?:\.\d+)?)"
    r"|(?P<amt2>[-+]?\d[\d_]*(?:\.\d+)?)\s*(?P<cur2>[A-Za-z]{3}))\s*$"
)


class ValueProblem(ValueError):
    """A value that does not fit its type; the caller adds which variable and where it came from."""


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def parse_currency(code: str) -> str:
    """Return an ISO 4217 code in upper case, or raise ValueProblem."""
    upper = code.strip().upper()
    if upper not in _currencies():
        raise ValueProblem(f"'{code}' is not an ISO 4217 currency code (such as EUR, USD, JPY)")
    return upper


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueProblem("a yes/no value is not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that round-trips: 19.99, never 19.989999...
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValueProblem("not a number") from None
    else:
        raise ValueProblem(f"{describe_value(value)} is not a number")
    if not number.is_finite():
        raise ValueProblem("not a finite number")
    return number


def parse_money(value: Any) -> Money:
    """``Money``, ``"19.99 EUR"`` (or ``"EUR 19.99"``), or a mapping ``{amount, currency}``."""
    if isinstance(value, Money):
        return value
    if isinstance(value, str):
        match = _MONEY_TEXT.match(value)
        if not match:
            raise ValueProblem("not an amount followed by a currency code")
        amount = match["amt1"] or match["amt2"]
        currency = match["cur1"] or match["cur2"]
        return Money(to_decimal(amount), parse_currency(currency))
    if isinstance(value, Mapping):
        keys = set(value)
        if keys != {"amount", "currency"}:
            raise ValueProblem(f"a money mapping needs exactly the keys amount and currency, not {sorted(keys)}")
        currency = value["currency"]
        if not isinstance(currency, str):
            raise ValueProblem("the currency must be a code such as EUR")
        return Money(to_decimal(value["amount"]), parse_currency(currency))
    raise ValueProblem(f"{describe_value(value)} is not a money value")


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueProblem("a date and time where a date alone was expected")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueProblem("not an ISO 8601 date") from None
    raise ValueProblem(f"{describe_value(value)} is not a date")


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise ValueProblem("a date without a time")
    elif isinstance(value, str):
        text = value.strip()
        if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
            raise ValueProblem("not an ISO 8601 date and time")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueProblem("not an ISO 8601 date and time") from None
    else:
        raise ValueProblem(f"{describe_value(value)} is not a date and time")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueProblem("no time zone offset: add Z for UTC or an offset such as +09:00")
    return parsed


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem("a yes/no value is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    if isinstance(value, (float, Decimal)) and value == int(value):
        return int(value)
    raise ValueProblem("not a whole number")


def _parse_list(value: Any) -> list[str]:
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            raise ValueProblem("not a JSON list")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueProblem(f"not valid JSON ({e.msg} at character {e.pos + 1})") from None
    if not isinstance(value, (list, tuple)):
        raise ValueProblem(f"{describe_value(value)} is not a list")
    items: list[str] = []
    for number, item in enumerate(value, 1):
        if isinstance(item, bool) or not isinstance(item, (str, int, float, Decimal)):
            raise ValueProblem(f"item {number} is {describe_value(item)}; every item must be text")
        items.append(item if isinstance(item, str) else str(item))
    return items


def _parse_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, Mapping, list, tuple)):
        raise ValueProblem(f"{describe_value(value)} is not text")
    if isinstance(value, (date, int, float, Decimal)):
        return value.isoformat() if isinstance(value, date) else str(value)
    raise ValueProblem(f"{describe_value(value)} is not text")


_PARSERS: Mapping[str, Any] = {
    "string": _parse_string,
    "int": _parse_int,
    "number": to_decimal,
    "money": parse_money,
    "date": _parse_date,
    "datetime": _parse_datetime,
    "list": _parse_list,
}


def parse_typed(var_type: str, value: Any) -> Any:
    """Parse one value by its declared type; raise ValueProblem saying what is wrong."""
    parser = _PARSERS.get(var_type)
    if parser is None:
        raise ValueProblem(f"unknown variable type '{var_type}'")
    return parser(value)


def describe_value(value: Any) -> str:
    """What kind of value this is, in words an agent understands ("a list", "a date")."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return "text" if isinstance(value, str) else type(value).__name__


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
    expected = EXPECTED.get(var_type, var_type)
    return RenderError(f"variable '{name}' ({origin}): '{_shown(value)}': {problem}; expected {expected}")


def parse_timezone(name: str, origin: str) -> ZoneInfo:
    """An IANA time zone such as Asia/Tokyo; ``origin`` says where the name came from."""
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
    """An order export as a mapping: JSON or YAML (YAML also reads JSON), top level a mapping."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RenderError(f"--order {path}: no such file") from None
    except IsADirectoryError:
        raise RenderError(f"--order {path}: is a folder, not an order file") from None
    except UnicodeDecodeError:
        raise RenderError(f"--order {path}: not UTF-8 text; save it with UTF-8 encoding") from None
    except OSError as e:
        raise RenderError(f"--order {path}: cannot be read ({e.strerror})") from None
    data: Any
    from replykit.kb.yamlnodes import load_json_data, load_yaml_data

    if path.suffix.lower() == ".json":
        try:
            data = load_json_data(path, text)  # bounded nesting (kb/yamlnodes.py)
        except json.JSONDecodeError as e:
            raise RenderError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    else:
        import yaml  # here: only an order file in YAML needs it, not every reply

        try:
            data = load_yaml_data(path, text)  # bounded: aliases, size, depth, tags (kb/yamlnodes.py)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            what = " ".join(x for x in (e.context, e.problem) if x)
            raise RenderError(f"{where}: invalid YAML: {what}") from None
        except yaml.YAMLError as e:
            raise RenderError(f"{path}: invalid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(f"{path}: an order file must be a mapping of names to values, not {describe_value(data)}")
    return {str(key): value for key, value in data.items()}


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
        order = read_order_file(Path(order_file))
        origin = f"from --order {order_file}"
        for name, variable in entry.variables.items():
            raw = order.get(name)
            if raw is None:
                continue
            try:
                values[name] = parse_typed(variable.type, raw)
            except ValueProblem as problem:
                raise _bad_value(name, variable.type, raw, origin, problem) from None
            order[name] = values[name]
        if order.get("customer") is not None:
            values["customer"] = _customer(order["customer"], origin)
            order["customer"] = values["customer"]
        zone = order.get("timezone")
        if zone is not None:
            if not isinstance(zone, str):
                raise RenderError(f"timezone ({origin}): expected an IANA name such as Asia/Tokyo")
            parse_timezone(zone, origin)

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
        try:
            values[name] = parse_typed(declared.type, raw_text)
        except ValueProblem as problem:
            raise _bad_value(name, declared.type, raw_text, "--var", problem) from None

    values["order"] = order
    values.setdefault("customer", {})
    return values


# ---- samples for lint ------------------------------------------------------------------------

_SAMPLES: Mapping[str, Any] = {
    "string": "KS-10234",
    "int": 3,
    "number": Decimal("0.15"),
    "money": Money(Decimal("1234.50"), "EUR"),
    "date": date(2026, 12, 3),
    "datetime": datetime(2026, 11, 22, 23, 30, tzinfo=UTC),
    "list": ["Linen T-shirt (M)", "Nanbu cast-iron kettle"],
}


def sample_value(var_type: str) -> Any:
    """A realistic value of a declared type, so lint can render every template without real data."""
    try:
        sample = _SAMPLES[var_type]
    except KeyError:
        raise ValueError(f"unknown variable type '{var_type}'") from None
    return list(sample) if isinstance(sample, list) else sample


def to_json(value: Any) -> Any:
    """A typed value as JSON data: money as {amount, currency}, dates in ISO 8601, numbers as text."""
    if isinstance(value, Money):
        return value.as_json()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Missing):
        return None
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
