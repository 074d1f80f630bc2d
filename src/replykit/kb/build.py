"""Validate a KB's files into a :class:`KnowledgeBase`, collecting every problem instead of stopping.

Only a load that misses the cache gets here (see :mod:`replykit.kb.loader`), so only such a load
imports YAML: a cached ``replykit suggest`` never does.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from replykit.config import read_config
from replykit.errors import LocaleError, Problem
from replykit.kb.loader import CONFIG_NAME, KBFiles, LoadResult
from replykit.kb.model import (
    VARIABLE_TYPES,
    Config,
    Entry,
    KnowledgeBase,
    LocaleData,
    Phrasing,
    Position,
    TemplateFile,
    Variable,
    frozen_map,
)
from replykit.kb.stored import Previous, Sources
from replykit.kb.yamlnodes import (
    compose,
    decode_utf8,
    describe,
    mapping_items,
    position,
    problem_at,
    scalar_value,
    to_python,
)
from replykit.l10n import normalize_locale
from replykit.printable import first_control

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENTRY_KEYS = ("id", "questions", "template", "variables", "tags", "examples", "lint", "draft", "translations", "notes")
VARIABLE_KEYS = ("type", "required", "description")
STR_TAG = "tag:yaml.org,2002:str"


def build_kb(root: Path, files: KBFiles, fingerprint: str, previous: Previous | None = None) -> LoadResult:
    """The KB built from everything valid in ``files``, and every problem found on the way.

    ``previous``: an earlier stored version of this KB; its entries whose file did not change are
    taken as they are (not parsed again), and so are its templates when no template file changed
    (replykit.yaml unchanged, as both depend on it).
    """
    return _Builder(root, files, fingerprint, previous).build()


class _Builder:
    """Turns the files into model objects, collecting problems instead of stopping at the first."""

    def __init__(self, root: Path, files: KBFiles, fingerprint: str, previous: Previous | None) -> None:
        self.root = root
        self.files = files
        self.fingerprint = fingerprint
        self.problems: list[Problem] = []
        config_digest = files.digests.get(CONFIG_NAME, b"")
        self.previous = previous if previous is not None and previous.config == config_digest else None
        template_digest = hashlib.sha256(config_digest)
        for _, rel in files.found.get("templates", []):
            template_digest.update(rel.encode() + b"\0" + files.digests[rel])
        self.sources = Sources({}, {}, files.digests, config_digest, template_digest.digest())

    def build(self) -> LoadResult:
        config = self._config()
        if config is None:
            return LoadResult(None, self.problems)
        known = set(config.locales) | set(config.fallbacks)
        previous = self.previous
        if previous is not None and previous.templates == self.sources.templates:
            templates: Mapping[str, Mapping[str, TemplateFile]] = previous.kb.templates
        else:
            built = self._templates(known)
            templates = frozen_map({loc: frozen_map(names) for loc, names in built.items()})
        locale_data = self._locale_data(config)
        entries = self._entries(config, templates)
        kb = KnowledgeBase(
            root=self.root,
            config=config,
            entries=entries,
            templates=templates,
            locale_data=frozen_map(locale_data),
            fingerprint=self.fingerprint,
        )
        return LoadResult(kb, self.problems, self.sources)

    # -- helpers

    def _problem(self, path: Path | str, node: yaml.Node | None, message: str) -> None:
        self.problems.append(problem_at(path, node, message))

    def _locale(self, path: Path | str, node: yaml.Node, text: str) -> str | None:
        try:
            return normalize_locale(text)
        except LocaleError as e:
            self._problem(path, node, str(e))
            return None

    def _unknown_key(self, path: Path | str, node: yaml.Node, key: str, allowed: Iterable[str], where: str) -> None:
        options = ", ".join(allowed)
        self._problem(path, node, f"unknown key '{key}' in {where}: expected one of {options}")

    def _string_list(self, path: Path | str, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.SequenceNode):
            self._problem(path, node, f"{what} must be a list of texts, not {describe(node)}")
            return []
        out = []
        for item in node.value:
            # A scalar resolved as text is its own value: skip the constructor on this hot path.
            value = item.value if item.tag == STR_TAG and isinstance(item, yaml.ScalarNode) else None
            if not isinstance(value, str):
                self._problem(
                    path, item, f"{what} must be texts, found {describe(item)}: put it in quotes to keep it as text"
                )
                continue
            if not value.strip():
                self._problem(path, item, f"{what} has an empty text: write it or remove the line")
                continue
            control = first_control(value)
            if control is not None:  # an escape sequence pasted with a message would reach terminals
                self._problem(path, item, f"{what} holds the control character {control}: remove it")
                continue
            out.append((value, item))
        return out

    def _mapping_file(self, path: str | Path, data: bytes, not_a_mapping: str) -> yaml.MappingNode | None:
        """The YAML file's top-level mapping, or None once its syntax or shape is reported."""
        parsed, problems = compose(path, data)
        self.problems.extend(problems)
        if parsed is None:
            return None
        node = parsed.root
        if not isinstance(node, yaml.MappingNode):
            self._problem(path, node, not_a_mapping)
            return None
        return node

    # -- replykit.yaml: validated by replykit.config, the one place that knows its schema

    def _config(self) -> Config | None:
        [(config_file, data)] = self.files.each("config")
        config, problems = read_config(Path(config_file), data)
        self.problems.extend(problems)
        return config

    # -- templates/<locale>/**/*.j2

    def _templates(self, known: set[str]) -> dict[str, dict[str, TemplateFile]]:
        out: dict[str, dict[str, TemplateFile]] = {}
        locale_of: dict[str, str | None] = {}
        for absolute, rel in self.files.found.get("templates", []):
            parts = rel.split("/", 2)  # "templates", locale folder, name
            if len(parts) < 3:
                self.problems.append(
                    Problem(Path(absolute), 1, 1, "template outside a locale folder: move it to templates/<locale>/")
                )
                continue
            folder = parts[1]
            if folder not in locale_of:
                locale_of[folder] = self._template_folder_locale(folder, absolute, known)
            loc = locale_of[folder]
            if loc is None:
                continue
            source, bad = decode_utf8(absolute, self.files.read(rel, absolute))
            if bad is None and source is not None:
                bad = template_nesting_problem(absolute, source)
            if bad is not None:
                self.problems.append(bad)
                continue
            name = parts[2][: -len(".j2")]
            out.setdefault(loc, {})[name] = TemplateFile(loc, name, absolute)
        return out

    def _template_folder_locale(self, folder: str, example: str, known: set[str]) -> str | None:
        try:
            loc = normalize_locale(folder)
        except LocaleError as e:
            self.problems.append(Problem(Path(example), 1, 1, f"templates/{folder}: {e}"))
            return None
        if loc not in known:
            message = f"templates/{folder}: locale '{loc}' is not declared in {CONFIG_NAME}"
            self.problems.append(Problem(Path(example), 1, 1, message))
            return None
        return loc

    # -- locales/<locale>.yaml

    def _locale_data(self, config: Config) -> dict[str, LocaleData]:
        out: dict[str, LocaleData] = {}
        known = set(config.locales) | set(config.fallbacks)
        for absolute, data in self.files.each("locales"):
            path = Path(absolute)
            parsed, problems = compose(path, data)
            self.problems.extend(problems)
            if parsed is None:
                continue
            try:
                loc = normalize_locale(path.stem)
            except LocaleError as e:
                self.problems.append(Problem(path, 1, 1, f"{path.name}: {e}"))
                continue
            if loc not in known:
                self.problems.append(Problem(path, 1, 1, f"locale '{loc}' is not declared in {CONFIG_NAME}"))
                continue
            node = parsed.root
            if node is None:
                out[loc] = LocaleData(loc, path, frozen_map())
                continue
            if not isinstance(node, yaml.MappingNode):
                self._problem(path, node, "a locale file must be a mapping of keys templates read as locale.<key>")
                continue
            values: dict[str, Any] = {}
            positions: dict[str, Position] = {}
            for key, key_node, value in mapping_items(path, node, self.problems):
                values[key] = to_python(path, value, self.problems)
                positions[key] = position(path, key_node)
            if loc in out:
                self.problems.append(Problem(path, 1, 1, f"a second file for locale '{loc}': keep one"))
                continue
            out[loc] = LocaleData(loc, path, frozen_map(values), frozen_map(positions))
        return out

    # -- kb/**/*.yaml

    def _entries(
        self, config: Config, templates: Mapping[str, Mapping[str, TemplateFile]]
    ) -> Mapping[str, Entry]:
        parsed: dict[str, Entry] = {}
        order: list[str] = []
        first_seen: dict[str, str] = {}
        source_templates = templates.get(config.source_locale, {})
        reusable = self.previous.files if self.previous is not None else {}
        for path, rel in self.files.found.get("kb", []):
            entry: Entry | None = None
            earlier = reusable.get(rel)
            if earlier is not None and earlier[0] == self.files.digests.get(rel):
                entry_id, template = earlier[1], earlier[2]  # unchanged since a clean version: valid
            else:
                entry = self._entry(path, self.files.read(rel, path), config)
                if entry is None:
                    continue
                entry_id, template = entry.id, entry.template
            if entry_id in first_seen:
                entry = entry or self._earlier(entry_id)
                other = first_seen[entry_id]
                pos = entry.position_of("id")
                message = f"duplicate id '{entry_id}', also used by {other}: rename one"
                self.problems.append(Problem(Path(path), pos.line, pos.column, message))
                continue
            if template not in source_templates:
                entry = entry or self._earlier(entry_id)
                pos = entry.position_of("template") if "template" in entry.key_positions else entry.position_of("id")
                expected = f"templates/{config.source_locale}/{template}.j2"
                self.problems.append(
                    Problem(Path(path), pos.line, pos.column, f"no template for the source locale: create {expected}")
                )
            if entry is not None:
                parsed[entry_id] = entry
            order.append(entry_id)
            first_seen[entry_id] = path
            self.sources.entry_files[entry_id] = rel
            self.sources.entry_templates[entry_id] = template
        if self.previous is None:
            return frozen_map(parsed)
        return self.previous.entries(order, parsed, self.fingerprint)

    def _earlier(self, entry_id: str) -> Entry:
        """An entry taken from the earlier version, decoded (to say where a problem is)."""
        assert self.previous is not None
        return self.previous.kb.entries[entry_id]

    def _entry(self, path: str, data: bytes, config: Config) -> Entry | None:
        node = self._mapping_file(path, data, "an entry must be a mapping with id and questions")
        if node is None:
            return None
        before = len(self.problems)
        fields: dict[str, yaml.Node] = {}
        positions: dict[str, Position] = {}
        for key, key_node, value in mapping_items(path, node, self.problems):
            if key not in ENTRY_KEYS:
                self._unknown_key(path, key_node, key, ENTRY_KEYS, "an entry")
                continue
            fields[key] = value
            positions[key] = position(path, key_node)

        entry_id = self._entry_id(path, node, fields.get("id"))
        questions = self._phrasings(path, node, fields.get("questions"), config, "questions", positions)
        examples = {}
        if "examples" in fields:
            examples = self._phrasings(path, node, fields["examples"], config, "examples", positions)
        template = entry_id or _stem(path)
        if "template" in fields:
            tnode = fields["template"]
            name = scalar_value(tnode) if isinstance(tnode, yaml.ScalarNode) else None
            if isinstance(name, str) and name.strip():
                template = name.strip()
                if template.endswith(".j2"):
                    template = template[:-3]
            else:
                self._problem(path, tnode, "template must be a template name such as track-order")
        variables = self._variables(path, fields["variables"]) if "variables" in fields else {}
        tags = tuple(text for text, _ in self._string_list(path, fields["tags"], "tags")) if "tags" in fields else ()
        ignore: frozenset[str] = frozenset()
        if "lint" in fields:
            ignore = self._lint_ignore(path, fields["lint"])
        draft = False
        if "draft" in fields:
            dnode = fields["draft"]
            flag = scalar_value(dnode) if isinstance(dnode, yaml.ScalarNode) else None
            if isinstance(flag, bool):
                draft = flag
            else:
                self._problem(path, dnode, "draft must be true or false")
        pending = "translations" in fields and self._translations_state(path, fields["translations"])
        notes = self._notes(path, fields["notes"]) if "notes" in fields else ""
        if entry_id is None or len(self.problems) > before:
            return None
        return Entry(
            id=entry_id,
            file=path,
            questions=frozen_map(questions),
            template=template,
            variables=frozen_map(variables),
            tags=tags,
            examples=frozen_map(examples),
            lint_ignore=ignore,
            draft=draft,
            key_positions=frozen_map(positions),
            translations_pending=pending,
            notes=notes,
        )

    def _entry_id(self, path: str, node: yaml.Node, id_node: yaml.Node | None) -> str | None:
        if id_node is None:
            self._problem(path, node, f"missing 'id': add id: {_stem(path)}")
            return None
        value = scalar_value(id_node) if isinstance(id_node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not ENTRY_ID.match(value):
            shown = value if isinstance(value, str) else describe(id_node)
            rule = "lower-case letters, digits, '-' or '_' ([a-z0-9][a-z0-9_-]*)"
            self._problem(path, id_node, f"id '{shown}' must be {rule}")
            return None
        if value != _stem(path):
            name = os.path.basename(path)
            self._problem(path, id_node, f"id '{value}' differs from the file name '{name}': make them equal")
            return None
        return value

    def _phrasings(
        self,
        path: Path | str,
        entry_node: yaml.Node,
        node: yaml.Node | None,
        config: Config,
        what: str,
        positions: dict[str, Position],
    ) -> dict[str, tuple[Phrasing, ...]]:
        if node is None:
            self._problem(path, entry_node, f"missing '{what}': list how customers ask, per locale")
            return {}
        if not isinstance(node, yaml.MappingNode):
            self._problem(path, node, f"{what} must map each locale to a list of phrasings, not {describe(node)}")
            return {}
        out: dict[str, tuple[Phrasing, ...]] = {}
        declared = set(config.locales) | set(config.fallbacks)
        for key, key_node, value in mapping_items(path, node, self.problems):
            loc = self._locale(path, key_node, key)
            if loc is None:
                continue
            if loc not in declared:
                self._problem(path, key_node, f"locale '{key}' is not declared in {CONFIG_NAME}: add it to locales")
                continue
            if loc in out:
                self._problem(path, key_node, f"locale '{key}' appears twice (as another spelling): merge them")
                continue
            items = self._string_list(path, value, f"{what} for {key}")
            if isinstance(value, yaml.SequenceNode) and not value.value:
                self._problem(path, value, f"{what} for {key} is empty: add phrasings or remove the locale")
                continue
            positions[f"{what}.{loc}"] = position(path, key_node)
            file = str(path)
            out[loc] = tuple(
                Phrasing(text, loc, file, item.start_mark.line + 1, item.start_mark.column + 1) for text, item in items
            )
        return out

    def _variables(self, path: Path | str, node: yaml.Node) -> dict[str, Variable]:
        if not isinstance(node, yaml.MappingNode):
            self._problem(path, node, "variables must map each name to {type: ..., required: ...}")
            return {}
        out: dict[str, Variable] = {}
        for name, key_node, spec in mapping_items(path, node, self.problems):
            if not VARIABLE_NAME.match(name):
                self._problem(path, key_node, f"variable name '{name}' must be letters, digits and _ (a Python name)")
                continue
            vtype, required, description = "string", False, ""
            if isinstance(spec, yaml.ScalarNode) and spec.value == "":
                pass
            elif not isinstance(spec, yaml.MappingNode):
                self._problem(path, spec, f"variable '{name}' must be a mapping such as {{type: date, required: true}}")
                continue
            else:
                for key, knode, value in mapping_items(path, spec, self.problems):
                    parsed = scalar_value(value) if isinstance(value, yaml.ScalarNode) else None
                    if key == "type":
                        if parsed not in VARIABLE_TYPES:
                            self._problem(
                                path, value, f"variable '{name}' has unknown type '{parsed}': use one of "
                                + ", ".join(VARIABLE_TYPES)
                            )
                        else:
                            vtype = str(parsed)
                    elif key == "required":
                        if not isinstance(parsed, bool):
                            self._problem(path, value, f"'required' of variable '{name}' must be true or false")
                        else:
                            required = parsed
                    elif key == "description":
                        description = "" if parsed is None else str(parsed)
                    else:
                        self._unknown_key(path, knode, key, VARIABLE_KEYS, f"variable '{name}'")
            out[name] = Variable(name, vtype, required, description, position(path, key_node))
        return out

    def _translations_state(self, path: Path | str, node: yaml.Node) -> bool:
        """``translations: pending``: publish in the source locale now, translations to follow."""
        value = scalar_value(node) if isinstance(node, yaml.ScalarNode) else None
        if value != "pending":
            self._problem(path, node, "translations must be 'pending' (publish now, translations to follow)")
            return False
        return True

    def _notes(self, path: Path | str, node: yaml.Node) -> str:
        value = scalar_value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str):
            self._problem(path, node, "notes must be text: a note for translators and authors")
            return ""
        return value.strip()

    def _lint_ignore(self, path: Path | str, node: yaml.Node) -> frozenset[str]:
        if not isinstance(node, yaml.MappingNode):
            self._problem(path, node, "lint must be a mapping such as {ignore: [rule-id]}")
            return frozenset()
        ignored: set[str] = set()
        for key, key_node, value in mapping_items(path, node, self.problems):
            if key != "ignore":
                self._unknown_key(path, key_node, key, ("ignore",), "an entry's lint settings")
                continue
            ignored.update(text for text, _ in self._string_list(path, value, "lint.ignore"))
        return frozenset(ignored)


