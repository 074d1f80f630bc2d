"""The lock under concurrent writers and odd file systems: no lost update, its mode kept, clear errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from .conftest import RunCLI, WriteKB

REPLYKIT = Path(sys.executable).parent / "replykit"


def _many_entries_kb(write_kb: WriteKB, n: int) -> Path:
    files: dict[str, str] = {}
    for i in range(n):
        files[f"kb/e{i}.yaml"] = f"id: e{i}\nquestions:\n  en: ['question number {i}']\n  de: ['Frage Nummer {i}']\n"
        files[f"templates/en/e{i}.j2"] = f"Answer {i}.\n"
        files[f"templates/de/e{i}.j2"] = f"Antwort {i}.\n"
    return write_kb(files, config="source_locale: en\nlocales: [en, de]\n")


def _run_at_once(root: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "REPLYKIT_CACHE_DIR": str(root.parent / "cache")}
    procs = [
        subprocess.Popen([str(REPLYKIT), *c], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def test_sixteen_concurrent_mark_reviewed_runs_all_land(write_kb: WriteKB) -> None:
    n = 16
    root = _many_entries_kb(write_kb, n)
    results = _run_at_once(root, [["mark-reviewed", f"e{i}", "--yes", "--kb", str(root)] for i in range(n)])
    assert [r.returncode for r in results] == [0] * n, [r.stderr for r in results]
    lock = json.loads((root / "replykit.lock").read_text(encoding="utf-8"))
    assert sorted(lock["translations"]) == sorted(f"e{i}" for i in range(n))


def test_two_concurrent_runs_repeatedly(write_kb: WriteKB) -> None:
    root = _many_entries_kb(write_kb, 2)
    for _ in range(5):
        (root / "replykit.lock").unlink(missing_ok=True)
        results = _run_at_once(root, [["mark-reviewed", e, "--yes", "--kb", str(root)] for e in ("e0", "e1")])
        assert [r.returncode for r in results] == [0, 0]
        lock = json.loads((root / "replykit.lock").read_text(encoding="utf-8"))
        assert sorted(lock["translations"]) == ["e0", "e1"]


def test_the_rewritten_lock_keeps_its_mode(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _many_entries_kb(write_kb, 2)
    assert run_cli("mark-reviewed", "e0", "--yes", "--kb", str(root)).exit_code == 0
    lock = root / "replykit.lock"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o666 & ~umask  # a new lock: like any file the user creates
    lock.chmod(0o644)
    assert run_cli("mark-reviewed", "e1", "--yes", "--kb", str(root)).exit_code == 0
    assert stat.S_IMODE(lock.stat().st_mode) == 0o644
    lock.chmod(0o664)
    assert run_cli("mark-reviewed", "e0", "e1", "--yes", "--kb", str(root)).exit_code == 0
    assert stat.S_IMODE(lock.stat().st_mode) == 0o664
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_a_lock_that_is_a_folder_is_a_clear_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _many_entries_kb(write_kb, 1)
    (root / "replykit.lock").mkdir()
    for args in (["mark-reviewed", "e0", "--yes"], ["lint", str(root)], ["status"], ["diff", "e0", "--locale", "de"]):
        result = run_cli(*args, "--kb", str(root)) if args[0] != "lint" else run_cli(*args)
        assert result.exit_code == 2, (args, result)
        assert "replykit.lock: the translation lock is not a file: remove or rename it" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_deeply_nested_lock_is_a_clear_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _many_entries_kb(write_kb, 1)
    (root / "replykit.lock").write_text("[" * 100_000, encoding="utf-8")
    result = run_cli("status", "--kb", str(root))
    assert result.exit_code == 2
    assert "cannot read the translation lock file (nested deeper than 64 levels: flatten it)" in result.stderr
