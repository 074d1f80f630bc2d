"""A ``locale.<key>`` read by a template is missing from a locale file or empty, or a currency or time zone is invalid.

Every declared locale's ``locales/<locale>.yaml`` must hold every key the templates read, since a
reply in any locale may be rendered from them. A key may be left empty (``store_name:``) to take
its fallback's value (the source locale's, by default); with no value anywhere in the chain,
it has none. Currency codes must be ISO 4217 codes Babel knows
(keys ``currency`` or ``*_currency``, and amounts written as ``"150 USD"``); time zones must be IANA
names (keys ``timezone``, ``time_zone``, ``tz`` or ``*_timezone``).

Fails (a template reads ``{{ locale.return_window_days }}``; ``locales/de.yaml``)::

    currency: EURO
    timezone: Europe/Berlinn

Passes::

    currency: EUR
    timezone: Europe/Berlin
    return_window_days: 30
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from babel.numbers import list_currencies

from replykit.kb.model import LocaleData, Position, TemplateFile
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation

_AMOUNT = re.compile(r"^\s*-?\d[\d.,\s]*\s+([A-Z]{3})\s*$|^\s*([A-Z]{3})\s+-?\d[\d.,\s]*$")


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    used: dict[str, tuple[TemplateFile, int]] = {}
    for template in ctx.templates():
        for use in ctx.info(template).uses:
            if use.name == "locale" and len(use.path) >= 2:
                used.setdefault(use.path[1], (template, use.line))
    kb = ctx.kb
    for locale in kb.locales:
        data = kb.locale_data.get(locale)
        if data is None:
            if used:
                yield Violation(
                    kb.config.position_of("locales"),
                    f"locale '{locale}' has no locales/{locale}.yaml, but templates read locale.*"
                    f" (e.g. locale.{min(used)}): create it",
                )
            continue
        for key in sorted(set(used) - set(data.data)):
            template, line = used[key]
            yield Violation(
                Position(str(data.path)),
                f"missing key '{key}', read as locale.{key} by templates/{template.locale}/{template.name}.j2"
                f" line {line}: add it",
            )
        chain = [kb.locale_data[loc] for loc in ctx.chain(locale) if loc in kb.locale_data]
        for key in sorted(k for k in set(used) & set(data.data) if data.data[k] is None):
            if any(later.data.get(key) is not None for later in chain):
                continue  # left empty on purpose: a fallback locale's value is used
            template, line = used[key]
            yield Violation(
                data.key_positions.get(key) or Position(str(data.path)),
                f"key '{key}' has no value, and templates/{template.locale}/{template.name}.j2 line {line}"
                f" reads it as locale.{key}: give it a value",
            )
    for data in kb.locale_data.values():
        yield from _check_values(data)


def _check_values(data: LocaleData) -> Iterator[Violation]:
    for key, value in data.data.items():
        where = data.key_positions.get(key) or Position(str(data.path))
        lowered = key.lower()
        if lowered == "currency" or lowered.endswith("_currency"):
            if not isinstance(value, str) or value.upper() not in _currencies() or value != value.upper():
                yield Violation(where, f"{key}: '{value}' is not an ISO 4217 currency code such as EUR or JPY")
        elif lowered in ("timezone", "time_zone", "tz") or lowered.endswith(("_timezone", "_time_zone", "_tz")):
            if not isinstance(value, str) or not _is_zone(value):
                yield Violation(where, f"{key}: '{value}' is not an IANA time zone such as Europe/Berlin")
        elif isinstance(value, str):
            match = _AMOUNT.match(value)
            code = match and (match.group(1) or match.group(2))
            if code and code not in _currencies():
                yield Violation(where, f"{key}: '{code}' in '{value}' is not an ISO 4217 currency code")


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@lru_cache(maxsize=256)
def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


RULE = Rule(id="locale-data", level="error", check=check, doc=__doc__ or "")
