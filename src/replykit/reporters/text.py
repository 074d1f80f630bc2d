"""``path:line:col: level rule-id message``, the line format editors and CI logs understand."""

from __future__ import annotations

from collections.abc import Sequence

from replykit.errors import display_path
from replykit.lint.finding import Finding

_COLORS = {"error": "\033[31m", "warning": "\033[33m"}
_RESET = "\033[0m"


def format_finding(finding: Finding, *, color: bool = False) -> str:
    level = f"{_COLORS[finding.level]}{finding.level}{_RESET}" if color else finding.level
    return f"{display_path(finding.path)}:{finding.line}:{finding.column}: {level} {finding.rule} {finding.message}"


def render(findings: Sequence[Finding], *, color: bool = False, strict: bool = False) -> str:
    return "".join(format_finding(f, color=color) + "\n" for f in findings)
