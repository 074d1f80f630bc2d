"""What rules share: the KB, fallback chains and each template parsed once into facts.

Parsing 25,000 templates is most of lint's work, so every rule reads the same cached
:class:`TemplateInfo` instead of parsing again.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, TemplateSyntaxError, meta, nodes

from replykit.errors import Problem
from replykit.kb.model import TEMPLATE_GLOBALS, Entry, KnowledgeBase, Position, TemplateFile
from replykit.l10n import fallback_chain
from replykit.lint.skeleton import Skeleton, skeleton
from replykit.lockfile import LockFile, TemplateIndex, read_lock, templates_by_entry
from replykit.rendering import build_environment

if TYPE_CHECKING:
    from replykit.lint.sample import SampleRender, SampleRenderer
    from replykit.matching import Matcher

#: The moment sample renders pretend it is, so that lint output never depends on the clock.
SAMPLE_NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)

#: Names a template may read that are never entry variables: loop helpers and macro internals.
JINJA_IMPLICIT = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super"})


@dataclass(frozen=True)
class NameUse:
    """A read of a context variable, with the attribute path read from it (``order.total``)."""

    name: str
    path: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class TemplateRef:
    """An include, import or extends of another template by a constant name."""

    kind: str
    name: str
    line: int
    ignore_missing: bool
    with_context: bool


@dataclass
class TemplateFacts:
    """What a template's syntax tree says; shared by every template with the same skeleton."""

    syntax_error: TemplateSyntaxError | None = None
    #: Context variables the template reads (not set inside it), first line of use.
    free: dict[str, int] = field(default_factory=dict)
    uses: list[NameUse] = field(default_factory=list)
    refs: list[TemplateRef] = field(default_factory=list)
    #: Text nodes of the tree, used for templates that have no skeleton.
    data: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class TemplateInfo:
    """Facts about one template file."""

    file: TemplateFile
    source: str
    facts: TemplateFacts
    #: Literal text between tags, with the line it starts on.
    literals: list[tuple[str, int]]
    skeleton: Skeleton | None = None

    @property
    def syntax_error(self) -> TemplateSyntaxError | None:
        return self.facts.syntax_error

    @property
    def free(self) -> dict[str, int]:
        return self.facts.free

    @property
    def uses(self) -> list[NameUse]:
        return self.facts.uses

    @property
    def refs(self) -> list[TemplateRef]:
        return self.facts.refs

    @cached_property
    def masked(self) -> MaskedText:
        return MaskedText(self.source)


@dataclass(frozen=True)
class Reached:
    """A variable a template needs, possibly through an included template."""

    name: str
    line: int  # in the template asked about (the include's line when reached through one)
    via: TemplateFile | None  # the included template that reads it, if not the template itself
    via_line: int


