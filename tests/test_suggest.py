"""`replykit suggest` as agents and scripts use it: table and reply, JSON, batches, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import RunCLI, WriteKB
from tests.suggest_kb import FILES


def _kb(write_kb: WriteKB, config: str | None = None) -> str:
    return str(write_kb(FILES, config=config))


def test_table_and_reply_with_missing_variable_markers(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "where is my parcel, I can't track it")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "language: en (detected) · confident match: track-order"
    header = next(line for line in lines if line.startswith("#"))
    assert header.split() == ["#", "entry", "score", "matched", "phrasing", "tags"]
    first = next(line for line in lines if line.startswith("1 "))
    assert "track-order" in first and "shipping, tracking" in first and "[en]" in first
    assert "Your order [order_id] is on its way." in result.stdout
    assert lines[-1] == "fill in: [order_id] (--var NAME=VALUE or --order FILE)"


def test_var_fills_the_reply_in_the_customers_language(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--var", "order_id=A-1001", "Wo ist mein Paket?")
    assert result.exit_code == 0, result.stderr
    assert "language: de (detected)" in result.stdout
    assert "Ihre Bestellung A-1001 ist unterwegs." in result.stdout
    assert "[order_id]" not in result.stdout and "fill in" not in result.stdout


def test_order_file_fills_the_reply(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    order = tmp_path / "order.yaml"
    order.write_text("order_id: B-2002\n", encoding="utf-8")
    result = run_cli("suggest", "--kb", _kb(write_kb), "--order", str(order), "--locale", "en", "where is my order")
    assert result.exit_code == 0, result.stderr
    assert "Your order B-2002 is on its way." in result.stdout


def test_reply_falls_back_to_source_locale_with_a_note(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "Ich möchte meine Bestellung stornieren")
    assert result.exit_code == 0, result.stderr
    assert "confident match: cancel-order" in result.stdout
    assert "Your order is cancelled." in result.stdout
    assert "note: no de template for 'cancel-order'" in result.stdout


def test_multi_line_email_on_stdin(write_kb: WriteKB, run_cli: RunCLI) -> None:
    email = "Hello,\n\nI returned the kettle two weeks ago.\nWhen will I get my refund?\n\nThanks, Ann\n"
    result = run_cli("suggest", "--kb", _kb(write_kb), "--format", "json", input=email)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["query"].startswith("Hello,") and "kettle" in doc["query"]
    assert doc["matches"][0]["id"] == "refund-status"


def test_json_document_has_the_documented_fields(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--format", "json", "--top", "2", "Wo ist meine Bestellung")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["query"] == "Wo ist meine Bestellung"
    assert (doc["locale"], doc["locale_source"], doc["confident"]) == ("de", "detected", True)
    assert len(doc["matches"]) == 2
    best = doc["matches"][0]
    assert best["id"] == "track-order" and best["locale"] == "de"
    assert best["question"] == "Wo ist meine Bestellung?"
    assert 0.5 <= best["score"] <= 1.0 and best["tags"] == ["shipping", "tracking"]
    assert doc["matches"][1]["score"] < best["score"]


def test_given_locale_is_reported_as_given(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--format", "json", "--locale", "de-DE", "refund")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["locale"], doc["locale_source"]) == ("de_DE", "given")
    assert doc["matches"][0]["id"] == "refund-status"


def test_batch_prints_one_line_per_input_line_in_order(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text(
        "where is my order\n\nzzzz qqqq\n返金はいつになりますか\r\nI want to cancel my order\n", encoding="utf-8"
    )
    result = run_cli("suggest", "--kb", _kb(write_kb), "--batch", str(questions), "--format", "jsonl", "--top", "1")
    assert result.exit_code == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["query"] for d in docs] == [
        "where is my order", "", "zzzz qqqq", "返金はいつになりますか", "I want to cancel my order",
    ]
    assert docs[0]["matches"][0]["id"] == "track-order" and docs[0]["confident"]
    assert docs[1]["matches"] == [] and not docs[1]["confident"]
    assert not docs[2]["confident"]
    assert docs[3]["locale"] == "ja" and docs[3]["matches"][0]["id"] == "refund-status"
    assert docs[4]["matches"][0]["id"] == "cancel-order"
    assert all(len(d["matches"]) <= 1 for d in docs)


def test_batch_from_stdin_as_text_lines(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--batch", "-", input="where is my order\n\nrefund status\n")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].split("\t")[:3] == ["ok", "en", lines[0].split("\t")[2]]
    assert lines[0].split("\t")[2].startswith("track-order ")
    assert lines[1] == "??\ten\t-\t"
    assert "refund-status" in lines[2]


def test_batch_json_is_one_array(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--batch", "-", "--format", "json", input="a\nb\n")
    assert result.exit_code == 0, result.stderr
    assert [d["query"] for d in json.loads(result.stdout)] == ["a", "b"]


def test_explain_says_why(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--explain", "--locale", "en", "wher is my ordr")
    assert result.exit_code == 0, result.stderr
    why = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("why:")]
    assert len(why) == 3
    assert "best phrasing" in why[0] and "all phrasings" in why[0]
    assert "typos read as" in why[0] and "ordr->order" in why[0]
    assert "shared words: where is, where" in why[0]
    json_result = run_cli("suggest", "--kb", _kb(write_kb), "--explain", "--format", "json", "where is my order")
    assert "best phrasing" in json.loads(json_result.stdout)["matches"][0]["explanation"]


def test_no_confident_match_is_said_plainly_and_exits_0(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--locale", "en", "do you sell garden furniture for my order")
    assert result.exit_code == 0, result.stderr
    assert "no confident match: the closest entries are below, check before sending" in result.stdout
    assert "--- reply" not in result.stdout and "none is checked: render one with replykit render " in result.stdout


def test_unmatchable_question_still_answers(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--locale", "en", "xyzzy")
    assert result.exit_code == 0, result.stderr
    assert "no entry matches this question" in result.stdout


def test_bad_matching_settings_name_file_and_line(write_kb: WriteKB, run_cli: RunCLI) -> None:
    config = "source_locale: en\nlocales: [en, de, ja]\nmatching:\n  min_score: 1.5\n  margin: 0.1\n"
    result = run_cli("suggest", "--kb", _kb(write_kb, config), "where is my order")
    assert result.exit_code == 2
    assert "replykit.yaml:4:3: matching.min_score must be a number from 0 to 1, not 1.5" in result.stderr
    assert "replykit.yaml:5:3: unknown matching setting 'margin': use one of min_score, min_margin" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("replykit: error: the knowledge base has 2 problems")
    assert "Traceback" not in result.stderr


def test_matching_settings_change_the_verdict(write_kb: WriteKB, run_cli: RunCLI) -> None:
    config = "source_locale: en\nlocales: [en, de, ja]\nmatching:\n  min_score: 0.99\n"
    result = run_cli("suggest", "--kb", _kb(write_kb, config), "--format", "json", "where is my order")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["matches"][0]["id"] == "track-order" and doc["confident"] is False


def test_usage_errors_exit_2_with_one_line(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    kb = _kb(write_kb)
    cases = [
        (("--batch", str(tmp_path / "missing.txt")), "missing.txt: cannot read the batch file"),
        (("--batch", "-", "where"), "give either a question or --batch FILE, not both"),
        (("--locale", "xx-!!", "where"), "is not a locale id"),
        ((), "no question on standard input"),
        (("-",), "no question on standard input"),
        (("  ",), "the question is empty"),
    ]
    for args, message in cases:
        result = run_cli("suggest", "--kb", kb, *args, input="")
        assert result.exit_code == 2, (args, result.stdout)
        assert result.stderr.startswith("replykit: error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_a_dash_reads_the_question_from_stdin(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--format", "json", "-", input="where is my order\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["query"] == "where is my order"


def test_batch_file_that_is_not_utf8(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    questions = tmp_path / "latin1.txt"
    questions.write_bytes("where is my order\nwo ist meine Bestellung, über\n".encode("latin-1"))
    result = run_cli("suggest", "--kb", _kb(write_kb), "--batch", str(questions))
    assert result.exit_code == 2
    assert "latin1.txt:2: not UTF-8 text" in result.stderr


def test_missing_kb_exits_2(run_cli: RunCLI, tmp_path: Path) -> None:
    result = run_cli("suggest", "--kb", str(tmp_path / "nowhere"), "where is my order")
    assert result.exit_code == 2
    assert "no replykit.yaml there" in result.stderr


def test_index_is_cached_and_rebuilt_when_the_kb_changes(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES)
    cache = Path(os.environ["REPLYKIT_CACHE_DIR"])
    first = run_cli("suggest", "--kb", str(root), "--format", "json", "--locale", "en", "gift wrapping")
    assert not json.loads(first.stdout)["confident"]
    assert len(list(cache.glob("index-*.bundle"))) == 1
    write_kb({
        "kb/gift-wrap.yaml": 'id: gift-wrap\nquestions:\n  en: ["can you add gift wrapping"]\n',
        "templates/en/gift-wrap.j2": "Yes.\n",
    })
    second = run_cli("suggest", "--kb", str(root), "--format", "json", "--locale", "en", "gift wrapping")
    assert json.loads(second.stdout)["matches"][0]["id"] == "gift-wrap" and json.loads(second.stdout)["confident"]
    assert len(list(cache.glob("index-*.bundle"))) == 2


def test_big_batch_runs_in_parallel_and_keeps_the_order(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    from replykit.matching.matcher import PARALLEL_MIN_TEXTS

    asked = ["where is my order", "", "I want to cancel my order", "返金はいつになりますか"]
    lines = [asked[i % 4] for i in range(PARALLEL_MIN_TEXTS + 3)]
    questions = tmp_path / "many.txt"
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("suggest", "--kb", _kb(write_kb), "--batch", str(questions), "--format", "jsonl", "--top", "1")
    assert result.exit_code == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["query"] for d in docs] == lines
    expected = {"where is my order": "track-order", "I want to cancel my order": "cancel-order",
                "返金はいつになりますか": "refund-status"}
    for doc in docs:
        assert [m["id"] for m in doc["matches"]] == ([expected[doc["query"]]] if doc["query"] else [])
