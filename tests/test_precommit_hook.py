"""The pre-commit hooks shipped for users' KB repositories: they fire on KB files and run a real lint."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import RunCLI, WriteKB

HOOKS_FILE = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"


def hooks() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in loaded}


def test_both_hooks_are_declared_as_pre_commit_expects() -> None:
    found = hooks()
    assert set(found) == {"replykit-lint", "replykit-lint-strict"}
    for hook in found.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False  # lint needs the whole KB, not the changed files
        assert hook["entry"].startswith("replykit lint")


@pytest.mark.parametrize(
    ("path", "fires"),
    [
        ("replykit.yaml", True),
        ("replykit.lock", True),
        ("kb/shipping/track-order.yaml", True),
        ("kb/track-order.yml", True),
        ("templates/de/track-order.j2", True),
        ("templates/ja/_greeting.j2", True),
        ("locales/fr.yaml", True),
        ("README.md", False),
        ("src/app.py", False),
        ("docs/kb/notes.yaml", False),
    ],
)
def test_hooks_fire_on_kb_files_only(path: str, fires: bool) -> None:
    for hook in hooks().values():
        assert bool(re.search(hook["files"], path)) is fires


def test_the_hook_entries_run_and_fail_on_findings(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {
            "kb/greet.yaml": "id: greet\nquestions:\n  en: [hello there, hi]\n  de: [hallo, guten tag]\n",
            "templates/en/greet.j2": "Hello  {{ locale.store }}!\n",
            "templates/de/greet.j2": "Hallo {{ locale.store }}!\n",
            "locales/en.yaml": "store: Kumo\n",
            "locales/de.yaml": "store: Kumo\n",
        },
        config="source_locale: en\nlocales: [en, de]\n",
    )
    plain, strict = hooks()["replykit-lint"], hooks()["replykit-lint-strict"]
    # The double space is a warning: the plain hook lets the commit through, the strict one stops it.
    assert run_cli(*shlex.split(plain["entry"])[1:], "--format", "text", str(root)).exit_code == 0
    result = run_cli(*shlex.split(strict["entry"])[1:], "--format", "text", str(root))
    assert result.exit_code == 1
    assert "warning whitespace" in result.stdout