class LintContext:
    """The KB plus lazily computed, cached analyses shared by every rule of one lint run."""

    def __init__(
        self, kb: KnowledgeBase, problems: Sequence[Problem] = (), environment: Environment | None = None
    ) -> None:
        self.kb = kb
        #: What the loader reported; the kb-format rule turns them into findings.
        self.problems = tuple(problems)
        self._environment = environment
        self._infos: dict[tuple[str, str], TemplateInfo] = {}
        self._facts: dict[str, TemplateFacts] = {}
        self._environments: dict[str, Environment] = {}
        self._chains: dict[str, tuple[str, ...]] = {}
        self._reach: dict[tuple[str, str, str], dict[str, Reached]] = {}

    # ---- the KB's shape

    @property
    def source_locale(self) -> str:
        return self.kb.source_locale

    @property
    def translation_locales(self) -> tuple[str, ...]:
        """Declared locales other than the source: the ones translators deliver."""
        return tuple(loc for loc in self.kb.locales if loc != self.kb.source_locale)

    @cached_property
    def environment(self) -> Environment:
        """The environment used to parse templates; the renderer's own when it is given."""
        if self._environment is not None:
            return self._environment
        return self.render_environment(self.source_locale)

    def render_environment(self, locale: str) -> Environment:
        """The renderer's own sandbox for replies in ``locale``, at a fixed moment in UTC."""
        if locale not in self._environments:
            self._environments[locale] = build_environment(
                self.kb, self.chain(locale), tz="UTC", now=SAMPLE_NOW, locale=locale
            )
        return self._environments[locale]

    def chain(self, locale: str) -> tuple[str, ...]:
        """Where a template in ``locale`` looks up the templates it includes."""
        if locale not in self._chains:
            config = self.kb.config
            available = set(config.locales) | set(config.fallbacks) | set(self.kb.templates)
            self._chains[locale] = fallback_chain(
                locale, source_locale=config.source_locale, fallbacks=config.fallbacks, available=available
            )
        return self._chains[locale]

    @cached_property
    def _templates_by_base(self) -> TemplateIndex:
        return templates_by_entry(self.kb)

    def entry_templates(self, entry: Entry, locale: str) -> list[TemplateFile]:
        """The entry's templates written in exactly ``locale``: the reply and its channel variants."""
        return list(self._templates_by_base.get(locale, {}).get(entry.template, ()))

    @cached_property
    def _owners(self) -> dict[str, tuple[str, ...]]:
        owners: dict[str, list[str]] = {}
        for entry in self.kb.entries.values():
            owners.setdefault(entry.template, []).append(entry.id)
        return {name: tuple(ids) for name, ids in owners.items()}

    def owners(self, template: TemplateFile) -> tuple[str, ...]:
        """Ids of the entries a template answers (empty for partials)."""
        return self._owners.get(template.base_name, ())

    def templates(self) -> Iterator[TemplateFile]:
        for locale in sorted(self.kb.templates):
            names = self.kb.templates[locale]
            for name in sorted(names):
                yield names[name]

    def translated_templates(self, *, partials: bool = True) -> Iterator[tuple[TemplateFile, TemplateFile]]:
        """Each translation beside the source-locale template of the same name (the one it was made from)."""
        source = self.source_locale
        originals = self.kb.templates.get(source, {})
        for template in self.templates():
            if template.locale == source or (template.is_partial and not partials):
                continue
            original = originals.get(template.name)
            if original is not None:
                yield template, original

    @cached_property
    def lock(self) -> LockFile:
        return read_lock(self.kb)

    @cached_property
    def matcher(self) -> Matcher:
        """suggest's matcher over this KB, built (or read from the cache) on first use only."""
        from replykit.matching import Matcher

        return Matcher.for_kb(self.kb)

    # ---- templates

    @cached_property
    def sampler(self) -> SampleRenderer:
        from replykit.lint.sample import SampleRenderer

        return SampleRenderer(self)

    def sample_render(self, template: TemplateFile) -> SampleRender | None:
        """The template rendered with sample values of its entry's variables (None for partials)."""
        owners = self.owners(template)
        if not owners or template.is_partial:
            return None
        return self.sampler.render(template, self.kb.entries[owners[0]])

    def bare_render(self, template: TemplateFile) -> SampleRender | None:
        """The template rendered with no values, as ``render --allow-missing`` does (None for partials)."""
        owners = self.owners(template)
        if not owners or template.is_partial:
            return None
        return self.sampler.render_without_values(template, self.kb.entries[owners[0]])

    def info(self, template: TemplateFile) -> TemplateInfo:
        key = (template.locale, template.name)
        found = self._infos.get(key)
        if found is None:
            found = self._analyse(template)
            self._infos[key] = found
        return found

    def _analyse(self, template: TemplateFile) -> TemplateInfo:
        source = template.path.read_text(encoding="utf-8-sig")
        shape = skeleton(source)
        parsed = shape.source if shape is not None else source
        facts = self._facts.get(parsed) if shape is not None else None
        if facts is None:
            facts = self._parse(parsed, template)
            if shape is not None:
                self._facts[parsed] = facts
        if shape is not None:
            return TemplateInfo(template, source, facts, list(shape.literals), shape)
        return TemplateInfo(template, source, facts, list(facts.data))

    def _parse(self, source: str, template: TemplateFile) -> TemplateFacts:
        facts = TemplateFacts()
        # Globals other than the documented ones (range, dict, ...) are Jinja's, never variables.
        implicit = (set(self.environment.globals) - TEMPLATE_GLOBALS) | JINJA_IMPLICIT
        try:
            ast = self.environment.parse(source, name=template.name, filename=template.file)
            _collect(ast, facts, implicit)
        except TemplateSyntaxError as e:  # also an unknown filter, found while collecting names
            return TemplateFacts(syntax_error=e)
        return facts

    def resolve(self, name: str, locale: str) -> TemplateFile | None:
        """The template an include of ``name`` in a ``locale`` template loads, if any."""
        stem = name[:-3] if name.endswith(".j2") else name
        return self.kb.find_template(stem, self.chain(locale))

    def reached(self, template: TemplateFile, locale: str | None = None) -> dict[str, Reached]:
        """Context variables a template needs, following includes/extends in ``locale``'s chain."""
        chain_locale = locale or template.locale
        key = (chain_locale, template.locale, template.name)
        if key not in self._reach:
            self._reach[key] = self._follow(template, chain_locale, set())
        return self._reach[key]

    def _follow(self, template: TemplateFile, locale: str, seen: set[tuple[str, str]]) -> dict[str, Reached]:
        seen.add((template.locale, template.name))
        info = self.info(template)
        out = {name: Reached(name, line, None, line) for name, line in info.free.items()}
        for ref in info.refs:
            if not ref.with_context:
                continue
            target = self.resolve(ref.name, locale)
            if target is None or (target.locale, target.name) in seen:
                continue
            for name, inner in self._follow(target, locale, seen).items():
                if name not in out:
                    via = inner.via or target
                    out[name] = Reached(name, ref.line, via, inner.via_line)
        return out


