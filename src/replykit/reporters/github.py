"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff.

Data and property values are escaped as the runner expects (``%``, CR, LF; and ``:`` ``,`` in
properties), so a message can never end an annotation early or start another command.
"""

from __future__ import annotations

from collections.abc import Sequence

from replykit.errors import display_path
from replykit.lint.finding import Finding
from replykit.printable import printable


def escape_data(text: str) -> str:
    """The runner's escapes for CR and LF; other control characters shown as ``\\x1b`` escapes."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(escaped)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(finding: Finding) -> str:
    path = display_path(finding.path).replace("\\", "/")
    props = ",".join(
        [
            f"file={escape_property(path)}",
            f"line={finding.line}",
            f"col={finding.column}",
            f"title={escape_property('replykit ' + finding.rule)}",
        ]
    )
    return f"::{finding.level} {props}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], *, strict: bool = False) -> str:
    return "".join(format_finding(f) + "\n" for f in findings)
