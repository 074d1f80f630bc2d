"""Files replykit writes for people (a KB, exports, reports) get the user's permissions, not 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import RunCLI


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_import_export_and_reports_write_shareable_files(
    tmp_path: Path, run_cli: RunCLI, umask_022: None
) -> None:
    # A KB on a team share, an export for a colleague, a report for a web server: others must read them.
    kb = tmp_path / "kb"
    assert run_cli("init", str(kb), "--locales", "en,de").exit_code == 0
    faq = tmp_path / "faq.csv"
    faq.write_text("question_en,answer_en\nWhere is my order?,On its way.\n", encoding="utf-8")
    assert run_cli("import", str(faq), "--kb", str(kb)).exit_code == 0
    assert run_cli("export", "--kb", str(kb), "--to", "zendesk", "-o", str(tmp_path / "zendesk.json")).exit_code == 0
    messages = tmp_path / "mail.txt"
    messages.write_text("do you sell gift cards?\ncan I buy a gift card\ngift cards available?\n", encoding="utf-8")
    report = tmp_path / "report.html"
    result = run_cli("insights", "--kb", str(kb), str(messages), "--format", "html", "-o", str(report))
    assert result.exit_code == 0, result.stderr
    assert run_cli("insights", "--kb", str(kb), str(messages), "--draft", str(kb)).exit_code == 0

    written = [p for p in kb.rglob("*") if p.is_file()] + [tmp_path / "zendesk.json", report]
    assert {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in written if _mode(p) != 0o644} == {}
    assert (kb / "kb/where-is-my-order.yaml").exists() and (kb / "replykit.import-state.json").exists()
    assert any(p.name == "gift-card.yaml" for p in written)


def test_an_update_keeps_a_files_permissions(tmp_path: Path, run_cli: RunCLI, umask_022: None) -> None:
    kb = tmp_path / "kb"
    assert run_cli("init", str(kb), "--locales", "en").exit_code == 0
    faq = tmp_path / "faq.csv"
    faq.write_text("question_en,answer_en\nWhere is my order?,On its way.\n", encoding="utf-8")
    assert run_cli("import", str(faq), "--kb", str(kb)).exit_code == 0
    template = kb / "templates/en/where-is-my-order.j2"
    template.chmod(0o640)  # the team's choice
    faq.write_text("question_en,answer_en\nWhere is my order?,It ships today.\n", encoding="utf-8")
    assert run_cli("import", str(faq), "--kb", str(kb)).exit_code == 0
    assert template.read_text(encoding="utf-8").strip() == "It ships today."
    assert _mode(template) == 0o640


def test_an_output_that_is_a_folder_is_named_as_such(tmp_path: Path, run_cli: RunCLI) -> None:
    kb = tmp_path / "kb"
    assert run_cli("init", str(kb), "--locales", "en").exit_code == 0
    result = run_cli("export", "--kb", str(kb), "--to", "zendesk", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"replykit: error: {tmp_path}: is a folder, not a file: name the file to write in it\n"


def test_an_output_in_a_missing_folder_is_refused_not_created(tmp_path: Path, run_cli: RunCLI) -> None:
    # A typo in a folder name must not leave a new folder with the export in it.
    kb = tmp_path / "kb"
    assert run_cli("init", str(kb), "--locales", "en,de").exit_code == 0
    missing = tmp_path / "reprots"
    messages = tmp_path / "mail.txt"
    messages.write_text("do you sell gift cards?\n", encoding="utf-8")
    for args in (
        ("export", "--kb", str(kb), "--to", "zendesk", "-o", str(missing / "zendesk.json")),
        ("translations", "export", "--locale", "de", "--kb", str(kb), "-o", str(missing / "de.po")),
        ("insights", "--kb", str(kb), str(messages), "--format", "html", "-o", str(missing / "report.html")),
    ):
        result = run_cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr == (
            f"replykit: error: {missing}: no such folder: create it first, or write somewhere else\n"
        )
    assert not missing.exists()
