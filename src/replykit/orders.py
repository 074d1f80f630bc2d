"""Orders found by themselves: the shop's own order exports fill a reply's variables.

Agents should not retype what the shop already knows. ``replykit.yaml`` may name an order source
(a file or folder of JSON, JSONL or CSV exports, shaped as the shop system writes them) and map
each variable to a dotted path into a nested order; the order number the customer wrote in the
message picks the order. The same mapping reads a nested export given with ``--order FILE``.

```yaml
orders:
  source: examples/orders            # file or folder, relative to the KB root
  number_pattern: 'KS-\\d{4}-\\d{5}'   # how order numbers look in messages (a regular expression)
  number: name                       # where each order keeps its number
  fields:                            # variable or customer.<key> -> dotted path ('*' collects a list)
    order_id: name
    items: line_items.*.name
    order_total: total_price
```
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any

from replykit.errors import RenderError, UserError
from replykit.kb.model import Entry, KnowledgeBase
from replykit.records import Record
from replykit.values import parse_timezone, parse_values, read_order_file
from replykit.variable_types import Money, ValueProblem, parse_typed, to_decimal

#: Order numbers as shops print them: letters, digits and dashes with at least four digits (KS-2026-10482, #1001 is
#: too short to tell from a quantity, so it needs its own pattern).
DEFAULT_NUMBER_PATTERN = r"#?\b[A-Z]{0,5}-?\d{4,}(?:-\d+)*\b"  # matched without case
#: An export bigger than this is not read whole into a desk that must answer in milliseconds.
MAX_EXPORT_BYTES = 64 * 1024 * 1024
EXPORT_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
SECTION_KEYS = ("source", "number_pattern", "number", "fields", "currency")


class OrderConfigError(UserError):
    """The ``orders:`` section of replykit.yaml is unusable (exit 2)."""


# ---- dotted paths ----------------------------------------------------------------------------


def lookup(record: Any, path: str) -> Any:
    """The value at a dotted path (``fulfillments.0.tracking_number``); ``*`` collects over a list.

    A missing step gives None, never an error: exports leave out empty fields.
    """
    return _walk(record, path.split(".")) if path else record


def _walk(value: Any, steps: Sequence[str]) -> Any:
    for index, step in enumerate(steps):
        if value is None:
            return None
        if step == "*":
            if not isinstance(value, list):
                return None
            found = [_walk(item, steps[index + 1 :]) for item in value]
            return [item for item in found if item not in (None, "")]
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.lstrip("-").isdigit():
            position = int(step)
            value = value[position] if -len(value) <= position < len(value) else None
        else:
            return None
    return value


# ---- the orders: section ---------------------------------------------------------------------


class OrderMapping(Record):
    """How an export's nested order becomes the flat values a template sees."""

    fields: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    number: str = "order_id"
    currency: str | None = None  # dotted path of the order's currency, for bare amounts

    def flatten(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The order as ``name -> value`` (``customer.<key>`` names build the customer mapping)."""
        if not self.fields:
            return dict(record)
        flat: dict[str, Any] = {}
        for name, paths in self.fields.items():
            if isinstance(paths, str):
                value = lookup(record, paths)
            else:  # several paths joined with a space: first and last name
                parts = [lookup(record, p) for p in paths]
                value = " ".join(str(p) for p in parts if p not in (None, "")) or None
            if value in (None, "", []):
                continue
            if name.startswith("customer."):
                flat.setdefault("customer", {})[name.split(".", 1)[1]] = value
            else:
                flat[name] = value
        if self.currency is not None and "currency" not in flat:
            currency = lookup(record, self.currency)
            if isinstance(currency, str) and currency:
                flat["currency"] = currency
        return flat


class OrderSettings(Record):
    """The ``orders:`` section: where exports are, how order numbers look, and the mapping."""

    source: Path | None
    pattern: re.Pattern[str]
    mapping: OrderMapping

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> OrderSettings | None:
        """The KB's settings, or None when replykit.yaml has no ``orders:`` section."""
        section = getattr(kb.config, "orders", None)
        if not section:
            return None
        return cls.parse(section, kb.root, str(kb.config.path))

    @classmethod
    def parse(cls, section: Mapping[str, Any], root: Path, where: str) -> OrderSettings:
        def bad(what: str) -> OrderConfigError:
            return OrderConfigError(f"{where}: orders: {what}")

        unknown = sorted(set(section) - set(SECTION_KEYS))
        if unknown:
            raise bad(f"unknown key '{unknown[0]}': use {', '.join(SECTION_KEYS)}")
        source = section.get("source")
        if source is not None and not isinstance(source, str):
            raise bad("source must be a file or folder path, such as examples/orders")
        pattern_text = section.get("number_pattern", DEFAULT_NUMBER_PATTERN)
        if not isinstance(pattern_text, str):
            raise bad("number_pattern must be a regular expression in quotes, such as 'KS-\\d{4}-\\d{5}'")
        try:
            pattern = re.compile(pattern_text, re.IGNORECASE)  # customers write ks-2026-10482 too
        except re.error as e:
            raise bad(f"number_pattern is not a valid regular expression ({e}): fix it or remove it") from None
        number = section.get("number", "order_id")
        currency = section.get("currency")
        if not isinstance(number, str) or not number:
            raise bad("number must be the dotted path of the order number in each order, such as name")
        if currency is not None and not isinstance(currency, str):
            raise bad("currency must be the dotted path of the order's currency, such as currency")
        raw_fields = section.get("fields", {})
        if not isinstance(raw_fields, Mapping):
            raise bad("fields must map variable names to dotted paths, such as {order_id: name}")
        fields: dict[str, str | tuple[str, ...]] = {}
        for name, path in raw_fields.items():
            if isinstance(path, str) and path:
                fields[str(name)] = path
            elif isinstance(path, list) and path and all(isinstance(p, str) for p in path):
                fields[str(name)] = tuple(path)
            else:
                raise bad(f"fields.{name} must be a dotted path such as line_items.*.name, or a list of them")
        return cls(
            source=(root / source) if source else None,
            pattern=pattern,
            mapping=OrderMapping(fields, number, currency),
        )


# ---- reading exports -------------------------------------------------------------------------


def _records_of(data: Any) -> list[Mapping[str, Any]]:
    """Orders in a JSON document: one order, a list, or an API response (``{"orders": [...]}``)."""
    if isinstance(data, list):
        return [item for item in data if isinstance(item, Mapping)]
    if isinstance(data, Mapping):
        for key in ("orders", "order"):
            inner = data.get(key)
            if isinstance(inner, list) and len(data) <= 2:
                return [item for item in inner if isinstance(item, Mapping)]
            if isinstance(inner, Mapping) and len(data) == 1:
                return [inner]
        return [data]
    return []


def _csv_records(text: str, number: str) -> list[Mapping[str, Any]]:
    """A CSV export (',', ';' or tab) with one row per line item, as shops export them: rows of one order are grouped.

    The order's own columns come from its first row; every row is kept under ``lines``.
    """
    import csv  # here: a KB without a CSV order export never pays for it

    orders: dict[str, dict[str, Any]] = {}
    header = text.split("\n", 1)[0]
    try:  # spreadsheets in many European locales save with ';', some exports use tabs
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for row in csv.DictReader(io.StringIO(text), dialect=dialect):
        clean = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
        key = clean.get(number, "")
        if not key:
            continue
        order = orders.get(key)
        if order is None:
            order = orders[key] = {**{k: v for k, v in clean.items() if v}, "lines": []}
        order["lines"].append(clean)
    return list(orders.values())


def read_export(path: Path, number: str = "order_id") -> list[Mapping[str, Any]]:
    """Every order in one export file (JSON, JSONL or CSV); ``path:line`` errors for bad content."""
    try:
        size = path.stat().st_size
        if size > MAX_EXPORT_BYTES:
            raise RenderError(f"{path}: order export of {size // 2**20} MiB is over 64 MiB: split it into parts")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RenderError(f"{path}: not UTF-8 text: export the orders as UTF-8") from None
    except OSError as e:
        raise RenderError(f"{path}: cannot read the order export ({e.strerror or e})") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_records(text, number)
    if suffix in (".jsonl", ".ndjson"):
        records: list[Mapping[str, Any]] = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.extend(_records_of(json.loads(line)))
            except json.JSONDecodeError as e:
                raise RenderError(f"{path}:{lineno}:{e.colno}: invalid JSON: {e.msg}") from None
        return records
    try:
        return _records_of(json.loads(text))
    except json.JSONDecodeError as e:
        raise RenderError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None


def normalize_number(text: str) -> str:
    """Order numbers compare without case, spaces or a leading '#': '#ks-2026-10482' finds KS-2026-10482."""
    return re.sub(r"\s+", "", str(text)).lstrip("#").casefold()


class OrderSource:
    """The orders of an export folder or file, by number; re-read when an export changes.

    The desk stays loaded all day while the shop keeps exporting: lookups check the files'
    modification times (at most once a second) and re-read the exports only when they changed.
    """

    #: How often a busy desk looks at the exports' modification times.
    CHECK_EVERY_SECONDS = 1.0

    def __init__(self, settings: OrderSettings) -> None:
        self.settings = settings
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._checked = -float("inf")
        self._by_number: dict[str, Mapping[str, Any]] = {}

    def _files(self) -> list[Path]:
        source = self.settings.source
        if source is None:
            return []
        if source.is_dir():
            return sorted(p for p in source.rglob("*") if p.suffix.lower() in EXPORT_SUFFIXES and p.is_file())
        if source.is_file():
            return [source]
        raise OrderConfigError(f"orders: source {source}: no such file or folder: fix the path or export orders there")

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.CHECK_EVERY_SECONDS:
            return
        files = self._files()
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        if stamp == self._stamp:
            self._checked = now
            return
        by_number: dict[str, Mapping[str, Any]] = {}
        for path in files:
            for record in read_export(path, self.settings.mapping.number):
                number = lookup(record, self.settings.mapping.number)
                if number not in (None, ""):
                    by_number[normalize_number(str(number))] = record
        self._by_number, self._stamp, self._checked = by_number, stamp, now  # a failed read is tried again

    def __len__(self) -> int:
        self._refresh()
        return len(self._by_number)

    def numbers_in(self, text: str) -> Iterator[str]:
        """The order numbers written in a message, in order (the pattern's first group if it has one)."""
        for found in self.settings.pattern.finditer(text):
            yield found.group(1) if found.re.groups else found.group(0)

    def get(self, number: str) -> Mapping[str, Any] | None:
        self._refresh()
        return self._by_number.get(normalize_number(number))

    def find(self, text: str) -> tuple[str, Mapping[str, Any]] | None:
        """The first order number in ``text`` that the exports know (as the export writes it), with its order."""
        self._refresh()
        for number in self.numbers_in(text):
            record = self._by_number.get(normalize_number(number))
            if record is not None:
                return str(lookup(record, self.settings.mapping.number)), record
        return None


# ---- typed values from an order --------------------------------------------------------------


def default_currency(kb: KnowledgeBase, locale: str) -> str | None:
    """The currency a bare amount is in for a locale: its locale file's ``currency``, else CLDR's."""
    from replykit.l10n import fallback_chain

    chain = fallback_chain(
        locale, source_locale=kb.source_locale, fallbacks=kb.config.fallbacks,
        available=set(kb.locales) | set(kb.config.fallbacks),
    )
    for loc in chain:
        data = kb.locale_data.get(loc)
        currency = data.data.get("currency") if data is not None else None
        if isinstance(currency, str) and currency:
            return currency.upper()
    try:
        from babel import Locale
        from babel.numbers import get_territory_currencies

        territory = Locale.parse(locale).territory or Locale.parse(Locale.parse(locale).language).territory
        if territory is None:
            from babel.core import get_global

            likely = get_global("likely_subtags").get(locale.split("_")[0], "")
            territory = likely.split("_")[-1] if likely else None
        found = get_territory_currencies(territory) if territory else []
    except (ValueError, LookupError):
        return None
    return found[0] if found else None


def _is_bare_amount(value: Any) -> bool:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return True
    if isinstance(value, str):
        try:
            to_decimal(value.strip())
        except (ValueProblem, ValueError, ArithmeticError):
            return False
        return True
    return False


def _date_of_timestamp(text: str) -> Any:
    """Exports stamp dates with a time (``2026-11-22T23:30:00+00:00``); a date variable takes the day there."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        return text


def typed_values(
    entry: Entry, flat: Mapping[str, Any], origin: str, *, currency: str | None = None
) -> dict[str, Any]:
    """An order's (or a form's) values typed by the entry's declarations; bare amounts take ``currency``.

    Raises RenderError naming the variable, the value and the form expected.
    """
    values: dict[str, Any] = {}
    order: dict[str, Any] = {str(k): v for k, v in flat.items()}
    currency = str(order.get("currency") or currency or "") or None
    for name, variable in entry.variables.items():
        raw = flat.get(name)
        if raw is None or raw == "":
            continue
        if variable.type == "money" and currency and _is_bare_amount(raw):
            raw = Money(to_decimal(str(raw).strip()), currency)
        elif variable.type == "date" and isinstance(raw, str) and "T" in raw:
            raw = _date_of_timestamp(raw)
        try:
            values[name] = parse_typed(variable.type, raw)
        except ValueProblem as problem:
            raise RenderError(f"{name} ({origin}): '{raw}' is not a valid {variable.type}: {problem}") from None
        order[name] = values[name]
    customer = flat.get("customer")
    if isinstance(customer, Mapping):
        values["customer"] = {str(k): v for k, v in customer.items() if v is not None}
    elif isinstance(customer, str) and customer:
        values["customer"] = {"name": customer}
    zone = flat.get("timezone")
    if zone is not None:
        if not isinstance(zone, str):
            raise RenderError(f"timezone ({origin}): expected an IANA name such as Asia/Tokyo")
        parse_timezone(zone, origin)
    values["order"] = order
    values.setdefault("customer", {})
    return values


def read_order(path: Path, settings: OrderSettings | None) -> Mapping[str, Any]:
    """``--order FILE``: a flat order file as before, or one nested export order through the mapping."""
    if settings is None or not settings.mapping.fields:
        return read_order_file(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        records: list[Mapping[str, Any]] = _records_of(read_order_file(path))
    else:
        records = read_export(path, settings.mapping.number)
    if len(records) != 1:
        raise RenderError(
            f"--order {path}: holds {len(records)} orders: give a file with one order,"
            " or name the order number in the message"
        )
    return with_own_keys(records[0], settings.mapping.flatten(records[0]))


def with_own_keys(record: Mapping[str, Any], mapped: Mapping[str, Any]) -> dict[str, Any]:
    """A flat order file names the variables itself: its top-level keys, then the mapping's values on top."""
    flat = {**record, **mapped}
    own_customer, mapped_customer = record.get("customer"), mapped.get("customer")
    if isinstance(own_customer, Mapping) and isinstance(mapped_customer, Mapping):
        flat["customer"] = {**own_customer, **mapped_customer}
    return flat


