"""``replykit lint``'s library side: run every rule over a KB and get one sorted list of findings.

    from replykit.lint import lint_kb
    for finding in lint_kb("path/to/kb"):
        print(finding)
"""

from replykit.lint.finding import Finding, Level, count_levels
from replykit.lint.registry import RULES
from replykit.lint.rule import Rule
from replykit.lint.runner import LintConfigError, lint_kb, lint_settings

__all__ = ["RULES", "Finding", "Level", "LintConfigError", "Rule", "count_levels", "lint_kb", "lint_settings"]
