"""Hostile or careless YAML: alias bombs, deep nesting, tags, impossible dates, forged keys.

Every case goes through the CLI on a real temporary KB and must end in one clear error naming file
and line, exit 2, without a traceback. Alias bombs run in a child process whose address space is
capped (:data:`MEMORY_CAP`): a build that expands the bomb dies there instead of eating the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from .conftest import RunCLI, WriteKB

ENTRY = 'id: a\nquestions:\n  en: ["where is my parcel"]\n'
BASE = {"kb/a.yaml": ENTRY, "templates/en/a.j2": "Hello\n"}
MEMORY_CAP = 1024 * 1024 * 1024  # 1 GB of address space for the whole replykit process


def nine_level_bomb(prefix: str = "") -> str:
    """The 342-byte file of the report: nine anchors, each a list of nine aliases of the last."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join(["*" + previous] * 9) + "]")
    return "".join(prefix + line + "\n" for line in lines)


def run_capped(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed replykit in a child process with at most MEMORY_CAP of memory."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    replykit = Path(sys.executable).with_name("replykit")
    env = {**os.environ, "REPLYKIT_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [str(replykit), *args], cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=cap, check=False
    )


def assert_one_error(stderr: str, where: str, message: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines[0].startswith(where) and message in lines[0], stderr
    assert lines[-1].startswith("replykit: error: the knowledge base has 1 problem")


def test_a_nine_level_alias_bomb_in_a_locale_file_is_refused(write_kb: WriteKB) -> None:
    bomb = nine_level_bomb()
    assert len(bomb) == 342
    root = write_kb({**BASE, "locales/en.yaml": bomb}, config="source_locale: en\nlocales: [en]\n")
    result = run_capped("check", "--kb", str(root), cwd=root.parent)
    assert result.returncode == 2
    assert_one_error(result.stderr, "kb-root/locales/en.yaml:1:1:", "once aliases are expanded")


def test_an_alias_bomb_under_matching_in_replykit_yaml_is_refused(write_kb: WriteKB) -> None:
    config = "source_locale: en\nlocales: [en]\nmatching:\n" + nine_level_bomb(prefix="  ")
    root = write_kb(BASE, config=config)
    result = run_capped("suggest", "--kb", str(root), "where is my parcel", cwd=root.parent)
    assert result.returncode == 2
    assert_one_error(result.stderr, "kb-root/replykit.yaml:", "once aliases are expanded")


def test_one_phrasing_aliased_two_thousand_times_is_refused(write_kb: WriteKB) -> None:
    aliases = "".join("    - *p\n" for _ in range(2000))
    entry = f"id: a\nquestions:\n  en:\n    - &p \"{'where is my parcel ' * 50}\"\n{aliases}"
    root = write_kb({**BASE, "kb/a.yaml": entry}, config="source_locale: en\nlocales: [en]\n")
    result = run_capped("suggest", "--kb", str(root), "where is my parcel", cwd=root.parent)
    assert result.returncode == 2
    assert_one_error(result.stderr, "kb-root/kb/a.yaml:", "more than 200 aliases (*name)")


def test_an_alias_bomb_in_an_order_file_is_refused(write_kb: WriteKB, tmp_path: Path) -> None:
    root = write_kb(BASE, config="source_locale: en\nlocales: [en]\n")
    order = tmp_path / "order.yaml"
    order.write_text(nine_level_bomb(), encoding="utf-8")
    result = run_capped("render", "a", "--locale", "en", "--kb", str(root), "--order", str(order), cwd=root.parent)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("replykit: error: order.yaml:1:1: more than 500,000 values once aliases")


def test_an_alias_to_its_own_anchor_is_refused(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({**BASE, "locales/en.yaml": "loop: &l [1, *l]\n"}, config="source_locale: en\nlocales: [en]\n")
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    assert_one_error(result.stderr, f"{root}/locales/en.yaml:1:7:", "an alias refers to its own anchor")


def test_nesting_of_999_levels_in_a_locale_file_is_refused(write_kb: WriteKB, run_cli: RunCLI) -> None:
    for depth, style in ((490, "flow"), (999, "flow"), (600, "block")):
        if style == "flow":
            text = "deep: " + "[" * depth + "]" * depth + "\n"
        else:
            text = "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "v\n"
        root = write_kb({**BASE, "locales/en.yaml": text}, config="source_locale: en\nlocales: [en]\n",
                        name=f"{style}{depth}")
        result = run_cli("check", "--kb", str(root))
        assert result.exit_code == 2
        assert_one_error(result.stderr, f"{root}/locales/en.yaml:", "nested deeper than 64 levels: flatten it")


def test_typed_scalars_that_cannot_be_built_are_errors_with_lines(write_kb: WriteKB, run_cli: RunCLI) -> None:
    locale = "holiday_closure_until: 2026-02-30\nopen_days: !!int \"abc\"\n"
    entry = ENTRY + "tags: [!!bool \"maybe\", !!python/name:os.system x]\nlint: !!set {a: 1}\n"
    files = {**BASE, "kb/a.yaml": entry, "locales/en.yaml": locale}
    root = write_kb(files, config="source_locale: en\nlocales: [en]\n")
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{root}/kb/a.yaml:4:8: 'maybe' cannot be read as bool: correct it, or remove the tag to keep it as text",
        f"{root}/kb/a.yaml:4:24: YAML tag '!!python/name:os.system' is not allowed:"
        " remove it (replykit reads plain data)",
        f"{root}/kb/a.yaml:5:7: YAML tag '!!set' is not allowed: remove it",
        f"{root}/locales/en.yaml:1:24: '2026-02-30' is not a real date or time:"
        " correct it, or put it in quotes to keep it as text",
        f"{root}/locales/en.yaml:2:12: 'abc' cannot be read as int: correct it, or remove the tag to keep it as text",
        "replykit: error: the knowledge base has 5 problems; fix them and retry",
    ]


def test_a_quoted_date_and_a_real_date_still_load(write_kb: WriteKB, run_cli: RunCLI) -> None:
    locale = 'holiday_closure_until: 2026-02-28\nnote: "2026-02-30"\n'
    root = write_kb({**BASE, "locales/en.yaml": locale}, config="source_locale: en\nlocales: [en]\n")
    result = run_cli("check", "--kb", str(root))
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_key_holding_a_newline_cannot_forge_a_workflow_command(write_kb: WriteKB, run_cli: RunCLI) -> None:
    locale = '"note\\n::error file=kb/a.yaml,line=1::forged": 1\n'
    root = write_kb({**BASE, "locales/en.yaml": locale}, config="source_locale: en\nlocales: [en]\n")
    for args in (("check", "--kb", str(root)), ("lint", str(root), "--format", "text")):
        result = run_cli(*args)
        lines = (result.stdout + result.stderr).splitlines()
        assert not any(line.startswith("::") for line in lines), lines
        assert any("key 'note\\n::error file=kb/a.yaml,line=1::forged' holds a line break" in line for line in lines)


def test_a_lock_file_of_100000_nested_brackets_is_refused(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({**BASE, "replykit.lock": "[" * 100_000}, config="source_locale: en\nlocales: [en]\n")
    result = run_cli("status", "--kb", str(root))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"replykit: error: {root}/replykit.lock:1:65: cannot read the translation lock")
    assert "nested deeper than 64 levels: flatten it" in result.stderr


def test_a_json_order_nested_100000_levels_is_refused(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(BASE, config="source_locale: en\nlocales: [en]\n")
    order = tmp_path / "order.json"
    order.write_text('{"items": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    result = run_cli("render", "a", "--locale", "en", "--kb", str(root), "--order", str(order))
    assert result.exit_code == 2
    assert result.stderr == f"replykit: error: {order}:1:74: invalid JSON: nested deeper than 64 levels: flatten it\n"
