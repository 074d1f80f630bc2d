"""Run the lint rules over a KB: configured levels, per-entry ignores, one sorted list of findings.

Configuration lives in replykit.yaml::

    lint:
      rules:
        whitespace: off                          # error | warning | off
        untranslated: {level: warning, allow: ["Kumo Supply"]}
        length: {max: {email: 2000, chat: 500}}

and per entry, ``lint: {ignore: [rule-id, ...]}``. Unknown rules, levels and options are
configuration errors (exit 2) naming the file and line, all of them at once (checked by
replykit.config with the rest of replykit.yaml when the KB is loaded).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from replykit.config import lint_rule_settings
from replykit.errors import KBError, Problem
from replykit.kb.loader import load_kb_report
from replykit.kb.model import KnowledgeBase, Position
from replykit.lint.context import LintContext
from replykit.lint.finding import Finding, Level
from replykit.lint.registry import RULES
from replykit.lint.rule import Rule

OFF = "off"


class LintConfigError(KBError):
    """The ``lint:`` section of replykit.yaml names unknown rules, levels or options."""


@dataclass
class LintSettings:
    """Each rule's level (or off) and its options, defaults filled in."""

    levels: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def level(self, rule: Rule) -> str:
        return self.levels.get(rule.id, rule.level)


def lint_settings(kb: KnowledgeBase) -> LintSettings:
    """Each rule's level and options: ``lint:`` as validated with the rest of replykit.yaml (replykit.config)."""
    settings = LintSettings(options={rule_id: rule.defaults for rule_id, rule in RULES.items()})
    for rule_id, spec in lint_rule_settings(kb).items():
        if rule_id not in RULES:
            continue
        for name, value in spec.items():
            if name == "level":
                settings.levels[rule_id] = str(value)
            else:
                settings.options[rule_id][name] = value
    return settings


def _ignored_unknown(kb: KnowledgeBase) -> Iterable[Finding]:
    """Per-entry ``lint.ignore`` naming a rule that does not exist (a typo ignores nothing)."""
    for entry in kb.entries.values():
        for rule_id in sorted(entry.lint_ignore - set(RULES)):
            pos = entry.position_of("lint")
            yield Finding(
                pos.path, pos.line, pos.column, "kb-format", "error",
                f"lint.ignore names unknown rule '{rule_id}': use one of {', '.join(RULES)}",
            )


def lint_kb(
    path_or_kb: KnowledgeBase | str | os.PathLike[str] | None = None,
    *,
    rules: Iterable[str] | None = None,
) -> list[Finding]:
    """Lint a KB (a folder, or an already loaded KnowledgeBase) and return its findings, sorted.

    ``rules`` limits the run to some rule ids (all by default). Raises
    KBError (exit 2) when replykit.yaml itself is unusable or its ``lint:`` section is wrong; every
    other problem of the KB is a finding of rule ``kb-format``.
    """
    if isinstance(path_or_kb, KnowledgeBase):
        kb, problems = path_or_kb, []
    else:
        report = load_kb_report(path_or_kb)
        if report.kb is None:
            raise KBError(report.problems)
        kb, problems = report.kb, list(report.problems)
    in_config = [p for p in problems if p.path == kb.config.path]
    if in_config:  # a wrong replykit.yaml is a configuration error (exit 2), not a finding
        raise LintConfigError(in_config)
    settings = lint_settings(kb)
    chosen = list(RULES) if rules is None else list(rules)
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise LintConfigError([Problem(kb.config.path, 1, 1, f"unknown lint rule '{u}'") for u in unknown])
    ctx = LintContext(kb, problems)
    ignores: Mapping[str, frozenset[str]] = {e.id: e.lint_ignore for e in kb.entries.values()}
    findings: set[Finding] = set(_ignored_unknown(kb)) if "kb-format" in chosen else set()
    for rule_id in chosen:
        rule = RULES[rule_id]
        level = settings.level(rule)
        if level == OFF:
            continue
        shown: Level = "error" if level == "error" else "warning"
        for violation in rule.check(ctx, settings.options[rule_id]):
            if violation.entries and all(rule_id in ignores.get(e, ()) for e in violation.entries):
                continue
            pos: Position = violation.position
            findings.add(Finding(pos.path, pos.line, pos.column, rule_id, shown, violation.message))
    return sorted(findings)
