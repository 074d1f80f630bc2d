"""Leftovers found in QA: output that names a KB path is printable, the lock file is size-bounded."""

from __future__ import annotations

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB


def test_check_shows_a_kb_path_with_control_characters_as_escapes(write_kb: WriteKB, run_cli: RunCLI) -> None:
    # A folder name is whatever the file system allows: an OSC sequence would retitle the terminal.
    root = write_kb(CLEAN_KB, name="kb\x1b]0;owned\x07")
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "kb\\x1b]0;owned\\x07: 2 entries" in result.stdout


def test_a_huge_lock_file_is_refused_unread(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    # Valid JSON, 5 MB: a merge gone wrong or a hostile pull request.
    (root / "replykit.lock").write_text('{"translations": {}, "pad": "' + "x" * (5 * 2**20) + '"}', encoding="utf-8")
    result = run_cli("status", "--kb", str(root))
    assert result.exit_code == 2
    assert "replykit.lock: the translation lock file is over 4 MB" in result.stderr
    assert "Traceback" not in result.stderr
