"""Onboarding as a team's real files have it: found in QA, each through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from tests.conftest import RunCLI, WriteKB

CONFIG = "source_locale: en\nlocales: [en, de]\n"


@pytest.fixture
def kb(write_kb: WriteKB) -> Path:
    return write_kb({}, config=CONFIG)


def test_a_title_row_above_the_header_is_skipped(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    # What a team's shared sheet looks like: a bold title, a blank row, then the columns.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Kumo Supply customer FAQ (last edited by Mia)"
    sheet.append([])
    sheet.append(["Category", "Question (EN)", "Answer (EN)", "Question (DE)", "Answer (DE)"])
    sheet.append(["Shipping", "Where is my order?", "It ships in 2 days.", "Wo ist meine Bestellung?", "In 2 Tagen."])
    path = tmp_path / "FAQ.xlsx"
    book.save(path)

    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "FAQ.xlsx:1: the rows above the header (row 3) were read as a title" in result.stderr
    data = yaml.safe_load((kb / "kb/shipping/where-is-my-order.yaml").read_text(encoding="utf-8"))
    assert data["questions"] == {"en": ["Where is my order?"], "de": ["Wo ist meine Bestellung?"]}


def test_a_header_error_names_the_header_row(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("\nquestion_en,reply\nWhere is my order?,On its way.\n", encoding="utf-8")
    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 2
    assert result.stderr.startswith("replykit: error: faq.csv:2: no answer column (found: question_en, reply)")


def test_an_inactive_zendesk_macro_is_named(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    # GET /api/v2/macros lists retired macros too, with "active": false
    # (https://developer.zendesk.com/api-reference/ticketing/business-rules/macros/).
    path = tmp_path / "macros.json"
    macros = [
        {"id": 1, "title": "Where is it", "active": True, "actions": [{"field": "comment_value", "value": "Soon."}]},
        {"id": 2, "title": "Old returns", "active": False, "actions": [{"field": "comment_value", "value": "Old."}]},
    ]
    path.write_text(json.dumps({"macros": macros, "next_page": None, "count": 2}), encoding="utf-8")
    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "macros.json: item 2: macro 'Old returns' is inactive in Zendesk: imported anyway" in result.stderr
    assert "item 1" not in result.stderr


def test_a_markdown_faqs_inline_marks_become_plain_text(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    # A help-centre FAQ written in Markdown; replies are plain-text e-mails, where ** and [..](..) show raw.
    path = tmp_path / "faq.md"
    path.write_text(
        "# Where is my order?\n\n"
        "Your order ships within **2 business days**. See [tracking](https://kumo.example/track).\n\n"
        "- EU: 3 days\n- write to <mailto:help@kumo.example>, `KS-` numbers\n\n"
        "```\nkept **as is**\n```\n",
        encoding="utf-8",
    )
    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    reply = run_cli("render", "where-is-my-order", "--kb", str(kb), "--locale", "en", "--channel", "chat")
    assert reply.exit_code == 0, reply.stderr
    assert reply.stdout.strip() == (
        "Your order ships within 2 business days. See tracking (https://kumo.example/track).\n\n"
        "- EU: 3 days\n- write to help@kumo.example, KS- numbers\n\n```\nkept **as is**\n```"
    )


def test_a_renamed_copy_of_an_earlier_import_is_named(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    # The sheet downloaded again lands as "FAQ (1).csv": by its name it is a new source.
    text = "question_en,answer_en\nWhere is my order?,On its way.\nHow do I pay?,By card.\n"
    (tmp_path / "FAQ.csv").write_text(text, encoding="utf-8")
    (tmp_path / "FAQ (1).csv").write_text(text + "Do you ship to Japan?,Yes.\n", encoding="utf-8")
    assert run_cli("import", str(tmp_path / "FAQ.csv"), "--kb", str(kb)).exit_code == 0

    again = run_cli("import", str(tmp_path / "FAQ (1).csv"), "--kb", str(kb), "--dry-run")
    assert again.exit_code == 0, again.stderr
    assert (
        "FAQ (1).csv:2: question 'Where is my order?' is already asked by entry 'where-is-my-order', which"
        " FAQ (1).csv did not import: the new entry 'where-is-my-order-2' competes with it."
    ) in again.stderr
    assert "Import it with --source NAME (the earlier file's name) to sync instead" in again.stderr
    assert "FAQ (1).csv:4" not in again.stderr  # a new question is no copy

    synced = run_cli("import", str(tmp_path / "FAQ (1).csv"), "--kb", str(kb), "--source", "FAQ.csv")
    assert synced.exit_code == 0, synced.stderr
    assert "already asked" not in synced.stderr
    assert sorted(p.name for p in (kb / "kb").rglob("*.yaml")) == [
        "do-you-ship-to-japan.yaml", "how-do-i-pay.yaml", "where-is-my-order.yaml"
    ]


def test_a_blank_canned_response_is_skipped_not_fatal(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    # GET /api/v1/accounts/{id}/canned_responses
    # (https://www.chatwoot.com/developers/api/#tag/Canned-Responses): someone saved one blank.
    path = tmp_path / "canned.json"
    path.write_text(
        json.dumps([
            {"id": 1, "account_id": 1, "short_code": "wismo", "content": "Hi {{contact.name}}, it is on its way."},
            {"id": 2, "account_id": 1, "short_code": "refund", "content": ""},
        ]),
        encoding="utf-8",
    )
    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "canned.json: item 2: canned response 'refund' has an empty content: skipped" in result.stderr
    assert (kb / "templates/en/wismo.j2").read_text(encoding="utf-8") == "Hi {{ customer.name }}, it is on its way.\n"
    # A file of another shape is still an error.
    path.write_text(json.dumps([{"id": 1, "title": "x"}]), encoding="utf-8")
    assert run_cli("import", str(path), "--kb", str(kb), "--format", "chatwoot").exit_code == 2
