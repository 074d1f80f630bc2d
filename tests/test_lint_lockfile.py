"""The translation lock file: mark-reviewed records the source, an English edit makes translations stale."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB


def _stale(run_cli: RunCLI, root: Path) -> list[str]:
    result = run_cli("lint", str(root), "--rule", "stale-translation", "--format", "json")
    return [f"{Path(f['path']).parent.name}/{Path(f['path']).name}" for f in json.loads(result.stdout)["findings"]]


def test_edit_the_source_then_review_a_translation(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    result = run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root))
    assert result.exit_code == 0
    assert "marked 4 translations as reviewed in " in result.stdout
    assert "  de  track-order  (source changed)" in result.stdout  # --all lists what it marks
    lock = json.loads((root / "replykit.lock").read_text(encoding="utf-8"))
    assert sorted(lock["translations"]) == ["refund-status", "track-order"]
    assert sorted(lock["translations"]["track-order"]) == ["de", "ja"]
    assert _stale(run_cli, root) == []

    # The English reply changes: both translations of that entry are stale, the other entry is not.
    write_kb({"templates/en/refund-status.j2": "We refunded {{ refund_amount | money }} within 5 days.\n"})
    assert _stale(run_cli, root) == ["de/refund-status.j2", "ja/refund-status.j2"]
    result = run_cli("lint", str(root))
    assert result.exit_code == 0  # a warning
    assert "de translation of 'refund-status' is stale (the en source changed since it was reviewed)" in result.stdout
    assert "run replykit mark-reviewed refund-status --locale de" in result.stdout

    # The German translator reviews theirs.
    result = run_cli("mark-reviewed", "refund-status", "--locale", "de", "--yes", "--kb", str(root))
    assert result.stdout.startswith("marked 1 translation as reviewed")
    assert _stale(run_cli, root) == ["ja/refund-status.j2"]

    # Questions count as source too.
    entry = CLEAN_KB["kb/track-order.yaml"].replace('"where is my parcel"', '"where is my order"')
    write_kb({"kb/track-order.yaml": entry})
    assert _stale(run_cli, root) == ["de/track-order.j2", "ja/refund-status.j2", "ja/track-order.j2"]


def test_mark_reviewed_usage_errors(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    missing = run_cli("mark-reviewed", "--kb", str(root))
    assert missing.exit_code == 2 and "name the entries" in missing.stderr
    unknown = run_cli("mark-reviewed", "track-ordre", "--kb", str(root))
    assert unknown.exit_code == 2 and "no entry with id 'track-ordre'" in unknown.stderr
    source = run_cli("mark-reviewed", "--all", "--yes", "--locale", "en", "--kb", str(root))
    assert source.exit_code == 2 and "en is not a translation locale" in source.stderr
    write_kb({"kb/new.yaml": "id: new\nquestions: {en: [brand new question]}\n", "templates/en/new.j2": "New.\n"})
    nothing = run_cli("mark-reviewed", "new", "--kb", str(root))
    assert nothing.exit_code == 0 and nothing.stdout.startswith("nothing to mark: none of these entries has a")
    no_terminal = run_cli("mark-reviewed", "--all", "--kb", str(root))
    assert no_terminal.exit_code == 2 and "stdin is not a terminal: give --yes" in no_terminal.stderr
    assert not (root / "replykit.lock").exists()


def test_a_broken_lock_file_is_a_clear_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    (root / "replykit.lock").write_text('{"translations": ', encoding="utf-8")
    result = run_cli("lint", str(root))
    assert result.exit_code == 2
    assert "replykit.lock:1:18: cannot read the translation lock file" in result.stderr
    assert "Traceback" not in result.stderr
