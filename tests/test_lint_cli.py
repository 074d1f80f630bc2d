"""`replykit lint` as CI runs it: exit codes, --strict, config errors, per-entry ignores, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB

DOUBLE_SPACE = {"templates/de/refund-status.j2": "Wir haben {{ refund_amount | money }} erstattet;  in 5 Tagen.\n"}
WRONG_NUMBER = {"templates/de/refund-status.j2": "Wir haben {{ refund_amount | money }} erstattet; in 7 Tagen.\n"}


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the tmp folder, as CI runs from its checkout."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_clean_kb_exits_0(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    result = run_cli("lint", str(root))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "0 errors, 0 warnings" in result.stderr


def test_warnings_exit_0_unless_strict(write_kb: WriteKB, run_cli: RunCLI, in_folder: Path) -> None:
    write_kb({**CLEAN_KB, **DOUBLE_SPACE})
    result = run_cli("lint", "kb-root", "--format", "text")
    assert result.exit_code == 0
    assert result.stdout == "kb-root/templates/de/refund-status.j2:1:49: warning whitespace double space: use one\n"
    assert run_cli("lint", "kb-root", "--strict").exit_code == 1


def test_errors_exit_1_with_paths_relative_to_the_current_folder(
    write_kb: WriteKB, run_cli: RunCLI, in_folder: Path
) -> None:
    write_kb({**CLEAN_KB, **WRONG_NUMBER})
    result = run_cli("lint", "kb-root")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "kb-root/templates/de/refund-status.j2:1:1: error number-mismatch number '5' of the en template" in lines[0]
    assert lines[1].startswith("kb-root/templates/de/refund-status.j2:1:53: error number-mismatch number '7'")
    assert "2 errors, 0 warnings" in result.stderr


def test_a_rule_turned_off_or_down_in_replykit_yaml(write_kb: WriteKB, run_cli: RunCLI) -> None:
    config = "source_locale: en\nlocales: [en, de, ja]\nlint:\n  rules:\n    number-mismatch: warning\n"
    root = write_kb({**CLEAN_KB, **WRONG_NUMBER}, config=config)
    result = run_cli("lint", str(root))
    assert result.exit_code == 0
    assert result.stdout.count(" warning number-mismatch ") == 2
    root = write_kb({}, config=config.replace("warning", "off"))
    assert run_cli("lint", str(root)).stdout == ""


def test_an_entry_ignores_a_rule(write_kb: WriteKB, run_cli: RunCLI) -> None:
    entry = CLEAN_KB["kb/refund-status.yaml"].rstrip(" ") + "        lint: {ignore: [number-mismatch]}\n"
    root = write_kb({**CLEAN_KB, **WRONG_NUMBER, "kb/refund-status.yaml": entry})
    result = run_cli("lint", str(root))
    assert (result.exit_code, result.stdout) == (0, "")


def test_config_errors_name_file_and_line_and_exit_2(write_kb: WriteKB, run_cli: RunCLI, in_folder: Path) -> None:
    config = """\
        source_locale: en
        locales: [en, de, ja]
        lint:
          rules:
            no-such-rule: error
            whitespace: loud
            length: {max: {chat: -3}, colour: red}
        """
    write_kb(CLEAN_KB, config=config)
    result = run_cli("lint", "kb-root")
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = result.stderr.splitlines()
    assert errors[0].startswith("kb-root/replykit.yaml:5:5: unknown lint rule 'no-such-rule': use one of kb-format,")
    assert errors[1] == "kb-root/replykit.yaml:6:17: lint rule 'whitespace': the level must be error, warning or off"
    assert errors[2] == "kb-root/replykit.yaml:7:19: lint rule 'length' option 'max' must be a whole number above 0"
    assert errors[3] == "kb-root/replykit.yaml:7:31: lint rule 'length' has no option 'colour': use level, max"
    assert errors[4].startswith("replykit: error: the knowledge base has 4 problems")


def test_an_unusable_kb_exits_2(tmp_path: Path, run_cli: RunCLI) -> None:
    result = run_cli("lint", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("replykit: error: ") and "replykit.yaml" in result.stderr


def test_a_bad_format_is_a_usage_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    assert run_cli("lint", str(root), "--format", "xml").exit_code == 2


def test_loader_problems_are_findings_with_file_and_line(write_kb: WriteKB, run_cli: RunCLI, in_folder: Path) -> None:
    write_kb({**CLEAN_KB, "kb/broken.yaml": "id: broken\nquestions: [oops\n"})
    result = run_cli("lint", "kb-root")
    assert result.exit_code == 1
    assert result.stdout.startswith("kb-root/kb/broken.yaml:3:1: error kb-format YAML syntax error")


def test_github_annotations_are_chosen_under_github_actions(
    write_kb: WriteKB, run_cli: RunCLI, in_folder: Path
) -> None:
    write_kb({**CLEAN_KB, **WRONG_NUMBER})
    result = run_cli("lint", "kb-root", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=kb-root/templates/de/refund-status.j2,line=1,col=1,title=replykit number-mismatch"
        "::number '5' of the en template (line 1) is missing here"
    )


def test_only_some_rules(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({**CLEAN_KB, **WRONG_NUMBER, **{"templates/ja/x.j2": "{% if %}\n"}})
    result = run_cli("lint", str(root), "--rule", "template-syntax")
    assert result.exit_code == 1
    assert all(" template-syntax " in line for line in result.stdout.splitlines())
    assert run_cli("lint", str(root), "--rule", "nope").exit_code == 2
