"""``path:line:col: level rule-id message``, the line format editors and CI logs understand.

One finding is one line: control characters in the path or message (a line break quoted from a
KB file, an escape sequence) are shown as escapes, so a finding can neither drive the terminal
nor start a GitHub workflow command (``::error``) on a line of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from replykit.errors import display_path
from replykit.lint.finding import Finding
from replykit.printable import printable

_COLORS = {"error": "\033[31m", "warning": "\033[33m"}
_RESET = "\033[0m"


def format_finding(finding: Finding, *, color: bool = False) -> str:
    level = f"{_COLORS[finding.level]}{finding.level}{_RESET}" if color else finding.level
    where = printable(display_path(finding.path))
    return f"{where}:{finding.line}:{finding.column}: {level} {finding.rule} {printable(finding.message)}"


def render(findings: Sequence[Finding], *, color: bool = False, strict: bool = False) -> str:
    return "".join(format_finding(f, color=color) + "\n" for f in findings)