#: Brackets nested inside one ``{{ }}`` or ``{% %}`` tag, and blocks (if, for, macro, ...) nested
#: in each other. Jinja's parser recurses about 13 Python frames per bracket and 5 per block:
#: both at their bound stay well inside Python's 1,000 frames. Real templates need under ten.
MAX_TEMPLATE_BRACKETS = 30
MAX_TEMPLATE_BLOCKS = 50
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_BLOCK_WORD = re.compile(r"\{%[-+]?\s*(\w+)")
_BLOCK_TAGS = frozenset({"if", "for", "macro", "call", "filter", "block", "with", "raw", "autoescape", "trans"})


def template_nesting_problem(path: str, source: str) -> Problem | None:
    """A problem when the template nests deeper than Jinja's parser can follow without RecursionError."""
    blocks = 0
    for match in _JINJA_TAG.finditer(source):
        tag = match.group()
        word = _BLOCK_WORD.match(tag)
        if word is not None:
            name = word.group(1)
            blocks = max(blocks - 1, 0) if name.startswith("end") else blocks + (name in _BLOCK_TAGS)
            if blocks > MAX_TEMPLATE_BLOCKS:
                return _nesting_at(path, source, match.start(), f"blocks nested more than {MAX_TEMPLATE_BLOCKS} deep")
        depth = 0
        for char in tag[2:-2]:  # inside the tag's own braces
            if char in "([{":
                depth += 1
                if depth > MAX_TEMPLATE_BRACKETS:
                    what = f"brackets nested more than {MAX_TEMPLATE_BRACKETS} deep"
                    return _nesting_at(path, source, match.start(), what)
            elif char in ")]}":
                depth = max(depth - 1, 0)
    return None


def _nesting_at(path: str, source: str, offset: int, what: str) -> Problem:
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return Problem(Path(path), line, column, f"{what}: split the expression or the blocks")


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]
