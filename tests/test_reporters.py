"""Every output format, built from the same findings: JSON, GitHub annotations, SARIF 2.1.0, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from replykit.lint import RULES, Finding
from replykit.reporters import choose_format, render_report
from replykit.reporters.github import format_finding

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB

BROKEN = {
    "templates/de/refund-status.j2": "Wir haben {{ refund_amount | money }} erstattet;  in 7 Tagen.\n",
}


def _lint(write_kb: WriteKB, run_cli: RunCLI, *args: str) -> tuple[int, str]:
    root = write_kb({**CLEAN_KB, **BROKEN})
    result = run_cli("lint", str(root), *args)
    return result.exit_code, result.stdout


def test_json(write_kb: WriteKB, run_cli: RunCLI) -> None:
    code, out = _lint(write_kb, run_cli, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert (data["errors"], data["warnings"], data["failed"]) == (2, 1, True)
    first = data["findings"][0]
    assert first["path"].endswith("templates/de/refund-status.j2")
    assert {k: first[k] for k in ("line", "column", "rule", "level")} == {
        "line": 1, "column": 1, "rule": "number-mismatch", "level": "error",
    }
    assert [f["rule"] for f in data["findings"]] == ["number-mismatch", "whitespace", "number-mismatch"]


def test_github_escapes_data_and_properties() -> None:
    finding = Finding(Path("kb/a,b:c.yaml"), 3, 7, "kb-format", "warning", "100% wrong\nline two\r")
    assert format_finding(finding) == (
        "::warning file=kb/a%2Cb%3Ac.yaml,line=3,col=7,title=replykit kb-format::100%25 wrong%0Aline two%0D"
    )


def test_github_format(write_kb: WriteKB, run_cli: RunCLI) -> None:
    code, out = _lint(write_kb, run_cli, "--format", "github")
    lines = out.splitlines()
    assert code == 1
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::error"]
    assert all("title=replykit " in line and "line=1," in line for line in lines)


def test_auto_format(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_format("auto") == "text"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert choose_format("auto") == "github"
    assert choose_format("json") == "json"


def test_sarif_2_1_0(write_kb: WriteKB, run_cli: RunCLI) -> None:
    code, out = _lint(write_kb, run_cli, "--format", "sarif")
    doc = json.loads(out)
    assert code == 1
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "replykit"
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["number-mismatch", "whitespace", "number-mismatch"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning") and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith("templates/de/refund-status.j2")
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1


def test_sarif_uses_relative_uris_under_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    finding = Finding(tmp_path / "kb" / "my entry.yaml", 2, 1, "kb-format", "error", "bad")
    doc = json.loads(render_report([finding], "sarif"))
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "kb/my%20entry.yaml", "uriBaseId": "%SRCROOT%"}


def test_junit(write_kb: WriteKB, run_cli: RunCLI) -> None:
    code, out = _lint(write_kb, run_cli, "--format", "junit")
    root = ET.fromstring(out)
    assert code == 1
    suite = root.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == list(RULES)
    assert suite.get("tests") == str(len(RULES)) and suite.get("failures") == "1"
    failure = cases["number-mismatch"].find("failure")
    assert failure is not None and failure.get("message") == "2 findings"
    assert "number '7' is not in the en template" in (failure.text or "")
    assert cases["whitespace"].find("failure") is None
    assert "double space" in (cases["whitespace"].findtext("system-out") or "")


def test_junit_strict_fails_on_warnings_and_survives_control_characters() -> None:
    finding = Finding(Path("t.j2"), 1, 1, "whitespace", "warning", "odd \x1e character")
    root = ET.fromstring(render_report([finding], "junit", strict=True))
    assert root.get("failures") == "1"


def test_all_formats_have_the_same_findings(write_kb: WriteKB, run_cli: RunCLI) -> None:
    counts = {}
    for fmt in ("text", "github"):
        counts[fmt] = len(_lint(write_kb, run_cli, "--format", fmt)[1].splitlines())
    counts["json"] = len(json.loads(_lint(write_kb, run_cli, "--format", "json")[1])["findings"])
    counts["sarif"] = len(json.loads(_lint(write_kb, run_cli, "--format", "sarif")[1])["runs"][0]["results"])
    assert set(counts.values()) == {3}
