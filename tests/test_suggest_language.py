"""`suggest` for customers in any language, negations, two questions, and unchecked replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replykit.matching import semantic
from tests.conftest import RunCLI, WriteKB
from tests.suggest_kb import FILES

ES_FILES = {
    **FILES,
    "templates/es/track-order.j2": "Su pedido {{ order_id }} está en camino.\n",
}


def _json(run_cli: RunCLI, root: Path, text: str, *extra: str) -> dict[str, object]:
    result = run_cli("suggest", "--kb", str(root), "--format", "json", *extra, text)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


@pytest.mark.parametrize(
    ("text", "language", "entry"),
    [
        ("Onde está a minha encomenda? Ainda não chegou.", "pt", "track-order"),
        ("Dov'è il mio ordine? Non è ancora arrivato.", "it", "track-order"),
        ("我的订单在哪里？还没有收到。", "zh", "track-order"),
        ("제 주문은 어디에 있나요? 아직 도착하지 않았어요.", "ko", "track-order"),
        ("Gdzie jest moje zamówienie? Jeszcze nie dotarło.", "pl", "track-order"),
    ],
)
def test_a_language_the_kb_lacks_is_named_and_answered_in_the_source_locale(
    write_kb: WriteKB, run_cli: RunCLI, text: str, language: str, entry: str
) -> None:
    doc = _json(run_cli, write_kb(FILES), text)
    assert (doc["language"], doc["locale"], doc["locale_source"]) == (language, "en", "detected")
    matches = doc["matches"]
    assert isinstance(matches, list) and entry in [m["id"] for m in matches[:3]]


def test_text_output_says_which_language_the_reply_is_in(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", str(write_kb(FILES)), "Onde está a minha encomenda? Ainda não chegou.")
    assert result.exit_code == 0, result.stderr
    assert "pt is not a language of this KB: the reply is in en" in result.stdout
    assert result.stdout.startswith("language: pt (detected) · reply in en · ")


def test_fallbacks_route_a_language_the_kb_lacks(write_kb: WriteKB, run_cli: RunCLI) -> None:
    config = "source_locale: en\nlocales: [en, de, ja, es]\nfallbacks: {pt: [es]}\n"
    doc = _json(run_cli, write_kb(ES_FILES, config=config), "Onde está a minha encomenda? Ainda não chegou.")
    assert (doc["language"], doc["locale"]) == ("pt", "es")


def test_kb_languages_keep_their_locale(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES)
    assert (_json(run_cli, root, "Wo ist meine Bestellung?")["language"], "de") == ("de", "de")
    doc = _json(run_cli, root, "注文した商品がまだ届いていません")
    assert (doc["language"], doc["locale"]) == ("ja", "ja")
    given = _json(run_cli, root, "where is my order", "--locale", "en_GB")
    assert (given["language"], given["locale"], given["locale_source"]) == ("en-GB", "en_GB", "given")


def test_what_the_customer_does_not_want_is_not_the_request(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES)
    for text in (
        "I don't want to cancel my order, I just need to know where it is",
        "Ich möchte meine Bestellung nicht stornieren, ich will nur wissen, wo mein Paket ist",
        "注文をキャンセルしたくないのですが、荷物はどこですか",
    ):
        doc = _json(run_cli, root, text)
        matches = doc["matches"]
        assert isinstance(matches, list) and matches[0]["id"] == "track-order", text


def test_the_sentence_after_but_carries_the_complaint(write_kb: WriteKB, run_cli: RunCLI) -> None:
    doc = _json(run_cli, write_kb(FILES), "I placed an order last week. But when will I get my refund?")
    matches = doc["matches"]
    assert isinstance(matches, list) and matches[0]["id"] == "refund-status"


def test_two_questions_get_both_entries_first_and_their_spans(write_kb: WriteKB, run_cli: RunCLI) -> None:
    text = "When will I get my refund? Also, where is my order?"
    doc = _json(run_cli, write_kb(FILES), text)
    matches, parts = doc["matches"], doc["parts"]
    assert isinstance(matches, list) and isinstance(parts, list)
    assert {m["id"] for m in matches[:2]} == {"refund-status", "track-order"}
    assert [(p["text"], p["matches"][0]["id"]) for p in parts] == [
        ("When will I get my refund", "refund-status"),
        ("where is my order?", "track-order"),
    ]


def test_one_question_has_no_parts(write_kb: WriteKB, run_cli: RunCLI) -> None:
    doc = _json(run_cli, write_kb(FILES), "where is my order")
    assert doc["parts"] == [] and doc["warnings"] == []


def test_an_unsure_answer_shows_candidates_not_a_reply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", str(write_kb(FILES)), "--locale", "en", "do you sell gift cards?")
    assert result.exit_code == 0, result.stderr
    assert "no confident match" in result.stdout
    assert "--- reply" not in result.stdout and "is on its way" not in result.stdout
    assert "none is checked: render one with replykit render " in result.stdout and "--locale en" in result.stdout


def test_a_missing_meaning_table_is_said_on_stderr_in_json_and_by_check(
    write_kb: WriteKB, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(semantic, "MODEL_FILE", tmp_path / "missing.bin")
    semantic.load_embedder.cache_clear()
    try:
        root = write_kb(FILES)
        result = run_cli("suggest", "--kb", str(root), "--format", "json", "where is my order")
        assert result.exit_code == 0
        expected = f"{tmp_path / 'missing.bin'}: the meaning table is missing"
        assert expected in result.stderr and result.stderr.startswith("replykit: warning: ")
        warnings = json.loads(result.stdout)["warnings"]
        assert len(warnings) == 1 and expected in warnings[0]
        check = run_cli("check", "--kb", str(root))
        assert check.exit_code == 0 and expected in check.stderr
    finally:
        monkeypatch.undo()
        semantic.load_embedder.cache_clear()
    assert run_cli("check", "--kb", str(root)).stderr == ""


def test_two_confident_questions_get_one_composed_reply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES)
    text = "When will I get my refund? Also, where is my order?"
    result = run_cli("suggest", "--kb", str(root), "--var", "order_id=A-7", text)
    assert result.exit_code == 0, result.stderr
    assert "confident match: refund-status" in result.stdout
    assert "part 1: refund-status" in result.stdout and "part 2: track-order" in result.stdout
    reply = result.stdout.split("--- reply: ", 1)[1]
    assert reply.startswith("refund-status+track-order (en) ---")
    assert reply.index("Your refund is on its way.") < reply.index("Your order A-7 is on its way.")
    assert result.stdout.count("--- reply") == 1