def merge_values(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` values with ``overrides`` on top; empty ``order``/``customer`` of the overrides keep base's."""
    merged = dict(base)
    for name, value in overrides.items():
        if name in ("order", "customer") and not value and name in merged:
            continue
        merged[name] = value
    return merged


class FoundOrder(Record):
    """The order a reply was filled from, and where it came from."""

    number: str | None
    origin: str
    flat: Mapping[str, Any]


def values_for(
    kb: KnowledgeBase,
    entry: Entry,
    locale: str,
    *,
    message: str | None = None,
    source: OrderSource | None = None,
    order_file: Path | None = None,
    var_args: Sequence[str] = (),
    found: FoundOrder | None = None,
) -> tuple[dict[str, Any], FoundOrder | None]:
    """Every value a reply gets: the order named in the message (or ``--order``), then ``--var`` on top."""
    settings = source.settings if source is not None else OrderSettings.from_kb(kb)
    if found is None:
        if order_file is not None:
            found = FoundOrder(None, f"from --order {order_file}", read_order(Path(order_file), settings))
        elif message is not None and source is not None:
            hit = source.find(message)
            if hit is not None:
                number, record = hit
                found = FoundOrder(number, f"order {number}", source.settings.mapping.flatten(record))
    values: dict[str, Any] = {"order": {}, "customer": {}}
    if found is not None:
        values = typed_values(entry, found.flat, found.origin, currency=default_currency(kb, locale))
    if var_args:
        values = merge_values(values, parse_values(entry, order_file=None, var_args=var_args, allow_unknown=True))
    return values, found


def render_values(
    kb: KnowledgeBase, entries: Sequence[Entry], locale: str, *, order_file: Path | None, var_args: Sequence[str]
) -> dict[str, Any]:
    """``replykit render``'s values: ``--order`` through the ``orders:`` mapping when replykit.yaml has one;
    a ``--var`` that no entry declares stays an error (a typo would leave a gap)."""
    from replykit.values import parse_values_for

    settings = OrderSettings.from_kb(kb)
    if order_file is None or settings is None or not settings.mapping.fields:
        return parse_values_for(entries, order_file=order_file, var_args=var_args)
    from replykit.l10n import normalize_locale

    flat = read_order(Path(order_file), settings)
    currency = default_currency(kb, normalize_locale(locale))
    typed: dict[str, Any] = {}
    for entry in entries:  # a variable is typed by the first entry that declares it
        for name, value in typed_values(entry, flat, f"from --order {order_file}", currency=currency).items():
            typed.setdefault(name, value)
    return merge_values(typed, parse_values_for(entries, order_file=None, var_args=var_args))


def iter_numbers(texts: Iterable[str], pattern: re.Pattern[str]) -> Iterator[str]:
    """Every order-number-looking string in ``texts`` (the usage log masks them)."""
    for text in texts:
        for found in pattern.finditer(text):
            yield found.group(0)


__all__ = [
    "DEFAULT_NUMBER_PATTERN",
    "FoundOrder",
    "OrderConfigError",
    "OrderMapping",
    "OrderSettings",
    "OrderSource",
    "default_currency",
    "lookup",
    "read_export",
    "read_order",
    "render_values",
    "typed_values",
    "values_for",
]
