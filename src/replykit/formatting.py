"""Jinja filters that format values the way the reply's market reads them (Babel / CLDR).

Every filter is bound to one locale and one time zone when the environment is built, so a
reply never depends on the process's locale: ``{{ total | money }}`` is ``1.234,50 €`` in a
German reply on any machine. Datetimes are shown in the customer's time zone, because 23:30
UTC on 22 November is already 23 November in Tokyo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision
from jinja2 import Undefined

from replykit.errors import RenderError
from replykit.l10n import babel_locale
from replykit.records import Record
from replykit.render_bounds import check_size
from replykit.values import Missing, handles_missing
from replykit.variable_types import (
    Money,
    ValueProblem,
    describe_value,
    parse_currency,
    parse_datetime,
    parse_moment,
    parse_money,
    to_decimal,
)

#: CLDR plural categories, in the order CLDR lists them.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
DATE_FORMATS = ("short", "medium", "long", "full")
LIST_STYLES = ("standard", "standard-short", "or", "or-short", "unit", "unit-short", "unit-narrow")
TIMEDELTA_UNITS = ("year", "month", "week", "day", "hour", "minute", "second")

#: Below this many days a date is said in days ("in 10 days"), not rounded to weeks or months.
_DAYS_EXACT_BELOW = 28


class FormatError(RenderError):
    """A filter got a value it cannot format; the renderer adds the template and line."""


Filter = Callable[..., str]


def _check_defined(value: Any) -> None:
    """Let StrictUndefined raise its own clear message (``'eta' is undefined``)."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()


