"""``replykit.yaml``: every section declared once, validated once, every problem reported at once.

The schema is the :data:`SECTIONS` table: each top-level key with its reader and whether it is
required, in the spirit of mkdocs' ``config_options`` and yamllint's per-rule ``CONF``. Reading
happens while the KB is built (a cache miss), so ``replykit check`` refuses exactly what
``suggest`` and ``lint`` would refuse, and no command reads the file a second time. Commands get
typed, already-validated settings from the loaded KB: :func:`matching_settings`,
:func:`lint_rule_settings`.

A new section is one line in :data:`SECTIONS` and a reader; until it has a field of its own on
:class:`~replykit.kb.model.Config`, its validated value is kept with the raw sections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replykit.errors import KBError, LocaleError, Problem
from replykit.kb.model import Config, KnowledgeBase, Position, frozen_map
from replykit.records import Record, record_fields

if TYPE_CHECKING:
    import yaml

# YAML, its node helpers and Babel are imported by the functions that read the file: a command
# served from the cache asks only for settings (matching_settings) and never loads them.

CONFIG_NAME = "replykit.yaml"

# ---- matching: -------------------------------------------------------------------------------


class MatchingSettings(Record):
    """Thresholds that decide when a match is `confident`, and how signals are combined.

    Defaults were chosen once on the evaluation sets (e-commerce, banking, ten-language intents,
    and out-of-scope questions) and work on all of them unchanged, so a KB rarely sets anything.
    """

    #: The best entry's score must reach this to be confident ...
    min_score: float = 0.5
    #: ... and lead the next entry by at least this much (a close runner-up is a question to check;
    #: chosen for precision of confident answers first, see docs/eval-results.md).
    min_margin: float = 0.08
    #: Share of the word channel in a phrasing's score (the rest is character n-grams).
    word_weight: float = 0.5
    #: Share of the best single phrasing in an entry's score (the rest is all its phrasings together).
    phrasing_weight: float = 0.2
    #: Factor for phrasings in another language than the customer's.
    other_locale_factor: float = 0.7
    #: rapidfuzz similarity (0..100) from which an unknown word is read as a typo of a KB word.
    typo_similarity: float = 80.0
    #: Share of meaning (cosine of embeddings, question vs. entry) in the reported score of the
    #: lexically best entries; 0 turns the semantic signal off.
    semantic_weight: float = 0.4
    #: Share of the multilingual sentence encoder (the ``multilingual`` extra) in the score of a
    #: question the words leave unsure; 0 turns it off (faster, and for measuring).
    encoder_weight: float = 0.2
    #: With the encoder, the calibrated probability from which the best entry is a confident answer.
    min_confidence: float = 0.85


#: The range each matching setting accepts (both ends included).
MATCHING_RANGES: dict[str, tuple[float, float]] = {
    "min_score": (0.0, 1.0),
    "min_margin": (0.0, 1.0),
    "word_weight": (0.0, 1.0),
    "phrasing_weight": (0.0, 1.0),
    "other_locale_factor": (0.0, 1.0),
    "typo_similarity": (50.0, 100.0),
    "semantic_weight": (0.0, 1.0),
    "encoder_weight": (0.0, 1.0),
    "min_confidence": (0.0, 1.0),
}


def matching_settings(kb: KnowledgeBase) -> MatchingSettings:
    """The KB's ``matching:`` settings, validated when the KB was loaded.

    Raises KBError only for a KnowledgeBase built by hand around an unchecked Config.
    """
    values = dict(kb.config.matching or {})
    problems: list[Problem] = []
    checked = {key: _matching_value(key, value, kb.config.position_of(f"matching.{key}"), problems)
               for key, value in values.items()}
    if problems:
        raise KBError(problems)
    return MatchingSettings(**checked)


def _matching_value(key: str, value: Any, pos: Position, problems: list[Problem]) -> float:
    known = list(record_fields(MatchingSettings))
    if key not in known:
        problems.append(Problem(pos.path, pos.line, pos.column,
                                f"unknown matching setting '{key}': use one of {', '.join(known)}"))
        return 0.0
    low, high = MATCHING_RANGES[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        message = f"matching.{key} must be a number from {low:g} to {high:g}, not {value!r}"
        problems.append(Problem(pos.path, pos.line, pos.column, message))
        return 0.0
    return float(value)


# ---- lint: -----------------------------------------------------------------------------------

_LEVEL_WORDS = {"error": "error", "warning": "warning", "off": "off", "false": "off", "no": "off"}


def lint_rule_settings(kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """``lint.rules`` as validated at load: rule id -> {"level": ..., option: parsed value}."""
    rules = (kb.config.lint or {}).get("rules") or {}
    return {str(rule_id): dict(spec) for rule_id, spec in rules.items()}


# ---- reading the file ------------------------------------------------------------------------


@dataclass
class _Reader:
    """Reads one replykit.yaml, collecting problems instead of stopping at the first."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    positions: dict[str, Position] = field(default_factory=dict)

    def problem(self, node: yaml.Node | None, message: str) -> None:
        from replykit.kb.yamlnodes import problem_at

        self.problems.append(problem_at(self.path, node, message))

    def locale(self, node: yaml.Node, text: str) -> str | None:
        from replykit.l10n import normalize_locale

        try:
            return normalize_locale(text)
        except LocaleError as e:
            self.problem(node, str(e))
            return None

    def locale_list(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """Locale ids as written: in YAML 1.1 a bare ``no`` (Norwegian) would be read as false."""
        import yaml

        from replykit.kb.yamlnodes import describe

        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list of locale ids, not {describe(node)}")
            return []
        out: list[tuple[str, yaml.Node]] = []
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and str(item.value).strip():
                out.append((str(item.value), item))
            else:
                self.problem(item, f"{what} must be locale ids such as en or pt-BR, found {describe(item)}")
        return out


def _read_locales(reader: _Reader, node: yaml.Node) -> tuple[str, ...]:
    import yaml

    locales: list[str] = []
    items = reader.locale_list(node, "locales")
    for text, item in items:
        loc = reader.locale(item, text)
        if loc is None:
            continue
        if loc in locales:
            reader.problem(item, f"locale '{text}' is listed twice")
        else:
            locales.append(loc)
    if isinstance(node, yaml.SequenceNode) and not node.value:
        reader.problem(node, "locales is empty: list every locale the KB promises, e.g. [en, de, ja]")
    return tuple(locales)


def _read_source_locale(reader: _Reader, node: yaml.Node) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return reader.locale(node, str(node.value))
    reader.problem(node, "source_locale must be a locale id such as en")
    return None


def _read_fallbacks(reader: _Reader, node: yaml.Node) -> Mapping[str, tuple[str, ...]]:
    import yaml

    from replykit.kb.yamlnodes import mapping_items

    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, "fallbacks must map a locale to a list of locales, e.g. {en_GB: [en]}")
        return frozen_map()
    fallbacks: dict[str, tuple[str, ...]] = {}
    for key, key_node, value in mapping_items(reader.path, node, reader.problems):
        loc = reader.locale(key_node, key)
        targets = []
        for text, item in reader.locale_list(value, f"fallbacks of {key}"):
            target = reader.locale(item, text)
            if target is not None:
                targets.append(target)
        if loc is not None:
            fallbacks[loc] = tuple(targets)
    return frozen_map(fallbacks)


