"""Orders found by themselves: the order number in the message picks the order from the shop's exports."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_currency

from tests.conftest import RunCLI, WriteKB
from tests.desk_kb import CONFIG, FILES, ORDERS, ORDERS_SECTION, files_with_orders

SAMPLE_KB = Path(__file__).resolve().parent.parent


def _kb(write_kb: WriteKB, extra: dict[str, str] | None = None, section: str = ORDERS_SECTION) -> str:
    return str(write_kb({**files_with_orders(), **(extra or {})}, config=CONFIG + section))


def _reply(run_cli: RunCLI, kb: str, *args: str) -> dict[str, object]:
    result = run_cli("suggest", "--kb", kb, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_order_number_in_the_message_fills_the_reply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb)
    result = run_cli("suggest", "--kb", kb, "Hi, where is my order KS-2026-00001? I can't track it")
    assert result.exit_code == 0, result.stderr
    assert "Hi Anna Schmidt,\n\nYour order KS-2026-00001 is on its way with Japan Post." in result.stdout
    assert "order: KS-2026-00001 (found in the message)" in result.stdout
    assert "fill in" not in result.stdout


def test_nested_list_paths_and_a_lowercase_number(write_kb: WriteKB, run_cli: RunCLI) -> None:
    document = _reply(run_cli, _kb(write_kb), "--channel", "chat", "please cancel the order ks-2026-00001")
    assert document["order"] == "KS-2026-00001"  # as the export writes it
    reply = document["reply"]
    assert isinstance(reply, dict)
    assert reply["entry"] == "cancel-order"
    assert reply["missing"] == []
    assert reply["values"]["items"] == ["Linen T-shirt - M", "Hinoki board"]


def test_the_orders_own_currency_applies_to_its_amounts(write_kb: WriteKB, run_cli: RunCLI) -> None:
    document = _reply(run_cli, _kb(write_kb), "--channel", "chat", "my refund for KS-2026-00001 has not arrived yet")
    reply = document["reply"]
    assert isinstance(reply, dict)
    eur = format_currency(Decimal("89.90"), "EUR", locale="en")
    assert reply["text"] == f"We refunded {eur} for order KS-2026-00001.\n"


def test_a_bare_amount_takes_the_locales_default_currency(write_kb: WriteKB, run_cli: RunCLI) -> None:
    # no currency path in the mapping: the locale file's currency, else CLDR's for the locale's territory
    files = {"locales/de.yaml": "currency: CHF\n"}
    kb = _kb(write_kb, files, section=ORDERS_SECTION.replace("  currency: currency\n", ""))
    de = _reply(run_cli, kb, "--channel", "chat", "Wann bekomme ich meine Erstattung? KS-2026-00001")
    chf = format_currency(Decimal("89.90"), "CHF", locale="de")
    assert de["reply"]["text"] == f"Wir haben {chf} für KS-2026-00001 erstattet.\n"  # type: ignore[index]
    ja = _reply(run_cli, kb, "--channel", "chat", "返金はいつになりますか KS-2026-00002")
    jpy = format_currency(Decimal("0"), "JPY", locale="ja")  # the refund of order 2 is empty: the form is all we check
    assert ja["reply"]["missing"] == ["refund_amount"] and jpy  # type: ignore[index]


def test_var_wins_over_the_found_order(write_kb: WriteKB, run_cli: RunCLI) -> None:
    document = _reply(run_cli, _kb(write_kb), "--var", "order_id=KS-OTHER", "--channel", "chat",
                      "where is my order KS-2026-00001")
    assert document["reply"]["text"] == "Order KS-OTHER: on its way.\n"  # type: ignore[index]


def test_an_unknown_number_leaves_markers(write_kb: WriteKB, run_cli: RunCLI) -> None:
    document = _reply(run_cli, _kb(write_kb), "--channel", "chat", "where is my order KS-2026-99999")
    assert document["order"] is None
    assert document["reply"]["missing"] == ["order_id"]  # type: ignore[index]


def test_jsonl_and_csv_exports(write_kb: WriteKB, run_cli: RunCLI) -> None:
    lines = "\n".join(json.dumps(order, ensure_ascii=False) for order in ORDERS["orders"])
    csv_export = (
        "Name,Email,Currency,Total,Lineitem quantity,Lineitem name,Shipping Name\n"
        "KS-2026-00077,kim@example.com,USD,30.00,1,Tenugui - blue,Kim Lee\n"
        "KS-2026-00077,,,,2,Chopsticks,\n"
    )
    section = """
orders:
  source: exports
  number: Name
  currency: Currency
  fields:
    order_id: Name
    items: lines.*.Lineitem name
    refund_amount: Total
    customer.name: Shipping Name
