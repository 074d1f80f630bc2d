"""Typed values from --order and --var: what fills a reply, and the precise errors when a value is wrong."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_currency, format_percent

from replykit import load_kb
from replykit.kb.model import VARIABLE_TYPES
from replykit.values import Money, parse_typed, parse_values, sample_value, to_json
from replykit.variable_types import TYPES
from tests.conftest import RunCLI, WriteKB

ENTRY = """
id: order-status
questions:
  en: ["what about my order"]
variables:
  order_id: {type: string, required: true}
  eta: {type: date}
  shipped_at: {type: datetime}
  order_total: {type: money}
  items: {type: list}
  delay_days: {type: int}
  discount: {type: number}
"""

TEMPLATE = """
Order {{ order_id }}.
{% if eta is defined %}
ETA {{ eta | date('long') }}.
{% endif %}
{% if shipped_at is defined %}
Shipped {{ shipped_at | datetime('short') }}.
{% endif %}
{% if order_total is defined %}
Total {{ order_total | money }}.
{% endif %}
{% if items is defined %}
Items: {{ items | list }}.
{% endif %}
{% if delay_days is defined %}
Late by {{ delay_days | plural(one="# day", other="# days") }}.
{% endif %}
{% if discount is defined %}
Discount {{ discount | percent }}.
{% endif %}
"""


@pytest.fixture
def kb_root(write_kb: WriteKB) -> Path:
    return write_kb({"kb/order-status.yaml": ENTRY, "templates/en/order-status.j2": TEMPLATE})


def render(run_cli: RunCLI, root: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("render", "order-status", "--kb", str(root), "--locale", "en", "--channel", "chat", *args)
    return result.exit_code, result.stdout, result.stderr


def test_an_order_file_in_yaml_fills_every_type(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.yaml"
    order.write_text(
        "order_id: 10482\n"  # a number in the export is still the order id as text
        "eta: 2026-12-03\n"
        "shipped_at: 2026-11-22T23:30:00Z\n"
        "order_total: {amount: 19.99, currency: usd}\n"
        "items: [Kettle, Linen T-shirt]\n"
        "delay_days: 2\n"
        "discount: 0.15\n"
        "timezone: America/New_York\n",
        encoding="utf-8",
    )
    code, out, err = render(run_cli, kb_root, "--order", str(order))
    assert (code, err) == (0, "")
    shipped = format_datetime(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "short",
                              tzinfo=ZoneInfo("America/New_York"), locale="en")  # the order's zone
    assert out == (
        f"Order 10482.\nETA {format_date(date(2026, 12, 3), 'long', locale='en')}.\nShipped {shipped}.\n"
        f"Total {format_currency(Decimal('19.99'), 'USD', locale='en')}.\n"
        f"Items: {format_list(['Kettle', 'Linen T-shirt'], locale='en')}.\nLate by 2 days.\n"
        f"Discount {format_percent(Decimal('0.15'), locale='en')}.\n"
    )


def test_an_order_file_in_json_and_var_wins_over_it(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.json"
    order.write_text(json.dumps({"order_id": "KS-1", "order_total": "5 EUR", "eta": "2026-12-03"}), encoding="utf-8")
    code, out, _ = render(run_cli, kb_root, "--order", str(order), "--var", "order_id=KS-2", "--var", "eta=2027-01-02")
    assert code == 0
    eta = format_date(date(2027, 1, 2), "long", locale="en")
    assert out == f"Order KS-2.\nETA {eta}.\nTotal {format_currency(Decimal('5'), 'EUR', locale='en')}.\n"


def test_order_keys_the_entry_does_not_declare_are_reachable_as_order(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {
            "kb/order-status.yaml": ENTRY,
            "templates/en/order-status.j2": "{{ order_id }} for {{ customer.name }} via {{ order.channel }}\n",
        }
    )
    order = root / "order.yaml"
    order.write_text("order_id: KS-9\nchannel: Rakuten\ncustomer: {name: Kenji Sato}\n", encoding="utf-8")
    code, out, err = render(run_cli, root, "--order", str(order))
    assert (code, out, err) == (0, "KS-9 for Kenji Sato via Rakuten\n", "")


def test_a_list_is_given_to_var_as_json(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, _ = render(run_cli, kb_root, "--var", "order_id=1", "--var", 'items=["Hinoki board", "Knife, 21 cm"]')
    assert code == 0
    assert out == "Order 1.\nItems: Hinoki board and Knife, 21 cm.\n"


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("eta=2026-13-01", "variable 'eta' (--var): '2026-13-01': not a real date (month must be in 1..12); "
         "expected an ISO 8601 date such as 2026-12-03"),
        ("eta=03.12.2026", "variable 'eta' (--var): '03.12.2026': not an ISO 8601 date"),
        ("shipped_at=2026-11-22T23:30:00", "variable 'shipped_at' (--var): '2026-11-22T23:30:00': no time zone "
         "offset: add Z for UTC or an offset such as +09:00"),
        ("shipped_at=2026-11-22", "variable 'shipped_at' (--var): '2026-11-22': not an ISO 8601 date and time"),
        ("order_total=19.99", "variable 'order_total' (--var): '19.99': not an amount followed by a currency code; "
         'expected an amount and an ISO 4217 currency such as "19.99 EUR"'),
        ("order_total=19.99 EUX", "variable 'order_total' (--var): '19.99 EUX': 'EUX' is not an ISO 4217 currency"),
        ("order_total=19,99 EUR", "variable 'order_total' (--var): '19,99 EUR': not an amount followed by a currency"),
        ("delay_days=3.5", "variable 'delay_days' (--var): '3.5': not a whole number; "
         "expected a whole number such as 3"),
        ("delay_days=three", "variable 'delay_days' (--var): 'three': not a whole number"),
        ("discount=15%", "variable 'discount' (--var): '15%': not a number; expected a number such as 0.15"),
        ("discount=NaN", "variable 'discount' (--var): 'NaN': not a finite number"),
        ("items=Kettle", "variable 'items' (--var): 'Kettle': not a JSON list; "
         "expected a list, given to --var as JSON"),
        ('items=["a", {"b": 1}]', "variable 'items' (--var): '[\"a\", {\"b\": 1}]': item 2 is a mapping; "
         "every item must be text"),
        ("items=[a, b]", "variable 'items' (--var): '[a, b]': not valid JSON (Expecting value at character 2)"),
    ],
)
def test_a_bad_value_exits_2_naming_variable_value_and_expected_form(
    kb_root: Path, run_cli: RunCLI, arg: str, message: str
) -> None:
    code, out, err = render(run_cli, kb_root, "--var", "order_id=1", "--var", arg)
    assert code == 2
    assert out == ""
    assert err.startswith("replykit: error: " + message)
    assert err.count("\n") == 1  # one line, no traceback


def test_a_bad_value_in_the_order_file_names_the_file(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.yaml"
    order.write_text("order_id: KS-1\norder_total: {amount: 10, currency: EUR, tax: 2}\n", encoding="utf-8")
    code, _, err = render(run_cli, kb_root, "--order", str(order))
    assert code == 2
    assert err.startswith(f"replykit: error: {order}:2: variable 'order_total': ")
    assert "a money mapping needs exactly the keys amount and currency, not ['amount', 'currency', 'tax']" in err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("order.yaml", "order_id: [unclosed\n", ":2:1: invalid YAML: "),
        ("order.json", '{"order_id": }', ":1:14: invalid JSON: Expecting value"),
        ("order.yaml", "- just\n- a list\n", ": an order file must be a mapping of names to values, not a list"),
        ("order.yaml", "order_id: KS-1\ntimezone: Mars/Olympus\n",
         "order.yaml:2: time zone 'Mars/Olympus' (key timezone) is unknown"),
    ],
)
def test_an_unusable_order_file_exits_2(kb_root: Path, run_cli: RunCLI, name: str, content: str, message: str) -> None:
    order = kb_root / name
    order.write_text(content, encoding="utf-8")
    code, out, err = render(run_cli, kb_root, "--order", str(order))
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_a_missing_order_file_exits_2(kb_root: Path, run_cli: RunCLI) -> None:
    code, _, err = render(run_cli, kb_root, "--order", str(kb_root / "nope.yaml"))
    assert code == 2
    assert err == f"replykit: error: --order {kb_root / 'nope.yaml'}: no such file\n"


def test_var_for_an_undeclared_variable_is_a_typo_error(kb_root: Path, run_cli: RunCLI) -> None:
    code, _, err = render(run_cli, kb_root, "--var", "oder_id=KS-1")
    assert code == 2
    assert err == (
        "replykit: error: --var oder_id: entry 'order-status' has no variable 'oder_id' (it declares: order_id, "
        "eta, shipped_at, order_total, items, delay_days, discount)\n"
    )


@pytest.mark.parametrize("arg", ["order_id", "=x", "order id=1"])
def test_var_needs_name_equals_value(kb_root: Path, run_cli: RunCLI, arg: str) -> None:
    code, _, err = render(run_cli, kb_root, "--var", arg)
    assert code == 2
    assert f"--var '{arg}': expected NAME=VALUE" in err


def test_var_value_may_contain_equals_signs(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, _ = render(run_cli, kb_root, "--var", "order_id=a=b")
    assert (code, out) == (0, "Order a=b.\n")


def test_customer_can_be_given_with_var(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/order-status.yaml": ENTRY, "templates/en/order-status.j2": "{{ customer.name }}\n"})
    code, out, _ = render(run_cli, root, "--var", "order_id=1", "--var", "customer=Maria García")
    assert (code, out) == (0, "Maria García\n")


def test_parse_values_returns_typed_values(kb_root: Path) -> None:
    entry = load_kb(kb_root).entries["order-status"]
    order = kb_root / "o.yaml"
    order.write_text("order_total: 19.99 EUR\ncustomer: {name: Anna}\nshipped_at: 2026-11-22T23:30:00+09:00\n")
    values = parse_values(entry, order_file=order, var_args=["delay_days=4", "eta=2026-12-03", "discount=0.1"])
    assert values["order_total"] == Money(Decimal("19.99"), "EUR")
    assert values["delay_days"] == 4
    assert values["eta"] == date(2026, 12, 3)
    assert values["discount"] == Decimal("0.1")
    assert values["shipped_at"].utcoffset().total_seconds() == 9 * 3600
    assert values["customer"] == {"name": "Anna"}
    assert values["order"]["order_total"] == Money(Decimal("19.99"), "EUR")


def test_parse_values_can_ignore_values_for_other_entries(kb_root: Path) -> None:
    entry = load_kb(kb_root).entries["order-status"]
    values = parse_values(entry, order_file=None, var_args=["refund_amount=5 EUR"], allow_unknown=True)
    assert values == {"order": {}, "customer": {}}


def test_money_floats_from_yaml_stay_exact(kb_root: Path) -> None:
    entry = load_kb(kb_root).entries["order-status"]
    order = kb_root / "o.yaml"
    order.write_text("order_total: {amount: 0.1, currency: EUR}\n")
    assert parse_values(entry, order_file=order, var_args=[])["order_total"].amount == Decimal("0.1")


@pytest.mark.parametrize("var_type", VARIABLE_TYPES)
def test_sample_value_is_a_value_of_its_type(var_type: str) -> None:
    expected = {
        "string": str, "int": int, "number": Decimal, "money": Money, "date": date, "datetime": datetime, "list": list,
    }[var_type]
    sample = sample_value(var_type)
    assert isinstance(sample, expected)
    if isinstance(sample, datetime):
        assert sample.tzinfo is UTC
    if isinstance(sample, list):
        assert sample and all(isinstance(item, str) for item in sample)


def test_sample_value_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown variable type 'uuid'"):
        sample_value("uuid")


@pytest.mark.parametrize("var_type", VARIABLE_TYPES)
def test_each_type_reads_back_its_own_json_form(var_type: str) -> None:
    """One table defines parser, sample and JSON form: a sample written as JSON parses to itself."""
    sample = sample_value(var_type)
    assert parse_typed(var_type, to_json(sample)) == sample


@pytest.mark.parametrize("var_type", VARIABLE_TYPES)
def test_an_unparsable_value_names_the_types_description(kb_root: Path, run_cli: RunCLI, var_type: str) -> None:
    name = {"string": "order_id", "int": "delay_days", "number": "discount", "money": "order_total",
            "date": "eta", "datetime": "shipped_at", "list": "items"}[var_type]
    order = kb_root / "order.json"
    order.write_text(json.dumps({"order_id": "KS-1", name: {"no": "such form"}}), encoding="utf-8")
    code, _, err = render(run_cli, kb_root, "--order", str(order))
    assert code == 2
    assert err.rstrip("\n").endswith(f"expected {TYPES[var_type].description}")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2026-02-30", "not a real date (day is out of range for month)"),
        ("2026-11-22T23:30:00", "no time zone offset: add Z for UTC or an offset such as +09:00"),
        ("03.12.2026", "not an ISO 8601 date"),
    ],
)
def test_templates_and_values_read_dates_with_the_same_parser(
    write_kb: WriteKB, run_cli: RunCLI, value: str, problem: str
) -> None:
    """``--var eta=...`` and ``{{ '...' | date }}`` accept and refuse the same texts, with the same words."""
    var_type = "datetime" if "T" in value else "date"
    entry = ENTRY.replace("eta: {type: date}", f"eta: {{type: {var_type}}}")
    root = write_kb({"kb/order-status.yaml": entry, "templates/en/order-status.j2": f"{{{{ '{value}' | date }}}}\n"})
    in_template = render(run_cli, root, "--var", "order_id=1")
    as_value = render(run_cli, kb_root_with_eta(write_kb, entry), "--var", "order_id=1", "--var", f"eta={value}")
    assert in_template[0] == as_value[0] == 2
    assert f"'{value}' (text): {problem}" in in_template[2]
    assert f"'{value}': {problem}" in as_value[2]


def kb_root_with_eta(write_kb: WriteKB, entry: str) -> Path:
    return write_kb({"kb/order-status.yaml": entry, "templates/en/order-status.j2": "{{ eta }}\n"}, name="eta-kb")
