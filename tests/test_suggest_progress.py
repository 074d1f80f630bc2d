"""`suggest --batch` shows a progress bar on a terminal, and never in a pipe."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import WriteKB
from tests.suggest_kb import FILES


def _run(root: Path, questions: Path, stderr: int) -> subprocess.CompletedProcess[bytes]:
    code = "from replykit.cli import main; main()"
    args = [sys.executable, "-c", code, "suggest", "--kb", str(root), "--batch", str(questions), "--format", "jsonl"]
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=stderr, env=dict(os.environ), check=True)


def test_progress_bar_on_a_terminal_only(write_kb: WriteKB, tmp_path: Path) -> None:
    root = write_kb(FILES)
    questions = tmp_path / "q.txt"
    questions.write_text("where is my order\n" * 250, encoding="utf-8")
    leader, follower = pty.openpty()
    try:
        done = _run(root, questions, follower)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert b"suggest" in shown and b"250/250" in shown
    assert len(done.stdout.decode().splitlines()) == 250
    piped = _run(root, questions, subprocess.PIPE)
    assert piped.stderr == b""
    assert json.loads(piped.stdout.decode().splitlines()[-1])["matches"][0]["id"] == "track-order"
