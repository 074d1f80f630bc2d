"""SARIF 2.1.0, the format GitHub code scanning and other static-analysis viewers import.

Every rule is described in the tool's driver (id, summary, full documentation, default level), and
every finding is a result pointing at its file (relative to the checkout) and position.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from replykit import __version__
from replykit.errors import display_path
from replykit.lint.finding import Finding
from replykit.lint.registry import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/replykit/replykit"


def _uri(finding: Finding) -> tuple[str, bool]:
    """The file as a URI reference: relative to the checkout when below it, else a file: URI."""
    shown = display_path(finding.path)
    if Path(shown).is_absolute():
        return Path(shown).as_uri(), False
    return quote(Path(shown).as_posix()), True


def document(findings: Sequence[Finding]) -> dict[str, object]:
    rule_ids = list(RULES)
    rules = [
        {
            "id": rule.id,
            "name": "".join(part.title() for part in rule.id.split("-")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc.strip()},
            "help": {"text": rule.doc.strip()},
            "defaultConfiguration": {"level": rule.level},
        }
        for rule in RULES.values()
    ]
    results = []
    for finding in findings:
        uri, relative = _uri(finding)
        location: dict[str, object] = {"uri": uri}
        if relative:
            location["uriBaseId"] = "%SRCROOT%"
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": rule_ids.index(finding.rule) if finding.rule in RULES else -1,
                "level": finding.level,
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": location,
                            "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "replykit",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }


def render(findings: Sequence[Finding], *, strict: bool = False) -> str:
    return json.dumps(document(findings), ensure_ascii=False, indent=2) + "\n"
