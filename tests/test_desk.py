"""`replykit desk` through a real pseudo-terminal: paste, pick, fill a value, chat, copy, $EDITOR, next, quit."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pexpect

from tests.conftest import RunCLI, WriteKB
from tests.desk_kb import CONFIG, ORDERS_SECTION, fake_clipboard, files_with_orders
from tests.serve_server import REPLYKIT

ACTIONS = "[q] quit"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def _screen(child: pexpect.spawn) -> str:
    return ANSI.sub("", str(child.before)).replace("\r", "")


def _spawn(tmp_path: Path, kb: Path, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    environment = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", **(env or {})}
    return pexpect.spawn(REPLYKIT, ["desk", "--kb", str(kb), *args], env=environment, encoding="utf-8",
                         timeout=60, dimensions=(50, 140), cwd=str(tmp_path))


def _paste(child: pexpect.spawn, *lines: str) -> None:
    child.expect_exact("message>")
    for line in lines:
        child.send(line + "\r")
    child.send("\r\r")  # two empty lines send the message


def test_a_day_at_the_desk(write_kb: WriteKB, tmp_path: Path) -> None:
    kb = write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION)
    bin_dir, sink = fake_clipboard(tmp_path)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'Edited in the editor.\\n' > \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "usage.jsonl"
    child = _spawn(tmp_path, kb, "--usage-log", str(log), env={
        "PATH": f"{bin_dir}:{os.environ['PATH']}", "DISPLAY": ":0", "WAYLAND_DISPLAY": "", "EDITOR": str(editor),
    })
    child.expect_exact("entries")

    # 1. a multi-line e-mail with an order number: entries, reply filled from the shop's export
    _paste(child, "Hello,", "", "where is my order KS-2026-00001? I can't track it.", "Anna")
    child.expect_exact(ACTIONS)
    screen = _screen(child)
    assert "confident match: track-order" in screen
    assert "Hi Anna Schmidt," in screen and "Your order KS-2026-00001 is on its way with Japan Post." in screen
    assert "order: KS-2026-00001 (found in the message)" in screen

    # 2. switch to chat, copy
    child.send("c")
    child.expect_exact(ACTIONS)
    assert "── reply: track-order (en, chat) ──\nOrder KS-2026-00001: on its way." in _screen(child)
    child.send("y")
    child.expect_exact(ACTIONS)
    assert "copied the reply (xclip)" in _screen(child)
    assert sink.read_text() == "Order KS-2026-00001: on its way.\n"

    # 3. take the second entry, fill its missing value
    child.send("2")
    child.expect_exact(ACTIONS)
    screen = _screen(child)
    second = re.search(r"▶2\s+(\S+)", screen)
    assert second, screen
    assert f"── reply: {second.group(1)} (en, chat) ──" in screen

    # 4. $EDITOR changes the reply; copy takes the edited text
    child.send("e")
    child.expect_exact(ACTIONS)
    assert "Edited in the editor." in _screen(child)
    child.send("y")
    child.expect_exact(ACTIONS)
    assert sink.read_text() == "Edited in the editor.\n"

    # 5. next message, in Japanese; fill a missing value by name
    child.send("n")
    _paste(child, "返金はいつになりますか")
    child.expect_exact(ACTIONS)
    screen = _screen(child)
    assert "language: ja (detected)" in screen and "refund-status" in screen
    assert "fill in: [order_id], [refund_amount]" in screen
    child.send("v")
    child.expect_exact("value name (order_id, refund_amount):")
    child.send("\x15refund_amount\r")  # Ctrl-U clears the proposed name
    child.expect_exact("refund_amount (money):")
    child.send("1200 JPY\r")
    child.expect_exact(ACTIONS)
    screen = _screen(child)
    assert "fill in: [order_id]\n" in screen and "[refund_amount]" not in screen.split("── reply")[-1]

    # 6. quit
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    sent = [r for r in records if r["event"] == "sent"]
    assert [r["sent"] for r in sent] == ["Order [order]: on its way.\n", "Edited in the editor.\n"]
    asked = [r for r in records if r["event"] == "answer"]
    assert asked[0]["asked"] == "Hello,\n\nwhere is my order [order]? I can't track it.\nAnna"
    assert asked[0]["suggested"][0]["id"] == "track-order" and asked[0]["language"] == "en"


def test_bad_values_are_said_and_the_desk_goes_on(write_kb: WriteKB, tmp_path: Path) -> None:
    kb = write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION)
    child = _spawn(tmp_path, kb)
    _paste(child, "where is my order")
    child.expect_exact(ACTIONS)
    child.send("v")
    child.expect_exact("value name (order_id, carrier, shipped_at):")
    child.send("\x15shipped_at\r")
    child.expect_exact("shipped_at (datetime):")
    child.send("last tuesday\r")
    child.expect_exact(ACTIONS)
    said = " ".join(_screen(child).split())
    assert "cannot render track-order: shipped_at (given value): 'last tuesday' is not a valid datetime" in said
    child.send("1")
    child.expect_exact(ACTIONS)
    assert "Your order [order_id] is on its way." in _screen(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_desk_needs_a_terminal(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION)
    result = run_cli("desk", "--kb", str(kb), input="where is my order\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "replykit: error: replykit desk needs a terminal: for scripts use `replykit suggest` (it reads stdin)\n"
    )
