"""`replykit render A B`: one reply for two questions (one greeting, the bodies in order, one sign-off)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replykit import load_kb
from replykit.rendering import compose_replies
from tests.conftest import RunCLI, WriteKB

CANCEL = """
id: cancel-order
questions:
  en: ["cancel my order"]
variables:
  order_id: {type: string, required: true}
"""

ADDRESS = """
id: change-address
questions:
  en: ["change my address"]
variables:
  order_id: {type: string, required: true}
  new_address: {type: string, required: true}
"""

FILES = {
    "kb/cancel-order.yaml": CANCEL,
    "kb/change-address.yaml": ADDRESS,
    "templates/en/_greeting.j2": "Hello,\n",
    "templates/en/_signature.j2": "Kind regards,\nKumo\n",
    "templates/en/cancel-order.j2": "Order {{ order_id }} is cancelled.\n",
    "templates/en/change-address.j2": "Order {{ order_id }} now goes to {{ new_address }}.\n",
    "templates/de/_greeting.j2": "Guten Tag,\n",
    "templates/de/_signature.j2": "Viele Grüße\nKumo\n",
    "templates/de/cancel-order.j2": "Bestellung {{ order_id }} ist storniert.\n",
}


@pytest.fixture
def kb_root(write_kb: WriteKB) -> Path:
    return write_kb(FILES, config="source_locale: en\nlocales: [en, de]\n")


def test_two_entries_make_one_email(kb_root: Path, run_cli: RunCLI) -> None:
    result = run_cli(
        "render", "cancel-order", "change-address", "--kb", str(kb_root), "--locale", "en",
        "--var", "order_id=KS-1", "--var", "new_address=1 Main St",
    )

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "Hello,\n\nOrder KS-1 is cancelled.\n\nOrder KS-1 now goes to 1 Main St.\n\nKind regards,\nKumo\n"
    )


def test_the_bodies_come_in_the_order_given(kb_root: Path, run_cli: RunCLI) -> None:
    result = run_cli(
        "render", "change-address", "cancel-order", "--kb", str(kb_root), "--locale", "en", "--channel", "chat",
        "--var", "order_id=KS-1", "--var", "new_address=1 Main St",
    )

    assert result.exit_code == 0
    assert result.stdout == "Order KS-1 now goes to 1 Main St.\n\nOrder KS-1 is cancelled.\n"


def test_a_body_in_a_fallback_locale_is_a_notice(kb_root: Path, run_cli: RunCLI) -> None:
    result = run_cli(
        "render", "cancel-order", "change-address", "--kb", str(kb_root), "--locale", "de", "--format", "json",
        "--var", "order_id=KS-1", "--var", "new_address=Hauptstr. 1",
    )

    assert result.exit_code == 0
    reply = json.loads(result.stdout)
    assert reply["entry"] == "cancel-order+change-address"
    assert reply["text"] == (
        "Guten Tag,\n\nBestellung KS-1 ist storniert.\n\nOrder KS-1 now goes to Hauptstr. 1.\n\nViele Grüße\nKumo\n"
    )
    assert reply["locale_used"] == "de"
    assert reply["fallback_used"] is True
    assert reply["notices"][0] == (
        "no de template for 'change-address': its part of the reply is in en (fallback chain de > en);"
        " check the language before sending."
    )
    # the translations notice adds when the source changed (replykit.translations.notices)
    assert reply["notices"][1].startswith("The de translation of 'change-address' is missing (its en source last")
    assert len(reply["notices"]) == 2
    assert reply["variables"] == {"order_id": "KS-1", "new_address": "Hauptstr. 1"}
    assert "replykit: notice: no de template for 'change-address'" in result.stderr


def test_missing_variables_of_every_entry_are_listed(kb_root: Path, run_cli: RunCLI) -> None:
    result = run_cli("render", "cancel-order", "change-address", "--kb", str(kb_root), "--locale", "en")
    draft = run_cli(
        "render", "cancel-order", "change-address", "--kb", str(kb_root), "--locale", "en", "--allow-missing",
        "--format", "json",
    )

    assert result.exit_code == 3
    assert "entry 'cancel-order+change-address' needs order_id, new_address" in result.stderr
    assert draft.exit_code == 0
    assert json.loads(draft.stdout)["missing"] == ["order_id", "new_address"]
    assert "[new_address]" in json.loads(draft.stdout)["text"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cancel-order", "cancel-order"), "entry 'cancel-order' is given twice"),
        (("cancel-order", "change-adress"), "no entry 'change-adress'"),
        (("cancel-order", "change-address", "--var", "adress=x"),
         "--var adress: none of the entries cancel-order, change-address has a variable 'adress'"),
    ],
)
def test_composition_mistakes_exit_2(kb_root: Path, run_cli: RunCLI, args: tuple[str, ...], message: str) -> None:
    result = run_cli("render", *args, "--kb", str(kb_root), "--locale", "en", "--var", "order_id=1")

    assert result.exit_code == 2
    assert message in result.stderr


def test_library_call_composes_with_the_documented_contract(kb_root: Path) -> None:
    kb = load_kb(kb_root)
    reply = compose_replies(
        kb, ["cancel-order", "change-address"], "en", {"order_id": "KS-9", "new_address": "x"}, channel="chat"
    )

    assert reply.entry_id == "cancel-order+change-address"
    assert reply.text == "Order KS-9 is cancelled.\n\nOrder KS-9 now goes to x.\n"
    assert reply.notices == ()