class Formatter(Record):
    """The formatting filters of one reply: its locale, its customer's time zone, its ``now``."""

    locale: str
    tz: tzinfo = UTC
    now: datetime | None = None

    @property
    def babel(self) -> Locale:
        return babel_locale(self.locale)

    def current_time(self) -> datetime:
        moment = self.now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.tz)

    def filters(self) -> dict[str, Filter]:
        """The filters by the names templates use."""
        return {
            "date": self.date,
            "datetime": self.datetime,
            "money": self.money,
            "number": self.number,
            "percent": self.percent,
            "list": self.list,
            "timedelta": self.timedelta,
            "plural": self.plural,
        }

    # -- dates and times

    def _to_datetime(self, value: Any, name: str) -> datetime:
        """A datetime in the customer's zone, read by the same parser as ``--var`` (an offset is required).

        A naive datetime object can only come from a Python caller; it is taken as UTC.
        """
        if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
            value = value.replace(tzinfo=UTC)
        try:
            moment = parse_datetime(value)
        except ValueProblem as problem:
            raise FormatError(f"{name}: {_kind(value)}: {problem}") from None
        return moment.astimezone(self.tz)

    def _to_date(self, value: Any, name: str) -> date:
        """The customer's calendar day of a date, or of a date and time."""
        moment = self._moment(value, name)
        return moment.date() if isinstance(moment, datetime) else moment

    def _moment(self, value: Any, name: str) -> date | datetime:
        try:
            moment = parse_moment(value.replace(tzinfo=UTC) if _naive(value) else value)
        except ValueProblem as problem:
            raise FormatError(f"{name}: {_kind(value)}: {problem}") from None
        return moment.astimezone(self.tz) if isinstance(moment, datetime) else moment

    def date(self, value: Any, format: str = "medium") -> str:
        """``{{ eta | date }}``, ``{{ eta | date('long') }}`` or a CLDR pattern such as ``'d MMMM'``.

        A datetime is converted to the customer's time zone first, so the day is the customer's day.
        """
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        day = self._to_date(value, "date")
        from babel.dates import format_date  # here: babel.dates (and zoneinfo) only for replies with dates

        try:
            return format_date(day, format, locale=self.babel)
        except (ValueError, KeyError, AttributeError) as e:
            raise FormatError(
                f"date: format '{format}' is not short, medium, long, full or a CLDR pattern ({e})"
            ) from None

    def datetime(self, value: Any, format: str = "medium") -> str:
        """``{{ shipped_at | datetime('short') }}`` in the customer's time zone."""
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            raise FormatError("datetime: a date has no time of day; use the date filter")
        moment = self._to_datetime(value, "datetime")
        from babel.dates import format_datetime

        try:
            return format_datetime(moment, format, tzinfo=self.tz, locale=self.babel)
        except (ValueError, KeyError, AttributeError) as e:
            raise FormatError(
                f"datetime: format '{format}' is not short, medium, long, full or a CLDR pattern ({e})"
            ) from None

    def timedelta(self, value: Any, unit: str | None = None, format: str = "long") -> str:
        """``{{ eta | timedelta }}`` says "in 3 days" / "vor 2 Tagen", counted from ``now``.

        A date is counted in whole days of the customer's calendar, and said in days below four
        weeks (an ETA of 10 days is not "in 1 week"). ``unit`` forces one unit (``'hour'``).
        """
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        if unit is not None and unit not in TIMEDELTA_UNITS:
            raise FormatError(f"timedelta: unit '{unit}' is not one of {', '.join(TIMEDELTA_UNITS)}")
        if format not in ("long", "short", "narrow"):
            raise FormatError(f"timedelta: format '{format}' is not long, short or narrow")
        granularity = "second"
        if isinstance(value, timedelta):
            delta = value
        elif isinstance(value, (date, str)) and isinstance(moment := self._moment(value, "timedelta"), datetime):
            delta = moment - self.current_time()
            granularity = "minute"
        elif isinstance(value, (date, str)):
            days = (self._to_date(value, "timedelta") - self.current_time().date()).days
            delta = timedelta(days=days)
            granularity = "day"
            if unit is None and abs(days) < _DAYS_EXACT_BELOW:
                unit = "day"
        else:
            raise FormatError(f"timedelta: {_kind(value)} is not a date, a date and time or a duration")
        style = cast(Any, format)
        from babel.dates import format_timedelta

        if unit is not None:  # a threshold no value reaches makes Babel say it in ``unit``
            return format_timedelta(
                delta, granularity=cast(Any, unit), threshold=1e12, add_direction=True, format=style, locale=self.babel
            )
        return format_timedelta(
            delta, granularity=cast(Any, granularity), add_direction=True, format=style, locale=self.babel
        )

    # -- numbers and money

    def _number(self, value: Any, name: str) -> Decimal:
        try:
            return to_decimal(value)
        except ValueProblem as problem:
            raise FormatError(f"{name}: '{value}': {problem}") from None

    def money(self, value: Any, currency: str | None = None) -> str:
        """``{{ order_total | money }}`` with the currency's own digits (JPY has none).

        Takes a money value, a string such as ``"100 USD"``, or a plain amount with its currency
        given: ``{{ 100 | money('USD') }}``. Amounts are Decimal and rounded half up.
        """
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        try:
            if currency is not None and _is_plain_amount(value):
                amount = Money(to_decimal(value), parse_currency(currency))
            else:
                amount = parse_money(value)
                if currency is not None and parse_currency(currency) != amount.currency:
                    raise ValueProblem(f"the amount is in {amount.currency}, not {currency.upper()}")
        except ValueProblem as problem:
            raise FormatError(
                f"money: '{value}': {problem}; give a money value or text such as \"19.99 EUR\""
            ) from None
        digits = get_currency_precision(amount.currency)
        rounded = amount.amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return format_currency(rounded, amount.currency, locale=self.babel, currency_digits=True)

    def number(self, value: Any, format: str | None = None) -> str:
        """``{{ 1234.5 | number }}`` is 1,234.5 in en, 1.234,5 in de."""
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        return format_decimal(self._number(value, "number"), format=format, locale=self.babel)

    def percent(self, value: Any, format: str | None = None) -> str:
        """``{{ 0.15 | percent }}`` is 15% in en, 15 % in de (a fraction, not a count of percent)."""
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        return format_percent(self._number(value, "percent"), format=format, locale=self.babel)

    # -- lists and plurals

    def list(self, value: Any, style: str = "standard") -> str:
        """``{{ items | list }}``: "a, b, and c" in en, "a, b und c" in de, "a、b、c" in ja."""
        if isinstance(value, Missing):
            return str(value)
        _check_defined(value)
        if style not in LIST_STYLES:
            raise FormatError(f"list: style '{style}' is not one of {', '.join(LIST_STYLES)}")
        if isinstance(value, (str, Mapping)) or not isinstance(value, Iterable):
            raise FormatError(f"list: {_kind(value)} is not a list")
        items = [str(item) for item in value]  # a list, or what map/select/range give
        check_size(sum(map(len, items)) + 3 * len(items), "the list filter")
        return format_list(items, style=cast(Any, style), locale=self.babel)

    @handles_missing
    def plural(self, value: Any, **forms: str) -> str:
        """``{{ n | plural(one="# day", other="# days") }}`` by the locale's CLDR plural rules.

        ``#`` becomes the number formatted for the locale. The categories are CLDR's (zero, one,
        two, few, many, other): Japanese uses only ``other``, Arabic all six. A category the
        template does not give falls back to ``other``, which is therefore required.
        """
        unknown = sorted(set(forms) - set(PLURAL_CATEGORIES))
        if unknown:
            raise FormatError(
                f"plural: unknown form {', '.join(unknown)}: use the CLDR categories {', '.join(PLURAL_CATEGORIES)}"
            )
        if "other" not in forms:
            raise FormatError('plural: other="..." is required, it is the form every language has')
        if isinstance(value, Missing):
            return str(forms["other"]).replace("#", str(value))
        _check_defined(value)
        number = self._number(value, "plural")
        category = self.babel.plural_form(int(number) if number == number.to_integral_value() else number)
        form = forms.get(category, forms["other"])
        return str(form).replace("#", format_decimal(number, locale=self.babel))


def _naive(value: Any) -> bool:
    return isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None)


def _is_plain_amount(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return not any(ch.isalpha() for ch in value)
    return isinstance(value, (int, float, Decimal))


def _kind(value: Any) -> str:
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        return f"'{value}' ({describe_value(value)})"
    return describe_value(value)