def _section(reader: _Reader, name: str, node: yaml.Node) -> yaml.MappingNode | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, f"'{name}' must be a mapping")
        return None
    return node


def _read_matching(reader: _Reader, node: yaml.Node) -> Mapping[str, float]:
    from replykit.kb.yamlnodes import mapping_items, position, to_python

    section = _section(reader, "matching", node)
    if section is None:
        return frozen_map()
    values: dict[str, float] = {}
    for key, key_node, value_node in mapping_items(reader.path, section, reader.problems):
        pos = position(reader.path, key_node)
        reader.positions[f"matching.{key}"] = pos
        before = len(reader.problems)
        value = _matching_value(key, to_python(reader.path, value_node, reader.problems), pos, reader.problems)
        if len(reader.problems) == before:
            values[key] = value
    return frozen_map(values)


def _read_lint(reader: _Reader, node: yaml.Node) -> Mapping[str, Any]:
    """``lint: {rules: {rule-id: level | {level: ..., option: value}}}``, checked against each rule's options."""
    import yaml

    from replykit.kb.yamlnodes import mapping_items, position

    section = _section(reader, "lint", node)
    if section is None:
        return frozen_map()
    from replykit.lint.registry import RULES  # only a config with a lint section needs the rules

    rules: dict[str, dict[str, Any]] = {}
    for key, key_node, value in mapping_items(reader.path, section, reader.problems):
        reader.positions[f"lint.{key}"] = position(reader.path, key_node)
        if key != "rules":
            reader.problem(key_node, f"unknown key '{key}' in lint: expected rules")
            continue
        if not isinstance(value, yaml.MappingNode):
            reader.problem(value, "lint.rules must map rule ids to a level or {level: ..., option: ...}")
            continue
        for rule_id, rule_node, spec in mapping_items(reader.path, value, reader.problems):
            rule = RULES.get(rule_id)
            if rule is None:
                reader.problem(rule_node, f"unknown lint rule '{rule_id}': use one of {', '.join(RULES)}")
                continue
            rules[rule_id] = _read_rule(reader, rule_id, {opt.name: opt.parse for opt in rule.options}, spec)
    return frozen_map({"rules": frozen_map({k: frozen_map(v) for k, v in rules.items()})})


def _read_level(reader: _Reader, rule_id: str, node: yaml.Node) -> str | None:
    import yaml

    word = str(node.value).strip().lower() if isinstance(node, yaml.ScalarNode) else None
    if word not in _LEVEL_WORDS:
        reader.problem(node, f"lint rule '{rule_id}': the level must be error, warning or off")
        return None
    return _LEVEL_WORDS[word]


