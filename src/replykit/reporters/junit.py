"""JUnit XML, which most CI systems show as a test report: one test case per lint rule.

A rule with errors (or, with ``--strict``, warnings) is a failed test listing its findings; a rule
with warnings only passes and lists them in its output; a rule without findings passes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from replykit.errors import counted
from replykit.lint.finding import Finding
from replykit.lint.registry import RULES
from replykit.reporters.text import format_finding

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: show them as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def render(findings: Sequence[Finding], *, strict: bool = False) -> str:
    by_rule: dict[str, list[Finding]] = {rule_id: [] for rule_id in RULES}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    failed_rules = 0
    suite = ET.Element("testsuite", name="replykit lint")
    for rule_id, items in by_rule.items():
        case = ET.SubElement(suite, "testcase", classname="replykit.lint", name=rule_id)
        failing = [f for f in items if f.level == "error" or strict]
        lines = _xml_text("\n".join(format_finding(f) for f in items))
        if failing:
            failed_rules += 1
            failure = ET.SubElement(
                case, "failure", type=rule_id, message=counted(len(failing), "finding")
            )
            failure.text = lines
        elif items:
            ET.SubElement(case, "system-out").text = lines
    suite.set("tests", str(len(by_rule)))
    suite.set("failures", str(failed_rules))
    suite.set("errors", "0")
    root = ET.Element("testsuites", name="replykit", tests=str(len(by_rule)), failures=str(failed_rules))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