def _attribute_path(node: nodes.Node) -> tuple[str, ...] | None:
    """``order.customer.name`` -> ("order", "customer", "name"); None when not a plain chain."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            parts.append(node.name)
            return tuple(reversed(parts))
        else:
            return None


def _stored_names(ast: nodes.Template) -> set[str]:
    """Names the template binds itself: loop targets, set, macro arguments, imports."""
    stored = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for macro in ast.find_all((nodes.Macro,)):
        assert isinstance(macro, nodes.Macro)
        stored.add(macro.name)
    for imp in ast.find_all((nodes.Import,)):
        assert isinstance(imp, nodes.Import)
        stored.add(imp.target)
    for from_imp in ast.find_all((nodes.FromImport,)):
        assert isinstance(from_imp, nodes.FromImport)
        for item in from_imp.names:
            stored.add(item[1] if isinstance(item, tuple) else item)
    return stored


def _collect(ast: nodes.Template, info: TemplateFacts, implicit: set[str]) -> None:
    # Jinja's own scope analysis plus our walk: a name read before a {% set %} is still free.
    stored = _stored_names(ast)
    undeclared = meta.find_undeclared_variables(ast)
    all_nodes = list(_walk(ast))
    for node in all_nodes:
        if isinstance(node, nodes.Name) and node.ctx == "load":
            name = node.name
            if name in implicit or (name in stored and name not in undeclared):
                continue
            info.free.setdefault(name, node.lineno)
    for node in all_nodes:
        if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
            path = _attribute_path(node)
            if path is not None and path[0] in info.free:
                info.uses.append(NameUse(path[0], path, node.lineno))
        elif isinstance(node, nodes.TemplateData):
            info.data.append((node.data, node.lineno))
        elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            _add_ref(info, node)


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    """Every node, outer first, so an attribute chain is seen before the name inside it."""
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _add_ref(info: TemplateFacts, node: nodes.Node) -> None:
    template = getattr(node, "template", None)
    names: list[Any] = []
    if isinstance(template, nodes.Const):
        names = [template.value]
    elif isinstance(template, nodes.List | nodes.Tuple):
        names = [item.value for item in template.items if isinstance(item, nodes.Const)]
    kind = type(node).__name__.lower()
    ignore_missing = bool(getattr(node, "ignore_missing", False))
    with_context = kind == "extends" or bool(getattr(node, "with_context", False))
    if isinstance(node, nodes.Include) and len(names) > 1:
        ignore_missing = True  # a list means "the first that exists"
    for name in names:
        if isinstance(name, str):
            info.refs.append(TemplateRef(kind, name, node.lineno, ignore_missing, with_context))


# ---- text helpers shared by the text rules ---------------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: What masked text shows in place of an output tag, and of a statement or comment tag.
OUTPUT_MARK = "\ufffc"
BLOCK_MARK = "\ufffd"


class MaskedText:
    """A template's text with every Jinja tag replaced by one mark character, newlines kept.

    Text rules look at what the reader will see: an output tag stands for one unknown character.
    Offsets in the masked text map back to the template's own lines and columns.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._ends: list[int] = []  # masked offset just after each replaced tag
        self._shifts: list[int] = []  # characters removed up to and including that tag
        pieces: list[str] = []
        last = 0
        masked_len = 0
        removed = 0
        for match in _TAG.finditer(source):
            tag = match.group(0)
            pieces.append(source[last : match.start()])
            masked_len += match.start() - last
            newlines = tag.count("\n")
            replacement = (OUTPUT_MARK if tag.startswith("{{") else BLOCK_MARK) + "\n" * newlines
            pieces.append(replacement)
            masked_len += len(replacement)
            removed += len(tag) - len(replacement)
            self._ends.append(masked_len)
            self._shifts.append(removed)
            last = match.end()
        pieces.append(source[last:])
        self.text = "".join(pieces)

    def lines(self) -> Iterator[tuple[int, int, str]]:
        """(line number, masked offset of the line start, masked line) for every line."""
        offset = 0
        for number, line in enumerate(self.text.split("\n"), start=1):
            yield number, offset, line
            offset += len(line) + 1

    def position(self, file: str, offset: int) -> Position:
        """The file position of a masked offset."""
        index = bisect.bisect_right(self._ends, offset)
        raw = offset + (self._shifts[index - 1] if index else 0)
        line = self.source.count("\n", 0, raw) + 1
        column = raw - self.source.rfind("\n", 0, raw)
        return Position(file, line, column)


def literal_positions(info: TemplateInfo, pattern: re.Pattern[str]) -> Iterator[tuple[str, Position]]:
    """Matches of ``pattern`` in the template's literal text, each with its line and column."""
    source_lines = info.source.split("\n")
    for text, start_line in info.literals:
        for match in pattern.finditer(text):
            before = text[: match.start()]
            line = start_line + before.count("\n")
            column = 0
            if "\n" in before:
                column = len(before) - before.rfind("\n")
            elif 0 < line <= len(source_lines):
                column = source_lines[line - 1].find(match.group(0)) + 1
            yield match.group(0), Position(info.file.file, line, max(column, 1))
