"""Output formats for lint findings, every one built from the same sorted list of findings.

``render_report(findings, fmt)`` returns the text to print; ``choose_format("auto")`` picks GitHub
workflow annotations under GitHub Actions and plain text elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from replykit.lint.finding import Finding
from replykit.reporters import github, json, junit, sarif, text

FORMATS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
}


def choose_format(requested: str) -> str:
    """``auto`` is ``github`` when running as a GitHub Actions step, else ``text``."""
    if requested != "auto":
        return requested
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def render_report(findings: Sequence[Finding], fmt: str, *, strict: bool = False, color: bool = False) -> str:
    """The findings in format ``fmt`` (one of FORMATS); ``strict`` counts warnings as failures."""
    if fmt == "text":
        return text.render(findings, color=color)
    return FORMATS[fmt](findings, strict=strict)


__all__ = ["FORMATS", "choose_format", "render_report"]
