"""The variable types of an entry, each defined once: its parser, sample value, JSON form and description.

A value is only as good as its type: a date typed as text prints in the wrong format, a price
parsed as a float prints ``19.990000000000002``. The KB loader checks declared types against
:data:`VARIABLE_TYPES`, ``--var``/``--order`` parse by :func:`parse_typed`, lint renders with
:func:`sample_value`, ``--format json`` writes :func:`json_form`, every error message says the
type's ``description``, and the formatting filters read dates with the same :func:`parse_date` and
:func:`parse_datetime`. Adding a type means adding one row to :data:`TYPES`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from replykit.records import Record


class Money(Record):
    """An amount in an ISO 4217 currency, kept as Decimal so that 19.99 stays 19.99."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}


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


#: ISO 4217 codes that are not money a customer pays in: "no currency", testing, metals, IMF units.
#: CLDR has no symbol for them, so a reply would print the generic sign ¤.
NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"})

#: Digits before the decimal point of an int or number: a count or an amount fits; 1e999999999
#: would make the number filter write a billion zeros.
MAX_NUMBER_DIGITS = 30


def parse_currency(code: str) -> str:
    """Return an ISO 4217 code in upper case, or raise ValueProblem."""
    upper = code.strip().upper()
    if upper in NOT_MONEY:
        raise ValueProblem(f"'{upper}' is an ISO 4217 code for no currency or a commodity, not money a customer pays")
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
    if number and number.adjusted() >= MAX_NUMBER_DIGITS:
        raise ValueProblem(f"a number of more than {MAX_NUMBER_DIGITS} digits is not a value a reply can show")
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


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueProblem("a date and time where a date alone was expected")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError as e:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueProblem(f"not a real date ({e})") from None
            raise ValueProblem("not an ISO 8601 date") from None
    raise ValueProblem(f"{describe_value(value)} is not a date")


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise ValueProblem("a date without a time")
    elif isinstance(value, str):
        text = value.strip()
        if not _TIME_OF_DAY.match(text):
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


_TIME_OF_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_moment(value: Any) -> date | datetime:
    """A date, or a date and time when the value has a time of day (the date filters take either)."""
    if isinstance(value, datetime) or (isinstance(value, str) and _TIME_OF_DAY.match(value)):
        return parse_datetime(value)
    return parse_date(value)


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem("a yes/no value is not a whole number")
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        value = int(to_decimal(value))  # to_decimal bounds the digits before int() reads them
    if isinstance(value, (float, Decimal)) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, int):
        if abs(value) >= 10**MAX_NUMBER_DIGITS:
            raise ValueProblem(f"a number of more than {MAX_NUMBER_DIGITS} digits is not a value a reply can show")
        return value
    raise ValueProblem("not a whole number")


def parse_list(value: Any) -> list[str]:
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
        try:
            items.append(parse_string(item))
        except ValueProblem as problem:
            raise ValueProblem(f"item {number}: {problem}") from None
    return items


def parse_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, Mapping, list, tuple)):
        raise ValueProblem(f"{describe_value(value)} is not text")
    if isinstance(value, (float, Decimal)) and not math.isfinite(value):
        raise ValueProblem("not a value a reply can show (NaN or infinity)")
    if isinstance(value, (date, int, float, Decimal)):
        return value.isoformat() if isinstance(value, date) else str(value)
    raise ValueProblem(f"{describe_value(value)} is not text")


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



class VariableType(Record):
    """One declarable type: how a value of it is read, shown to lint, written as JSON and described."""

    name: str
    #: Reads text from --var or data from an order file; raises ValueProblem saying what is wrong.
    parse: Callable[[Any], Any]
    #: A realistic value, so lint can render every template without real data.
    sample: Callable[[], Any]
    #: The Python type(s) a parsed value has, so a value can be written back as JSON.
    python_type: type | tuple[type, ...]
    #: The value as JSON data.
    to_json: Callable[[Any], Any]
    #: The form the type expects, said in every error message ("an ISO 8601 date such as 2026-12-03").
    description: str


def _same(value: Any) -> Any:
    return value


def _list_json(value: Any) -> list[Any]:
    return [json_form(item) for item in value]


#: The types entries may declare, in the order the documentation lists them.
TYPES: Mapping[str, VariableType] = {
    spec.name: spec
    for spec in (
        VariableType("string", parse_string, lambda: "KS-10234", str, _same, "text"),
        VariableType("int", parse_int, lambda: 3, int, _same, "a whole number such as 3"),
        VariableType("number", to_decimal, lambda: Decimal("0.15"), Decimal, str, "a number such as 0.15 or 1234.5"),
        VariableType(
            "money", parse_money, lambda: Money(Decimal("1234.50"), "EUR"), Money, Money.as_json,
            'an amount and an ISO 4217 currency such as "19.99 EUR" or {amount: "19.99", currency: EUR}',
        ),
        VariableType("date", parse_date, lambda: date(2026, 12, 3), date, date.isoformat,
                     "an ISO 8601 date such as 2026-12-03"),
        VariableType(
            "datetime", parse_datetime, lambda: datetime(2026, 11, 22, 23, 30, tzinfo=UTC), datetime,
            datetime.isoformat, "an ISO 8601 date and time with an offset or Z, such as 2026-11-22T23:30:00Z",
        ),
        VariableType(
            "list", parse_list, lambda: ["Linen T-shirt (M)", "Nanbu cast-iron kettle"], (list, tuple), _list_json,
            'a list, given to --var as JSON such as ["Linen T-shirt", "Kettle"]',
        ),
    )
}

#: The names entries may write after ``type:``.
VARIABLE_TYPES: tuple[str, ...] = tuple(TYPES)


def variable_type(name: str) -> VariableType:
    try:
        return TYPES[name]
    except KeyError:
        raise ValueProblem(f"unknown variable type '{name}': use one of {', '.join(VARIABLE_TYPES)}") from None


def parse_typed(var_type: str, value: Any) -> Any:
    """Parse one value by its declared type; raise ValueProblem saying what is wrong."""
    return variable_type(var_type).parse(value)


def sample_value(var_type: str) -> Any:
    """A realistic value of a declared type, so lint can render every template without real data."""
    if var_type not in TYPES:
        raise ValueError(f"unknown variable type '{var_type}'")
    return TYPES[var_type].sample()


def json_form(value: Any) -> Any:
    """Any value as JSON data: typed values in their type's JSON form, mappings and lists item by item."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_form(v) for k, v in value.items()}
    for spec in TYPES.values():
        if isinstance(value, spec.python_type) and not (spec.name == "date" and isinstance(value, datetime)):
            return spec.to_json(value)
    if isinstance(value, float):
        return value
    return str(value)
