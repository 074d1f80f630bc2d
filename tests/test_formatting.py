"""Exact outputs of the formatting filters, per locale, through `replykit render` on real KBs.

Expected strings are CLDR's (via Babel): German puts a no-break space before €, en uses the
serial comma, Japanese yen has no decimals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

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

NBSP = "\u00a0"
NNBSP = "\u202f"


def render_body(write_kb: WriteKB, run_cli: RunCLI, locale: str, body: str, *args: str) -> str:
    """Render a one-template KB in chat (no greeting) and return stdout; the render must succeed."""
    files = {"kb/show.yaml": ENTRY, "templates/en/show.j2": body, f"templates/{locale}/show.j2": body}
    root = write_kb(files, config=CONFIG)
    result = run_cli("render", "show", "--kb", str(root), "--locale", locale, "--channel", "chat", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("de", "1234.50 EUR", f"1.234,50{NBSP}€"),
        ("ja", "1234 JPY", "￥1,234"),
        ("ja", "1234.5 JPY", "￥1,235"),  # no yen decimals; rounded half up, never banker's rounding
        ("en", "1234.5 USD", "$1,234.50"),
        ("en", "19.99 EUR", "€19.99"),
        ("fr", "1234.5 EUR", f"1{NNBSP}234,50{NBSP}€"),
        ("de", "EUR 0.1", f"0,10{NBSP}€"),
    ],
)
def test_money_is_formatted_for_the_reply_locale(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, value: str, expected: str
) -> None:
    out = render_body(write_kb, run_cli, locale, "{{ total | money }}\n", "--var", f"total={value}")
    assert out == expected + "\n"


def test_money_filter_takes_text_and_plain_amounts_with_a_currency(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ '100 USD' | money }} / {{ 2500 | money('JPY') }} / {{ '19.9' | money('EUR') }}\n"
    assert render_body(write_kb, run_cli, "de", body) == f"100,00{NBSP}$ / 2.500{NBSP}¥ / 19,90{NBSP}€\n"


def test_money_without_currency_is_an_error_naming_the_template_line(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/show.yaml": ENTRY, "templates/en/show.j2": "Total:\n{{ 19.99 | money }}\n"}, config=CONFIG)
    result = run_cli("render", "show", "--kb", str(root), "--locale", "en")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "templates/en/show.j2:2: money: '19.99'" in result.stderr
    assert '"19.99 EUR"' in result.stderr


@pytest.mark.parametrize(
    ("locale", "fmt", "expected"),
    [
        ("de", "long", "3. Dezember 2026"),
        ("de", "medium", "03.12.2026"),
        ("en", "medium", "Dec 3, 2026"),
        ("en", "full", "Thursday, December 3, 2026"),
        ("ja", "long", "2026年12月3日"),
        ("fr", "long", "3 décembre 2026"),
        ("de", "d. MMMM", "3. Dezember"),
    ],
)
def test_dates_per_locale(write_kb: WriteKB, run_cli: RunCLI, locale: str, fmt: str, expected: str) -> None:
    out = render_body(write_kb, run_cli, locale, f"{{{{ eta | date('{fmt}') }}}}\n", "--var", "eta=2026-12-03")
    assert out == expected + "\n"


def test_plain_date_filter_is_medium(write_kb: WriteKB, run_cli: RunCLI) -> None:
    assert render_body(write_kb, run_cli, "ja", "{{ eta | date }}\n", "--var", "eta=2026-12-03") == "2026/12/03\n"


def test_a_utc_evening_is_already_the_next_day_in_tokyo(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ shipped_at | date('long') }} {{ shipped_at | datetime('short') }}\n"
    out = render_body(
        write_kb, run_cli, "ja", body, "--var", "shipped_at=2026-11-22T23:30:00Z", "--tz", "Asia/Tokyo"
    )
    assert out == "2026年11月23日 2026/11/23 8:30\n"


@pytest.mark.parametrize(
    ("locale", "zone", "expected"),
    [
        ("en", "America/New_York", f"11/22/26, 6:30{NNBSP}PM"),
        ("de", "Europe/Berlin", "23. November 2026, 00:30:00 MEZ"),
    ],
)
def test_datetimes_are_shown_in_the_customer_time_zone(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, zone: str, expected: str
) -> None:
    fmt = "short" if locale == "en" else "long"
    body = f"{{{{ shipped_at | datetime('{fmt}') }}}}\n"
    out = render_body(write_kb, run_cli, locale, body, "--var", "shipped_at=2026-11-22T23:30:00Z", "--tz", zone)
    assert out == expected + "\n"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "a, b, and c"), ("de", "a, b und c"), ("ja", "a、b、c"), ("fr", "a, b et c")],
)
def test_lists_per_locale(write_kb: WriteKB, run_cli: RunCLI, locale: str, expected: str) -> None:
    out = render_body(write_kb, run_cli, locale, "{{ items | list }}\n", "--var", 'items=["a", "b", "c"]')
    assert out == expected + "\n"


def test_or_lists_and_a_single_item(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ items | list('or') }} / {{ ['kettle'] | list }}\n"
    assert render_body(write_kb, run_cli, "de", body, "--var", 'items=["M", "L"]') == "M oder L / kettle\n"


@pytest.mark.parametrize(
    ("locale", "days", "expected"),
    [
        ("en", "1", "1 day"),
        ("en", "3", "3 days"),
        ("en", "0", "0 days"),
        ("en", "1234", "1,234 days"),
        ("de", "1", "1 Tag"),
        ("de", "1234", "1.234 Tage"),
    ],
)
def test_plural_picks_the_cldr_form_and_formats_the_number(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, days: str, expected: str
) -> None:
    forms = {"en": ('"# day"', '"# days"'), "de": ('"# Tag"', '"# Tage"')}[locale]
    body = f"{{{{ days | plural(one={forms[0]}, other={forms[1]}) }}}}\n"
    assert render_body(write_kb, run_cli, locale, body, "--var", f"days={days}") == expected + "\n"


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


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "1,234.5 / 15%"), ("de", f"1.234,5 / 15{NBSP}%"), ("fr", f"1{NNBSP}234,5 / 15{NBSP}%")],
)
def test_numbers_and_percent(write_kb: WriteKB, run_cli: RunCLI, locale: str, expected: str) -> None:
    body = "{{ n | number }} / {{ 0.15 | percent }}\n"
    assert render_body(write_kb, run_cli, locale, body, "--var", "n=1234.5") == expected + "\n"


def test_decimal_numbers_keep_their_digits(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{{ n | number }} {{ total | money }}\n"
    out = render_body(write_kb, run_cli, "en", body, "--var", "n=0.1", "--var", "total=0.30 USD")
    assert out == "0.1 $0.30\n"


@pytest.mark.parametrize(
    ("locale", "offset", "expected"),
    [
        ("en", 3, "in 3 days"),
        ("en", 10, "in 10 days"),  # an ETA of 10 days is not rounded to "in 1 week"
        ("en", -2, "2 days ago"),
        ("de", 3, "in 3 Tagen"),
        ("ja", 3, "3 日後"),
    ],
)
def test_timedelta_counts_days_from_today(
    write_kb: WriteKB, run_cli: RunCLI, locale: str, offset: int, expected: str
) -> None:
    eta = (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()
    out = render_body(write_kb, run_cli, locale, "{{ eta | timedelta }}\n", "--var", f"eta={eta}", "--tz", "UTC")
    assert out == expected + "\n"


def test_formatting_uses_the_reply_locale_not_the_process_locale(
    write_kb: WriteKB, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    out = render_body(write_kb, run_cli, "de", "{{ eta | date('long') }}\n", "--var", "eta=2026-12-03")
    assert out == "3. Dezember 2026\n"


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
    assert "Jänner" in at.stdout  # Austrian month name: the region's data, not de's
    ch = run_cli("render", "show", "--kb", str(root), "--locale", "de_CH", *args)
    assert ch.stdout == cldr("de_CH")
    assert cldr("de_CH") != cldr("de")
