"""Odd and hostile values and order files: one line naming file:line, exit 2, never a traceback."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from tests.conftest import RunCLI, WriteKB

ENTRY = """
id: order-status
questions:
  en: ["what about my order"]
variables:
  order_id: {type: string, required: true}
  eta: {type: date}
  order_total: {type: money}
  delay_days: {type: int}
  discount: {type: number}
  carrier: {type: string}
  items: {type: list}
"""

TEMPLATE = (
    "Order {{ order_id }}.{% if eta is defined %} ETA {{ eta | date }}.{% endif %}"
    "{% if order_total is defined %} Total {{ order_total | money }}.{% endif %}"
    "{% if carrier is defined %} With {{ carrier }}.{% endif %}"
    "{% if order.note is defined %} Note: {{ order.note }}.{% endif %}\n"
)


@pytest.fixture
def kb_root(write_kb: WriteKB) -> Path:
    return write_kb({"kb/order-status.yaml": ENTRY, "templates/en/order-status.j2": TEMPLATE},
                    config="source_locale: en\nlocales: [en]\n")


def render(run_cli: RunCLI, root: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("render", "order-status", "--kb", str(root), "--locale", "en", "--channel", "chat", *args)
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, out: str, err: str, *expected: str) -> None:
    assert (code, out) == (2, ""), err
    assert err.startswith("replykit: error: ")
    assert err.count("\n") == 1, err  # one line, no traceback
    for part in expected:
        assert part in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("order_id: KS-1\neta: 2026-02-30\n", ":2:6: '2026-02-30' is not a real date or time"),
        ("order_id: KS-1\nnote: !!python/name:os.system\n",
         ":2:7: YAML tag '!!python/name:os.system' is not allowed: remove it"),
        ("order_id: KS-1\ndelay_days: !!int \"abc\"\n", ":2:13: 'abc' cannot be read as int"),
        ("order_id: KS-1\nnote: !!bool \"maybe\"\n", ":2:7: 'maybe' cannot be read as bool"),
        ("order_id: KS-1\nnote: !!binary aGVsbG8=\n", ":2:7: YAML tag '!!binary' is not allowed"),
        ("order_id: KS-1\ndiscount: .nan\n", ":2:11: '.nan' is not a number a reply can show"),
        ("order_id: KS-1\nnote: -.inf\n", ":2:7: '-.inf' is not a number a reply can show"),
        ("order_id: KS-1\ndelay_days: " + "9" * 5000 + "\n", ":2:13: '" + "9" * 39 + "…' cannot be read as int"),
        ("order_id: KS-1\norder_total: 5 XXX\n",
         ":2: variable 'order_total': '5 XXX': 'XXX' is an ISO 4217 code for no currency"),
        ("order_id: ''\n", ":1: required variable 'order_id' is given empty"),
        ("order_id: KS-1\neta: 2026-13-01\n", ":2:6: '2026-13-01' is not a real date or time"),
        ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
         ":1:1: more than 500,000 values once aliases are expanded"),
    ],
)
def test_a_bad_yaml_order_file_is_a_one_line_error(
    kb_root: Path, run_cli: RunCLI, content: str, expected: str
) -> None:
    order = kb_root / "order.yaml"
    order.write_text(content, encoding="utf-8")

    assert_one_line_error(*render(run_cli, kb_root, "--order", str(order)), f"{order}", expected)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"order_id": "KS-1",\n "delay_days": ' + "9" * 5000 + "}", ":2:16: an integer of 5,000 digits"),
        ('{"order_id": "KS-1",\n "discount": NaN}', ":2:14: NaN is not a number a reply can show"),
        ('{"order_id": "KS-1",\n "note": -Infinity}', ":2:10: -Infinity is not a number a reply can show"),
        ('{"order_id": "KS-1",\n "note": 1e999}', ":2:10: 1e999 is too large to be a number"),
        ('{"order_id": "KS-1",\n "eta": "2026-02-30"}', ":2: variable 'eta': '2026-02-30': not a real date"),
        ('{"order_id": "KS-1", "note": ' + "[" * 100_000 + "]" * 100_000 + "}",
         "invalid JSON: nested deeper than 64 levels: flatten it"),
    ],
)
def test_a_bad_json_order_file_is_a_one_line_error(
    kb_root: Path, run_cli: RunCLI, content: str, expected: str
) -> None:
    order = kb_root / "order.json"
    order.write_text(content, encoding="utf-8")

    assert_one_line_error(*render(run_cli, kb_root, "--order", str(order)), f"{order}", expected)


def test_a_good_order_file_still_renders(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.yaml"
    order.write_text("order_id: KS-1\neta: 2026-12-03\norder_total: 19.99 EUR\nnote: 12\n", encoding="utf-8")

    code, out, err = render(run_cli, kb_root, "--order", str(order))

    assert (code, err) == (0, "")
    eta = format_date(date(2026, 12, 3), "medium", locale="en")
    total = format_currency(Decimal("19.99"), "EUR", locale="en")
    assert out == f"Order KS-1. ETA {eta}. Total {total}. Note: 12.\n"


def test_an_endless_order_file_is_refused_after_its_size_cap(kb_root: Path, run_cli: RunCLI) -> None:
    assert_one_line_error(*render(run_cli, kb_root, "--order", "/dev/zero"), "--order /dev/zero: larger than 1 MB")


def test_a_binary_order_file_is_refused(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.yaml"
    order.write_bytes(b"order_id: KS-1\nnote: a\x00b\n")

    assert_one_line_error(*render(run_cli, kb_root, "--order", str(order)), f"{order}:2: a NUL character")


@pytest.mark.parametrize(
    ("var", "expected"),
    [
        ("order_total=5 XXX", "'XXX' is an ISO 4217 code for no currency or a commodity"),
        ("order_total=5 XAU", "'XAU' is an ISO 4217 code for no currency or a commodity"),
        ("discount=NaN", "variable 'discount' (--var): 'NaN': not a finite number"),
        ("discount=inf", "variable 'discount' (--var): 'inf': not a finite number"),
        ("discount=1e999999999", "a number of more than 30 digits is not a value a reply can show"),
        ("delay_days=" + "9" * 5000, "a number of more than 30 digits is not a value a reply can show"),
        ('items=["a", NaN]', "item 2: not a value a reply can show (NaN or infinity)"),
        ("eta=2026-02-30", "variable 'eta' (--var): '2026-02-30': not a real date (day is out of range for month)"),
        ("order_id=", "--var order_id=: required variable 'order_id' is given empty"),
        ("order_id=   ", "--var order_id=: required variable 'order_id' is given empty"),
    ],
)
def test_a_bad_var_is_a_one_line_error(kb_root: Path, run_cli: RunCLI, var: str, expected: str) -> None:
    args = ("--var", var) if var.startswith("order_id=") else ("--var", "order_id=KS-1", "--var", var)

    assert_one_line_error(*render(run_cli, kb_root, *args), expected)


def test_an_empty_optional_value_is_no_value(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--var", "order_id=KS-1", "--var", "carrier=")

    assert (code, err) == (0, "")
    assert out == "Order KS-1.\n"


def test_real_currencies_with_x_codes_still_render(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--var", "order_id=KS-1", "--var", "order_total=1500 XOF")

    assert (code, err) == (0, "")
    assert "1,500" in out and "¤" not in out


def test_a_byte_order_mark_never_reaches_the_reply_and_lint_reports_it(
    kb_root: Path, run_cli: RunCLI
) -> None:
    (kb_root / "templates/en/order-status.j2").write_bytes(b"\xef\xbb\xbfOrder {{ order_id }}.\n")

    code, out, _ = render(run_cli, kb_root, "--var", "order_id=KS-1")
    linted = run_cli("lint", str(kb_root), "--format", "json")

    assert (code, out) == (0, "Order KS-1.\n")
    assert linted.exit_code == 1
    findings = [f for f in json.loads(linted.stdout)["findings"] if f["rule"] == "template-syntax"]
    assert findings[0]["line"] == 1
    assert "byte-order mark" in findings[0]["message"]


def test_a_nul_in_a_template_is_refused_and_lint_reports_it(kb_root: Path, run_cli: RunCLI) -> None:
    (kb_root / "templates/en/order-status.j2").write_bytes(b"Order {{ order_id }}.\nThanks\x00!\n")

    code, out, err = render(run_cli, kb_root, "--var", "order_id=KS-1")
    linted = run_cli("lint", str(kb_root))

    assert_one_line_error(code, out, err, "templates/en/order-status.j2:2: template syntax error: a NUL character")
    assert linted.exit_code == 1
    assert "templates/en/order-status.j2:2:" in linted.stdout
    assert "a NUL character (U+0000) in the template would reach the customer's reply" in linted.stdout