"""
    jsonl_kb = str(write_kb({**FILES, "exports/a.jsonl": lines}, config=CONFIG + ORDERS_SECTION, name="jsonl"))
    jsonl_reply = _reply(run_cli, jsonl_kb, "--channel", "chat", "my refund for KS-2026-00001 has not arrived yet")
    assert jsonl_reply["order"] == "KS-2026-00001" and jsonl_reply["reply"]["missing"] == []  # type: ignore[index]
    files = {**FILES, "exports/b.csv": csv_export}
    # a spreadsheet in a German locale saves with ';'
    files["exports/c.csv"] = "Name;Currency;Total;Lineitem name\nKS-2026-00078;EUR;12.50;Tenugui\n"
    kb = str(write_kb(files, config=CONFIG + section))
    usd = format_currency(Decimal("30.00"), "USD", locale="en")
    csv_reply = _reply(run_cli, kb, "my refund for KS-2026-00077 has not arrived yet")["reply"]
    assert csv_reply["text"] == (  # type: ignore[index]
        f"Hi Kim Lee,\n\nWe refunded {usd} for order KS-2026-00077.\n\nKind regards,\nKumo Supply\n"
    )
    semicolons = _reply(run_cli, kb, "--channel", "chat", "my refund for KS-2026-00078 has not arrived yet")["reply"]
    eur = format_currency(Decimal("12.50"), "EUR", locale="en")
    assert semicolons["text"] == f"We refunded {eur} for order KS-2026-00078.\n"  # type: ignore[index]


def test_order_file_takes_a_nested_export_through_the_mapping(
    write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path
) -> None:
    single = tmp_path / "order.json"
    single.write_text(json.dumps({"order": ORDERS["orders"][0]}, ensure_ascii=False), encoding="utf-8")
    kb = _kb(write_kb)
    document = _reply(run_cli, kb, "--order", str(single), "--channel", "chat", "Wann bekomme ich meine Erstattung?")
    eur = format_currency(Decimal("89.90"), "EUR", locale="de")
    assert document["reply"]["text"] == f"Wir haben {eur} für KS-2026-00001 erstattet.\n"  # type: ignore[index]
    many = tmp_path / "orders.json"
    many.write_text(json.dumps(ORDERS), encoding="utf-8")
    result = run_cli("suggest", "--kb", kb, "--order", str(many), "where is my order")
    assert result.exit_code == 2
    assert result.stderr == (
        f"replykit: error: --order {many}: holds 2 orders: give a file with one order,"
        " or name the order number in the message\n"
    )


def test_broken_orders_section_and_export_are_one_line_errors(write_kb: WriteKB, run_cli: RunCLI) -> None:
    bad_pattern = ORDERS_SECTION.replace("'KS-\\d{4}-\\d{5}'", "'KS-(\\d'")
    kb = _kb(write_kb, section=bad_pattern)
    result = run_cli("suggest", "--kb", kb, "where is my order KS-2026-00001")
    assert result.exit_code == 2
    assert result.stderr.startswith("replykit: error: ") and "number_pattern is not a valid regular expression" in (
        result.stderr
    )
    assert len(result.stderr.splitlines()) == 1
    kb = _kb(write_kb, {"exports/orders.json": '{"orders": [\n  {"name": "KS-2026-00001",}\n]}'})
    result = run_cli("suggest", "--kb", kb, "where is my order KS-2026-00001")
    assert result.exit_code == 2
    assert result.stderr.endswith("exports/orders.json:2:28: invalid JSON: Expecting property name enclosed in "
                                  "double quotes\n")


def test_the_sample_kb_finds_its_sample_orders(run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", str(SAMPLE_KB), "--format", "json",
                     "Hallo, wo bleibt meine Bestellung KS-2026-10482? Danke, Anna")
    assert result.exit_code == 0, result.stderr
    reply = json.loads(result.stdout)["reply"]
    assert reply["entry"] == "track-order" and reply["locale"] == "de"
    assert "Anna Schmidt" in reply["text"] and "EJ123456789JP" in reply["text"]
    assert reply["missing"] == []


def test_render_order_file_goes_through_the_mapping(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    single = tmp_path / "order.json"
    single.write_text(json.dumps(ORDERS["orders"][0]), encoding="utf-8")
    kb = _kb(write_kb)
    args = ("render", "refund-status", "--kb", kb, "--locale", "de", "--order", str(single))
    result = run_cli(*args, "--channel", "chat")
    assert result.exit_code == 0, result.stderr
    eur = format_currency(Decimal("89.90"), "EUR", locale="de")
    assert result.stdout == f"Wir haben {eur} für KS-2026-00001 erstattet.\n"
    typo = run_cli(*args, "--var", "oder_id=1")
    assert typo.exit_code == 2 and "has no variable 'oder_id'" in typo.stderr


def test_a_flat_order_file_still_fills_a_kb_with_an_orders_mapping(run_cli: RunCLI) -> None:
    """`make demo`'s render: the sample KB maps nested exports, and its flat examples/order.yaml still works."""
    result = run_cli("render", "track-order", "--kb", str(SAMPLE_KB), "--locale", "de", "--channel", "chat",
                     "--order", str(SAMPLE_KB / "examples" / "order.yaml"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["missing"] == []
    assert "KS-2026-10482" in reply["text"] and "EJ123456789JP" in reply["text"]
