"""Exact outputs of the formatting filters, per locale, through `replykit render` on real KBs.

The glyphs (separators, spaces, currency signs, month names) are CLDR's, so the expected text
comes from Babel in the test: a new CLDR release changes both sides alike. What the tests pin as
literals are replykit's own decisions: which locale formats, which format is the default, that
yen amounts are rounded half up, that an ETA is said in days, that a datetime is shown in the
customer's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent

from tests.conftest import RunCLI, WriteKB

CONFIG = "source_locale: en\nlocales: [en, de, ja, fr, ar]\n"

ENTRY = """
id: show
questions:
  en: ["show me the values"]
variables:
  total: {type: money}
  eta: {type: date}
  shipped_at: {type: datetime}
  items: {type: list}
  n: {type: number}
  days: {type: int}
"""

SHIPPED = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


def render_body(write_kb: WriteKB, run_cli: RunCLI, locale: str, body: str, *args: str) -> str:
    """Render a one-template KB in chat (no greeting) and return stdout; the render must succeed."""
    files = {"kb/show.yaml": ENTRY, "templates/en/show.j2": body, f"templates/{locale}/show.j2": body}
    root = write_kb(files, config=CONFIG)
    result = run_cli("render", "show", "--kb", str(root), "--locale", locale, "--channel", "chat", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize(
    ("locale", "value", "amount", "currency"),
    [
        ("de", "1234.50 EUR", "1234.50", "EUR"),
        ("ja", "1234 JPY", "1234", "JPY"),
        ("ja", "1234.5 JPY", "1235", "JPY"),  # no yen decimals; rounded half up, never banker's rounding
        ("ja", "1233.5 JPY", "1234", "JPY"),
        ("en", "1234.5 USD", "1234.50", "USD"),
        ("en", "19.99 EUR", "19.99", "EUR"),
        ("fr", "1234.5 EUR", "1234.50", "EUR"),
        ("de", "EUR 0.1", "0.10", "EUR"),
    ],
)
def test_money_is_formatted_for_the_reply_locale(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, value: str, amount: str, currency: str
) -> None:
    out = render_body(write_kb, run_cli, locale, "{{ total | money }}\n", "--var", f"total={value}")
    assert out == format_currency(Decimal(amount), currency, locale=locale) + "\n"


def test_money_filter_takes_text_and_plain_amounts_with_a_currency(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ '100 USD' | money }} / {{ 2500 | money('JPY') }} / {{ '19.9' | money('EUR') }}\n"
    amounts = (("100", "USD"), ("2500", "JPY"), ("19.9", "EUR"))
    expected = [format_currency(Decimal(amount), currency, locale="de") for amount, currency in amounts]
    assert render_body(write_kb, run_cli, "de", body) == " / ".join(expected) + "\n"


def test_money_without_currency_is_an_error_naming_the_template_line(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/show.yaml": ENTRY, "templates/en/show.j2": "Total:\n{{ 19.99 | money }}\n"}, config=CONFIG)
    result = run_cli("render", "show", "--kb", str(root), "--locale", "en")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "templates/en/show.j2:2: money: '19.99'" in result.stderr
    assert '"19.99 EUR"' in result.stderr


@pytest.mark.parametrize(
    ("locale", "fmt"),
    [("de", "long"), ("de", "medium"), ("en", "medium"), ("en", "full"), ("ja", "long"), ("fr", "long"),
     ("de", "d. MMMM")],
)
def test_dates_per_locale(write_kb: WriteKB, run_cli: RunCLI, locale: str, fmt: str) -> None:
    out = render_body(write_kb, run_cli, locale, f"{{{{ eta | date('{fmt}') }}}}\n", "--var", "eta=2026-12-03")
    assert out == format_date(date(2026, 12, 3), fmt, locale=locale) + "\n"


def test_plain_date_filter_is_medium(write_kb: WriteKB, run_cli: RunCLI) -> None:
    out = render_body(write_kb, run_cli, "ja", "{{ eta | date }}\n", "--var", "eta=2026-12-03")
    assert out == format_date(date(2026, 12, 3), "medium", locale="ja") + "\n"


def test_a_utc_evening_is_already_the_next_day_in_tokyo(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ shipped_at | date('long') }} {{ shipped_at | datetime('short') }}\n"
    out = render_body(
        write_kb, run_cli, "ja", body, "--var", "shipped_at=2026-11-22T23:30:00Z", "--tz", "Asia/Tokyo"
    )
    tokyo = ZoneInfo("Asia/Tokyo")
    day = format_date(date(2026, 11, 23), "long", locale="ja")  # the 23rd in Tokyo, not the UTC 22nd
    assert out == f"{day} {format_datetime(SHIPPED, 'short', tzinfo=tokyo, locale='ja')}\n"
    assert "23" in day and "8:30" in out


@pytest.mark.parametrize(
    ("locale", "zone", "fmt", "hour"),
    [("en", "America/New_York", "short", "6:30"), ("de", "Europe/Berlin", "long", "00:30")],
)
def test_datetimes_are_shown_in_the_customer_time_zone(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, zone: str, fmt: str, hour: str
) -> None:
    body = f"{{{{ shipped_at | datetime('{fmt}') }}}}\n"
    out = render_body(write_kb, run_cli, locale, body, "--var", "shipped_at=2026-11-22T23:30:00Z", "--tz", zone)
    assert out == format_datetime(SHIPPED, fmt, tzinfo=ZoneInfo(zone), locale=locale) + "\n"
    assert hour in out  # the customer's clock, not UTC's 23:30


@pytest.mark.parametrize("locale", ["en", "de", "ja", "fr"])
def test_lists_per_locale(write_kb: WriteKB, run_cli: RunCLI, locale: str) -> None:
    out = render_body(write_kb, run_cli, locale, "{{ items | list }}\n", "--var", 'items=["a", "b", "c"]')
    assert out == format_list(["a", "b", "c"], locale=locale) + "\n"


def test_or_lists_and_a_single_item(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ items | list('or') }} / {{ ['kettle'] | list }}\n"
    out = render_body(write_kb, run_cli, "de", body, "--var", 'items=["M", "L"]')
    assert out == f"{format_list(['M', 'L'], style='or', locale='de')} / kettle\n"


@pytest.mark.parametrize(
    ("locale", "days", "form"),
    [("en", 1, "one"), ("en", 3, "other"), ("en", 0, "other"), ("en", 1234, "other"), ("de", 1, "one"),
     ("de", 1234, "other")],
)
def test_plural_picks_the_cldr_form_and_formats_the_number(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, days: int, form: str
) -> None:
    words = {"en": {"one": "# day", "other": "# days"}, "de": {"one": "# Tag", "other": "# Tage"}}[locale]
    body = f"{{{{ days | plural(one=\"{words['one']}\", other=\"{words['other']}\") }}}}\n"
    out = render_body(write_kb, run_cli, locale, body, "--var", f"days={days}")
    assert Locale.parse(locale).plural_form(days) == form
    assert out == words[form].replace("#", format_decimal(days, locale=locale)) + "\n"


@pytest.mark.parametrize("days", ["1", "2", "14"])
def test_japanese_has_one_plural_form(write_kb: WriteKB, run_cli: RunCLI, days: str) -> None:
    body = '{{ days | plural(one="wrong", other="#日") }}\n'
    assert render_body(write_kb, run_cli, "ja", body, "--var", f"days={days}") == f"{days}日\n"


@pytest.mark.parametrize(
    ("days", "form"),
    [("0", "zero"), ("1", "one"), ("2", "two"), ("3", "few"), ("10", "few"), ("11", "many"), ("99", "many"),
     ("100", "other"), ("102", "other")],  # 102 is not "two": Arabic's rule is n = 2, not n mod 100 = 2
)
def test_arabic_has_six_plural_forms(write_kb: WriteKB, run_cli: RunCLI, days: str, form: str) -> None:
    body = (
        '{{ days | plural(zero="zero #", one="one #", two="two #", few="few #", many="many #", other="other #") }}\n'
    )
    out = render_body(write_kb, run_cli, "ar", body, "--var", f"days={days}")
    assert out == f"{form} {days}\n"


def test_a_plural_form_the_template_omits_falls_back_to_other(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = '{{ days | plural(one="# يوم", other="# أيام") }}\n'
    assert render_body(write_kb, run_cli, "ar", body, "--var", "days=3") == "3 أيام\n"


def test_plural_without_other_is_refused(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = '{{ days | plural(one="# day") }}\n'
    root = write_kb({"kb/show.yaml": ENTRY, "templates/en/show.j2": body}, config=CONFIG)
    result = run_cli("render", "show", "--kb", str(root), "--locale", "en", "--var", "days=2")
    assert result.exit_code == 2
    assert 'templates/en/show.j2:1: plural: other="..." is required' in result.stderr


def test_plural_with_an_unknown_category_is_refused(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = '{{ days | plural(single="# day", other="# days") }}\n'
    root = write_kb({"kb/show.yaml": ENTRY, "templates/en/show.j2": body}, config=CONFIG)
    result = run_cli("render", "show", "--kb", str(root), "--locale", "en", "--var", "days=2")
    assert result.exit_code == 2
    assert "plural: unknown form single: use the CLDR categories zero, one, two, few, many, other" in result.stderr


@pytest.mark.parametrize("locale", ["en", "de", "fr"])
def test_numbers_and_percent(write_kb: WriteKB, run_cli: RunCLI, locale: str) -> None:
    body = "{{ n | number }} / {{ 0.15 | percent }}\n"
    expected = f"{format_decimal(Decimal('1234.5'), locale=locale)} / {format_percent(Decimal('0.15'), locale=locale)}"
    assert render_body(write_kb, run_cli, locale, body, "--var", "n=1234.5") == expected + "\n"


def test_decimal_numbers_keep_their_digits(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ n | number }} {{ total | money }}\n"
    out = render_body(write_kb, run_cli, "en", body, "--var", "n=0.1", "--var", "total=0.30 USD")
    assert out == f"0.1 {format_currency(Decimal('0.30'), 'USD', locale='en')}\n"  # 0.1, never 0.1000000000000000055


@pytest.mark.parametrize(
    ("locale", "offset"),
    [("en", 3), ("en", 10), ("en", -2), ("de", 3), ("ja", 3)],  # 10 days is said in days, not "in 1 week"
)
def test_timedelta_counts_days_from_today(write_kb: WriteKB, run_cli: RunCLI, locale: str, offset: int) -> None:
    eta = (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()
    out = render_body(write_kb, run_cli, locale, "{{ eta | timedelta }}\n", "--var", f"eta={eta}", "--tz", "UTC")
    in_days = format_timedelta(
        timedelta(days=offset), granularity="day", threshold=1e12, add_direction=True, locale=locale
    )
    assert out == in_days + "\n"
    assert str(abs(offset)) in out


def test_formatting_uses_the_reply_locale_not_the_process_locale(
    write_kb: WriteKB, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    out = render_body(write_kb, run_cli, "de", "{{ eta | date('long') }}\n", "--var", "eta=2026-12-03")
    assert out == format_date(date(2026, 12, 3), "long", locale="de") + "\n"
    assert out != format_date(date(2026, 12, 3), "long", locale="ja") + "\n"


def test_a_regional_request_formats_for_its_region_when_the_text_is_in_its_language(
    write_kb: WriteKB, run_cli: RunCLI
) -> None:
    config = "source_locale: en\nlocales: [en, de]\nfallbacks: {de_AT: [de], de_CH: [de]}\n"
    root = write_kb(
        {"kb/show.yaml": ENTRY, "templates/en/show.j2": "{{ total | money }}\n",
         "templates/de/show.j2": "{{ total | money }} {{ eta | date('long') }}\n"},
        config=config,
    )
    args = ("--channel", "chat", "--var", "total=1234.5 EUR", "--var", "eta=2027-01-05")
    # Which locale formats is replykit's decision (the region's, not plain de); the glyphs are CLDR's.
    def cldr(locale: str) -> str:
        money = format_currency(Decimal("1234.5"), "EUR", locale=locale)
        return f"{money} {format_date(date(2027, 1, 5), 'long', locale=locale)}\n"

    at = run_cli("render", "show", "--kb", str(root), "--locale", "de-AT", *args)
    assert at.stdout == cldr("de_AT")
    assert cldr("de_AT") != cldr("de")  # Austria's month names: the region's data, not de's
    ch = run_cli("render", "show", "--kb", str(root), "--locale", "de_CH", *args)
    assert ch.stdout == cldr("de_CH")
    assert cldr("de_CH") != cldr("de")
