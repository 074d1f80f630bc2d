"""A missing value never crashes a draft: `render --allow-missing`, suggest and lint with no values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCLI, WriteKB

REPO = Path(__file__).resolve().parent.parent

CONFIRM = """
id: order-confirmation
questions:
  en: ["is my order confirmed"]
  de: ["ist meine Bestellung bestätigt"]
variables:
  order_id: {type: string, required: true}
  items: {type: list, required: true}
  count: {type: int, required: true}
  total: {type: money, required: true}
  shipped_on: {type: date, required: true}
"""

#: Every way a template can use a value: loop, length, index, tests, comparison, arithmetic, filters.
EVERY_USE = """
Order {{ order_id | upper }}:
{% for item in items %}
- {{ loop.index }}/{{ loop.length }} {{ item }}
{% endfor %}
{% if items | length > 1 %}You ordered {{ items | length }} items: {{ items | join(', ') }}.{% endif %}
First: {{ items[0] }}, sorted first: {{ items | sort | first }}, listed: {{ items | list }}.
{% if count > 1 %}{{ count + 1 }} parcels, {{ count * 2 }} labels,
{{ count | plural(one="# box", other="# boxes") }}.{% endif %}
{% if count is odd %}odd{% endif %} {% if 3 in items %}in{% endif %}
Steps: {% for i in range(count) %}{{ i }}{% endfor %}. Padded: {{ '%5d' % count }}, {{ '{:>4}'.format(count) }}.
Total {{ total | money }} (raw {{ total.amount }}),
shipped {{ shipped_on | date('long') }}, {{ shipped_on | timedelta }}.
"""


@pytest.fixture
def confirm_kb(write_kb: WriteKB) -> Path:
    return write_kb({
        "kb/order-confirmation.yaml": CONFIRM,
        "templates/en/order-confirmation.j2": EVERY_USE,
        "templates/de/order-confirmation.j2": (
            "Bestellung {{ order_id }}:\n{% for item in items %}\n- {{ item }}\n{% endfor %}\n"
        ),
    })


def test_every_use_of_a_missing_value_shows_its_marker(run_cli: RunCLI, confirm_kb: Path) -> None:
    result = run_cli("render", "order-confirmation", "--kb", str(confirm_kb), "--locale", "en", "--allow-missing")

    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "Order [order_id]:" in text
    assert "- 1/1 [items]" in text
    assert "You ordered [items] items: [items]." in text
    assert "First: [items], sorted first: [items], listed: [items]." in text
    assert "[count] parcels, [count] labels,\n[count] boxes." in text
    assert "Steps: [count]. Padded: [count], [count]." in text
    assert "odd in" in text
    assert "Total [total] (raw [total.amount]),\nshipped [shipped_on], [shipped_on]." in text
    assert "Traceback" not in result.stderr
    assert "missing [order_id], [items], [count], [total], [shipped_on]" in result.stderr


def test_json_lists_the_missing_values(run_cli: RunCLI, confirm_kb: Path) -> None:
    result = run_cli(
        "render", "order-confirmation", "--kb", str(confirm_kb), "--locale", "de", "--allow-missing", "--format", "json"
    )

    assert result.exit_code == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["missing"] == ["order_id", "items", "count", "total", "shipped_on"]
    assert "- [items]" in reply["text"]


def test_without_allow_missing_the_gap_is_exit_3(run_cli: RunCLI, confirm_kb: Path) -> None:
    result = run_cli("render", "order-confirmation", "--kb", str(confirm_kb), "--locale", "en")

    assert result.exit_code == 3
    assert "needs order_id, items, count, total, shipped_on" in result.stderr


@pytest.mark.parametrize("locale", ["en", "de", "ja", "fr", "es"])
def test_sample_kb_order_confirmation_renders_as_a_draft_in_every_locale(run_cli: RunCLI, locale: str) -> None:
    result = run_cli("render", "order-confirmation", "--kb", str(REPO), "--locale", locale, "--allow-missing")

    assert result.exit_code == 0, result.stderr
    assert "[items]" in result.stdout
    assert "[order_id]" in result.stdout


def test_suggest_shows_the_draft_with_markers(run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", str(REPO), "Ist meine Bestellung bestätigt?")

    assert result.exit_code == 0, result.stderr
    assert "[items]" in result.stdout
    assert "Traceback" not in result.stderr


def test_lint_renders_every_template_with_no_values(run_cli: RunCLI, write_kb: WriteKB) -> None:
    """A branch only a draft reaches (here: the order id is not text) is rendered by lint too."""
    root = write_kb({
        "kb/track-order.yaml": """
            id: track-order
            questions:
              en: ["where is my order"]
            variables:
              order_id: {type: string, required: true}
            """,
        "templates/en/track-order.j2": (
            "Hello {{ customer.name }},\n"
            "{% if order_id is string %}Order {{ order_id }}.{% else %}Order {{ order_id ~ 1 / 0 }}.{% endif %}\n"
        ),
    }, config="source_locale: en\nlocales: [en]\n")

    result = run_cli("lint", str(root))
    rendered = run_cli("render", "track-order", "--kb", str(root), "--locale", "en", "--allow-missing")

    assert result.exit_code == 1
    assert "templates/en/track-order.j2:2:" in result.stdout
    assert "fails to render with no values (as `replykit render --allow-missing` does)" in result.stdout
    assert "ZeroDivisionError" in result.stdout
    assert rendered.exit_code == 2
    assert "track-order.j2:2: ZeroDivisionError" in rendered.stderr


def test_lint_passes_a_template_that_guards_its_optional_values(run_cli: RunCLI, write_kb: WriteKB) -> None:
    root = write_kb({
        "kb/track-order.yaml": """
            id: track-order
            questions:
              en: ["where is my order"]
            variables:
              order_id: {type: string, required: true}
              items: {type: list, required: true}
              carrier: {type: string}
            """,
        "templates/en/track-order.j2": (
            "Order {{ order_id }} ({{ items | length }} items: {{ items | join(', ') }})"
            "{% if carrier is defined %} with {{ carrier }}{% endif %}.\n"
        ),
    }, config="source_locale: en\nlocales: [en]\n")

    result = run_cli("lint", str(root))

    assert result.exit_code == 0, result.stdout
    assert "0 errors" in result.stderr


def test_a_missing_argument_keeps_the_text_around_it(run_cli: RunCLI, write_kb: WriteKB) -> None:
    root = write_kb({
        "kb/order-confirmation.yaml": CONFIRM,
        "templates/en/order-confirmation.j2": (
            "{{ 'Order %s' | format(order_id) }} / {{ 'Order {}'.format(order_id) }} / "
            "{{ 'Order X' | replace('X', order_id) }} / {{ 'ab'.ljust(count) }} / {{ 5 | money(order_id) }}\n"
        ),
    })

    result = run_cli("render", "order-confirmation", "--kb", str(root), "--locale", "en", "--allow-missing")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Order [order_id] / Order [order_id] / Order [order_id] / [count] / [order_id]\n"


def test_a_draft_without_customer_or_order_shows_their_gaps(run_cli: RunCLI, write_kb: WriteKB) -> None:
    """An imported template may print {{ customer.name }} unguarded; a draft shows the gap instead of failing."""
    root = write_kb({
        "kb/track-order.yaml": """
            id: track-order
            questions:
              en: ["where is my order"]
            """,
        "templates/en/track-order.j2": (
            "Hi {{ customer.name }}, order {{ order.number | upper }} ships {{ order.eta | date }}.\n"
            "{% if customer.email is defined %}We wrote to {{ customer.email }}.{% else %}No e-mail.{% endif %}\n"
        ),
    }, config="source_locale: en\nlocales: [en]\n")

    draft = run_cli("render", "track-order", "--kb", str(root), "--locale", "en", "--allow-missing", "--format", "json")
    strict = run_cli("render", "track-order", "--kb", str(root), "--locale", "en")
    linted = run_cli("lint", str(root))

    assert draft.exit_code == 0, draft.stderr
    reply = json.loads(draft.stdout)
    assert reply["text"] == "Hi [customer.name], order [order.number] ships [order.eta].\nNo e-mail.\n"
    assert reply["missing"] == ["customer.name", "order.number", "order.eta"]
    assert strict.exit_code == 3  # a missing value, like any required variable
    assert strict.stderr.strip() == (
        "replykit: error: templates/en/track-order.j2:1: customer.name is not given: add it to the order data"
        " (--order FILE), guard it with {% if customer.name is defined %}, or use --allow-missing to show a"
        " visible [customer.name] marker"
    )
    assert linted.exit_code == 0, linted.stdout