def _read_rule(
    reader: _Reader, rule_id: str, options: Mapping[str, Callable[[Any], Any]], spec: yaml.Node
) -> dict[str, Any]:
    import yaml

    from replykit.kb.yamlnodes import mapping_items, to_python

    out: dict[str, Any] = {}
    if isinstance(spec, yaml.ScalarNode):
        level = _read_level(reader, rule_id, spec)
        if level is not None:
            out["level"] = level
        return out
    if not isinstance(spec, yaml.MappingNode):
        reader.problem(spec, f"lint rule '{rule_id}' takes a level or a mapping of options")
        return out
    for name, name_node, value in mapping_items(reader.path, spec, reader.problems):
        if name == "level":
            level = _read_level(reader, rule_id, value)
            if level is not None:
                out["level"] = level
            continue
        parse = options.get(name)
        if parse is None:
            known = ", ".join(["level", *options])
            reader.problem(name_node, f"lint rule '{rule_id}' has no option '{name}': use {known}")
            continue
        try:
            out[name] = parse(to_python(reader.path, value, reader.problems))
        except ValueError as e:
            reader.problem(value, f"lint rule '{rule_id}' option '{name}' must be {e}")
    return out


def _raw_section(name: str) -> Callable[[_Reader, yaml.Node], Mapping[str, Any]]:
    """A section read as plain data; its keys are checked by the module that uses it (orders, usagelog)."""

    def read(reader: _Reader, node: yaml.Node) -> Mapping[str, Any]:
        from replykit.kb.yamlnodes import mapping_items, position, to_python

        section = _section(reader, name, node)
        if section is None:
            return frozen_map()
        for key, key_node, _ in mapping_items(reader.path, section, []):
            reader.positions[f"{name}.{key}"] = position(reader.path, key_node)
        data = to_python(reader.path, section, reader.problems)
        return frozen_map(data if isinstance(data, Mapping) else {})

    return read


class Section(Record):
    """One top-level key of replykit.yaml: how to read it, and what to say when it is missing."""

    read: Callable[[_Reader, yaml.Node], Any]
    missing: str | None = None  # the problem when absent; None for an optional section


#: The schema of replykit.yaml, in the order sections are read.
SECTIONS: dict[str, Section] = {
    "source_locale": Section(
        _read_source_locale, "missing 'source_locale': name the locale translations are made from"
    ),
    "locales": Section(_read_locales, "missing 'locales': list every locale the KB promises, e.g. [en, de, ja]"),
    "fallbacks": Section(_read_fallbacks),
    "matching": Section(_read_matching),
    "lint": Section(_read_lint),
    "orders": Section(_raw_section("orders")),  # replykit.orders.OrderSettings checks it
    "usage_log": Section(_raw_section("usage_log")),  # replykit.usagelog.UsageLog checks it
}


def read_config(path: Path, data: bytes) -> tuple[Config | None, list[Problem]]:
    """replykit.yaml as a validated Config, and every problem in it.

    The Config is None only when there is no usable source locale or locale list; otherwise it
    holds every section that was valid, so lint can still report the rest of the KB.
    """
    import yaml

    from replykit.kb.yamlnodes import compose, mapping_items, position

    parsed, problems = compose(path, data)
    reader = _Reader(path, problems)
    if parsed is None:
        return None, reader.problems
    root = parsed.root
    if not isinstance(root, yaml.MappingNode):
        reader.problem(root, f"{CONFIG_NAME} must be a mapping with source_locale and locales")
        return None, reader.problems
    nodes: dict[str, yaml.Node] = {}
    for key, key_node, value in mapping_items(path, root, reader.problems):
        if key not in SECTIONS:
            reader.problem(key_node, f"unknown key '{key}' in {CONFIG_NAME}: expected one of {', '.join(SECTIONS)}")
            continue
        nodes[key] = value
        reader.positions[key] = position(path, key_node)
    values: dict[str, Any] = {}
    for name, section in SECTIONS.items():
        if name in nodes:
            values[name] = section.read(reader, nodes[name])
        elif section.missing:
            reader.problem(root, section.missing)
    source, locales = values.get("source_locale"), values.get("locales") or ()
    if source is not None and locales and source not in locales:
        reader.problem(nodes["source_locale"], f"source_locale '{source}' is not in locales: add it there")
    if source is None or not locales:
        return None, reader.problems
    config = Config(
        path=path,
        source_locale=source,
        locales=locales,
        fallbacks=values.get("fallbacks") or frozen_map(),
        matching=values.get("matching") or frozen_map(),
        lint=values.get("lint") or frozen_map(),
        orders=values.get("orders") or frozen_map(),
        usage_log=values.get("usage_log") or frozen_map(),
        key_positions=frozen_map(reader.positions),
    )
    return config, reader.problems
