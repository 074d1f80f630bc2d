"""`replykit suggest` carries the reply: --pick, --channel, --tz, --copy, JSON `reply`, a pasted message."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect

from tests.conftest import RunCLI, WriteKB
from tests.desk_kb import CONFIG, FILES, fake_clipboard

REPLYKIT = str(Path(sys.executable).with_name("replykit"))


def _kb(write_kb: WriteKB) -> str:
    return str(write_kb(FILES, config=CONFIG))


def test_json_carries_the_rendered_reply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb)
    result = run_cli("suggest", "--kb", kb, "--format", "json", "--var", "order_id=KS-1", "where is my order")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["matches"][0]["id"] == "track-order"
    reply = document["reply"]
    assert {"entry", "locale", "text", "missing", "notice"} <= set(reply)
    assert reply["entry"] == "track-order"
    assert reply["locale"] == "en"
    assert reply["text"] == "Hello,\n\nYour order KS-1 is on its way.\n\nKind regards,\nKumo Supply\n"
    assert reply["missing"] == []
    assert reply["notice"] is None


def test_json_reply_lists_what_is_missing_and_the_fallback_notice(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--format", "json", "注文をキャンセルしたいです")
    assert result.exit_code == 0, result.stderr
    reply = json.loads(result.stdout)["reply"]
    assert reply["entry"] == "cancel-order"
    assert reply["locale"] == "en"  # no Japanese template: the reply falls back, and says so
    assert reply["missing"] == ["order_id"]
    assert "[order_id]" in reply["text"]
    assert "no ja template for 'cancel-order'" in reply["notice"]


def test_pick_renders_another_entry_and_chat_drops_greeting(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb)
    best = json.loads(run_cli("suggest", "--kb", kb, "--format", "json", "where is my order").stdout)
    second = best["matches"][1]["id"]
    result = run_cli("suggest", "--kb", kb, "--format", "json", "--pick", "2", "where is my order")
    assert json.loads(result.stdout)["reply"]["entry"] == second
    chat = run_cli("suggest", "--kb", kb, "--channel", "chat", "--var", "order_id=KS-1", "where is my order")
    assert chat.exit_code == 0, chat.stderr
    assert "--- reply: track-order (en, chat) ---\nOrder KS-1: on its way.\n---" in chat.stdout
    assert "Hello," not in chat.stdout


def test_pick_beyond_the_matches_is_a_usage_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--kb", _kb(write_kb), "--pick", "9", "where is my order")
    assert result.exit_code == 2
    assert result.stderr == (
        "replykit: error: --pick 9: only 3 entries match this message; pick 1 to 3\n"
    )
    assert result.stdout == ""


def test_tz_shows_times_in_the_customers_zone(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb)
    args = ("suggest", "--kb", kb, "--var", "order_id=KS-1", "--var", "shipped_at=2026-11-22T23:30:00Z")
    tokyo = run_cli(*args, "--tz", "Asia/Tokyo", "where is my order")
    berlin = run_cli(*args, "--tz", "Europe/Berlin", "where is my order")
    assert tokyo.exit_code == 0 and berlin.exit_code == 0, tokyo.stderr + berlin.stderr
    assert "It left us on 11/23/26, 8:30" in tokyo.stdout
    assert "It left us on 11/23/26, 12:30" in berlin.stdout
    bad = run_cli(*args, "--tz", "Mars/Olympus", "where is my order")
    assert bad.exit_code == 2 and bad.stderr.startswith("replykit: error: ")
    assert "Mars/Olympus" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_copy_puts_the_reply_on_the_clipboard(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    bin_dir, sink = fake_clipboard(tmp_path)
    result = run_cli(
        "suggest", "--kb", _kb(write_kb), "--copy", "--channel", "chat", "--var", "order_id=KS-1", "where is my order",
        env={"PATH": str(bin_dir), "DISPLAY": ":0", "WAYLAND_DISPLAY": ""},
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "replykit: copied the reply to the clipboard (xclip)\n"
    assert sink.read_text() == "Order KS-1: on its way.\n"


def _spawn(*args: str) -> pexpect.spawn:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return pexpect.spawn(REPLYKIT, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(40, 120))


def test_on_a_terminal_suggest_waits_for_a_pasted_message(write_kb: WriteKB) -> None:
    child = _spawn("suggest", "--kb", _kb(write_kb), "--var", "order_id=KS-9")
    child.expect_exact("Paste the customer's message, then press Enter twice (or Ctrl-D):")
    # an e-mail with an apostrophe and an empty line between paragraphs: it stays one message
    for line in ("Hi there,", "", "I can't find my parcel, where is my order?", "Thanks, Anna", "", ""):
        child.sendline(line)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    output = child.before.replace("\r\n", "\n")
    assert "1  track-order" in output
    assert "Your order KS-9 is on its way." in output


def test_ctrl_d_ends_the_pasted_message(write_kb: WriteKB) -> None:
    child = _spawn("suggest", "--kb", _kb(write_kb), "--format", "json")
    child.expect_exact("(or Ctrl-D):")
    child.sendline("When will I get my refund?")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    text = child.before.replace("\r\n", "\n")
    document = json.loads(text[text.index("{"):])
    assert document["query"] == "When will I get my refund?"
    assert document["reply"]["entry"] == "refund-status"


def test_nothing_pasted_is_a_usage_error(write_kb: WriteKB) -> None:
    child = _spawn("suggest", "--kb", _kb(write_kb))
    child.expect_exact("(or Ctrl-D):")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "replykit: error: no message pasted" in child.before
