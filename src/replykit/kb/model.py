"""The immutable, typed knowledge base that every command shares.

Everything carries the file and line it came from, so that suggest, render and lint can point
the user at the exact place to edit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from replykit.variable_types import VARIABLE_TYPES as VARIABLE_TYPES  # re-exported: the one table of types

#: A declared type's name, one of VARIABLE_TYPES (replykit.variable_types defines each type once).
VariableType = str

#: Names every template sees without declaring them.
TEMPLATE_GLOBALS: frozenset[str] = frozenset({"locale", "order", "customer", "now"})


K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only mapping that, unlike MappingProxyType, pickles (the KB is cached on disk)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __getstate__(self) -> dict[K, V]:
        return self._data

    def __setstate__(self, state: dict[K, V]) -> None:
        self._data = state


def frozen_map(data: Mapping[Any, Any] | None = None) -> Mapping[Any, Any]:
    return FrozenMap(data)


class Position(NamedTuple):
    """Where a value stands in a file (1-based line and column).

    Records that a KB holds by the hundred thousand (positions, phrasings, template files) are
    NamedTuples with the file kept as text: the on-disk cache of a large KB loads several times
    faster than with dataclasses and Path objects.
    """

    file: str
    line: int = 1
    column: int = 1

    @property
    def path(self) -> Path:
        return Path(self.file)


class Phrasing(NamedTuple):
    """One way customers ask an entry's question, in one locale."""

    text: str
    locale: str
    file: str
    line: int
    column: int

    @property
    def position(self) -> Position:
        return Position(self.file, self.line, self.column)


@dataclass(frozen=True)
class Variable:
    """A value the reply needs, declared by the entry so it can be checked before sending."""

    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    position: Position | None = None


@dataclass(frozen=True)
class Entry:
    """One FAQ entry: how customers ask, which template answers, what the answer needs."""

    id: str
    file: str
    questions: Mapping[str, tuple[Phrasing, ...]]
    template: str
    variables: Mapping[str, Variable] = field(default_factory=frozen_map)
    tags: tuple[str, ...] = ()
    examples: Mapping[str, tuple[Phrasing, ...]] = field(default_factory=frozen_map)
    lint_ignore: frozenset[str] = frozenset()
    #: ``draft: true``: written by ``insights --draft``, not reviewed; never a confident answer.
    draft: bool = False
    #: Position of each top-level key (``id``, ``questions``, ...) and of ``questions.<locale>``.
    key_positions: Mapping[str, Position] = field(default_factory=frozen_map)

    @property
    def path(self) -> Path:
        return Path(self.file)

    def position_of(self, key: str) -> Position:
        return self.key_positions.get(key) or Position(self.file)

    def phrasings(self) -> Iterator[Phrasing]:
        for items in self.questions.values():
            yield from items

    @property
    def required_variables(self) -> tuple[str, ...]:
        return tuple(name for name, var in self.variables.items() if var.required)


class TemplateFile(NamedTuple):
    """A reply template on disk: ``templates/<locale>/<name>[.<channel>].j2``."""

    locale: str
    name: str  # path below the locale folder without ``.j2``, e.g. "track-order" or "_greeting"
    file: str

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def is_partial(self) -> bool:
        return self.name.rsplit("/", 1)[-1].startswith("_")

    @property
    def base_name(self) -> str:
        """The template name without a channel suffix: ``track-order.chat`` -> ``track-order``."""
        return self.name.split(".", 1)[0]

    @property
    def channel(self) -> str | None:
        parts = self.name.split(".", 1)
        return parts[1] if len(parts) == 2 else None


@dataclass(frozen=True)
class LocaleData:
    """``locales/<locale>.yaml``: market facts every reply in that locale can read as ``locale.<key>``."""

    locale: str
    path: Path
    data: Mapping[str, Any]
    key_positions: Mapping[str, Position] = field(default_factory=frozen_map)


@dataclass(frozen=True)
class Config:
    """``replykit.yaml``."""

    path: Path
    source_locale: str
    locales: tuple[str, ...]
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_map)
    #: ``matching:`` section, validated by replykit.matching (thresholds, weights).
    matching: Mapping[str, Any] = field(default_factory=frozen_map)
    #: ``lint:`` section, validated by replykit.lint (rule levels, limits, allow lists).
    lint: Mapping[str, Any] = field(default_factory=frozen_map)
    #: ``orders:`` section, validated by replykit.orders (order source, number pattern, field mapping).
    orders: Mapping[str, Any] = field(default_factory=frozen_map)
    #: ``usage_log:`` section, validated by replykit.usagelog (opt-in local log of questions and replies).
    usage_log: Mapping[str, Any] = field(default_factory=frozen_map)
    key_positions: Mapping[str, Position] = field(default_factory=frozen_map)

    def position_of(self, key: str) -> Position:
        return self.key_positions.get(key) or Position(str(self.path))


@dataclass(frozen=True)
class KnowledgeBase:
    """A loaded, validated KB. Immutable: share it freely between commands and threads."""

    root: Path
    config: Config
    entries: Mapping[str, Entry]
    #: locale -> template name -> file; names include partials and channel variants.
    templates: Mapping[str, Mapping[str, TemplateFile]]
    locale_data: Mapping[str, LocaleData]
    #: Hash of every file's content: keys caches (parsed KB, search index) and lint's lock file.
    fingerprint: str

    @property
    def source_locale(self) -> str:
        return self.config.source_locale

    @property
    def locales(self) -> tuple[str, ...]:
        return self.config.locales

    def entry(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def template_dirs(self, chain: tuple[str, ...]) -> list[Path]:
        """One loader folder per step of a fallback chain, so includes resolve per locale."""
        return [self.root / "templates" / loc for loc in chain if (self.root / "templates" / loc).is_dir()]

    def find_template(self, name: str, chain: tuple[str, ...]) -> TemplateFile | None:
        for loc in chain:
            found = self.templates.get(loc, {}).get(name)
            if found is not None:
                return found
        return None
