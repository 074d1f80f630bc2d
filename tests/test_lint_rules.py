"""Every lint rule on real KB files: a KB that triggers it and one that does not.

Cases live in tests/lint_cases/<rule-id>.yaml as data: the files each case writes over a clean
KB (tests/lint_kb_files.py), an optional replykit.yaml, and the findings expected of that rule
(file, line and part of the message). ``expect: []`` is a passing case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from replykit.lint import RULES, lint_kb

from .conftest import WriteKB
from .lint_kb_files import CLEAN_KB

CASES_DIR = Path(__file__).parent / "lint_cases"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}: {case['name']}"))
    return params


CASES = _load_cases()


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    by_rule: dict[str, set[bool]] = {}
    for param in CASES:
        rule, case = param.values
        by_rule.setdefault(rule, set()).add(bool(case["expect"]))
    assert {rule: kinds for rule, kinds in by_rule.items() if kinds != {True, False}} == {}
    assert sorted(by_rule) == sorted(RULES)


def test_the_clean_kb_passes_every_rule(write_kb: WriteKB) -> None:
    root = write_kb(CLEAN_KB)
    assert lint_kb(root) == []


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_rule_case(write_kb: WriteKB, rule: str, case: dict[str, Any]) -> None:
    files = {**CLEAN_KB, **case.get("files", {})}
    for removed in case.get("remove", []):
        files.pop(removed)
    root = write_kb(files, config=case.get("config"))
    for rel, text in case.get("raw", {}).items():  # written byte for byte: no dedent, no strip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    findings = [f for f in lint_kb(root) if f.rule == rule]
    got = [(f.path.relative_to(root).as_posix(), f.line, f.message) for f in findings]
    expected = case["expect"]
    assert len(got) == len(expected), got
    for (path, line, message), want in zip(got, expected, strict=True):
        assert path == want["path"], got
        if "line" in want:
            assert line == want["line"], got
        assert want["message"] in message, got
    for f in findings:
        assert f.level == case.get("level", RULES[rule].level)
