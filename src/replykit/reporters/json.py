"""Findings as one JSON document, for scripts: ``{"findings": [...], "errors": n, "warnings": n}``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from replykit.errors import display_path
from replykit.lint.finding import Finding, count_levels


def as_dict(finding: Finding) -> dict[str, object]:
    return {
        "path": display_path(finding.path),
        "line": finding.line,
        "column": finding.column,
        "rule": finding.rule,
        "level": finding.level,
        "message": finding.message,
    }


def render(findings: Sequence[Finding], *, strict: bool = False) -> str:
    errors, warnings = count_levels(list(findings))
    document = {
        "findings": [as_dict(f) for f in findings],
        "errors": errors,
        "warnings": warnings,
        "failed": bool(errors or (strict and warnings)),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
