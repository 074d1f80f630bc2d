"""Run the lint rules over a KB: configured levels, per-entry ignores, one sorted list of findings.

Configuration lives in replykit.yaml::

    lint:
      rules:
        whitespace: off                          # error | warning | off
        untranslated: {level: warning, allow: ["Kumo Supply"]}
        length: {max: {email: 2000, chat: 500}}

and per entry, ``lint: {ignore: [rule-id, ...]}``. Unknown rules, levels and options are
configuration errors (exit 2) naming the file and line, all of them at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from replykit.errors import KBError, Problem
from replykit.kb.loader import load_kb_report
from replykit.kb.model import KnowledgeBase, Position
from replykit.kb.yamlnodes import compose, mapping_items, problem_at, to_python
from replykit.lint.context import LintContext
from replykit.lint.finding import Finding, Level
from replykit.lint.registry import RULES
from replykit.lint.rule import Rule

OFF = "off"
_LEVEL_WORDS: dict[str, Level | str] = {"error": "error", "warning": "warning", "off": OFF, "false": OFF, "no": OFF}


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
    """Read and validate ``lint:`` from replykit.yaml; raise LintConfigError listing every problem."""
    settings = LintSettings(options={rule_id: rule.defaults for rule_id, rule in RULES.items()})
    if not kb.config.lint:
        return settings
    path = kb.config.path
    parsed, problems = compose(path, path.read_bytes())
    if parsed is None or not isinstance(parsed.root, yaml.MappingNode):
        raise LintConfigError(problems or [Problem(path, 1, 1, "replykit.yaml must be a mapping")])
    section = next((value for key, _, value in mapping_items(path, parsed.root, []) if key == "lint"), None)
    if not isinstance(section, yaml.MappingNode):
        return settings
    problems = []
    for key, key_node, value in mapping_items(path, section, problems):
        if key != "rules":
            problems.append(problem_at(path, key_node, f"unknown key '{key}' in lint: expected rules"))
            continue
        if not isinstance(value, yaml.MappingNode):
            message = "lint.rules must map rule ids to a level or {level: ..., option: ...}"
            problems.append(problem_at(path, value, message))
            continue
        for rule_id, rule_node, spec in mapping_items(path, value, problems):
            rule = RULES.get(rule_id)
            if rule is None:
                message = f"unknown lint rule '{rule_id}': use one of {', '.join(RULES)}"
                problems.append(problem_at(path, rule_node, message))
                continue
            _rule_settings(path, rule, spec, settings, problems)
    if problems:
        raise LintConfigError(problems)
    return settings


def _level(path: Path, node: yaml.Node, rule: Rule, problems: list[Problem]) -> str | None:
    word = str(node.value).strip().lower() if isinstance(node, yaml.ScalarNode) else None
    if word not in _LEVEL_WORDS:
        problems.append(problem_at(path, node, f"lint rule '{rule.id}': the level must be error, warning or off"))
        return None
    return str(_LEVEL_WORDS[word])


def _rule_settings(path: Path, rule: Rule, spec: yaml.Node, settings: LintSettings, problems: list[Problem]) -> None:
    if isinstance(spec, yaml.ScalarNode):
        level = _level(path, spec, rule, problems)
        if level is not None:
            settings.levels[rule.id] = level
        return
    if not isinstance(spec, yaml.MappingNode):
        problems.append(problem_at(path, spec, f"lint rule '{rule.id}' takes a level or a mapping of options"))
        return
    declared = {opt.name: opt for opt in rule.options}
    for name, name_node, value in mapping_items(path, spec, problems):
        if name == "level":
            level = _level(path, value, rule, problems)
            if level is not None:
                settings.levels[rule.id] = level
            continue
        option = declared.get(name)
        if option is None:
            known = ", ".join(["level", *declared])
            problems.append(problem_at(path, name_node, f"lint rule '{rule.id}' has no option '{name}': use {known}"))
            continue
        try:
            settings.options[rule.id][name] = option.parse(to_python(path, value, problems))
        except ValueError as e:
            problems.append(problem_at(path, value, f"lint rule '{rule.id}' option '{name}' must be {e}"))


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
