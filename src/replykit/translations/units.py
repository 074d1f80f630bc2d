"""Translation units: a KB's reply templates, questions and locale data cut into what a translator edits.

A template is cut into paragraphs (runs of text lines between blank lines and lines holding only
``{% ... %}`` tags): paragraphs are what translation memories reuse, and a line such as
``{% if eta is defined %}`` stays in the skeleton, out of the translator's way. ``{{ ... }}``
expressions, and ``{% ... %}`` tags inside a sentence, are protected placeholders: a translation
must keep the same set. The skeleton with translated paragraphs put back is the translated template.

The source-locale questions are one unit per entry: phrasings to write for the target market, one
per line, not sentences to mirror. Locale data (``locales/<locale>.yaml``) gives one unit per text
value that reads as words (not URLs, e-mail addresses, codes or time zones).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from replykit.kb.model import Entry, KnowledgeBase, TemplateFile
from replykit.lockfile import LockFile, SourceSnapshot, TemplateIndex, source_digest, templates_by_entry

#: Tags and expressions of Jinja; comments are skeleton too.
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: What a translator must keep: expressions, and block tags that sit inside a sentence.
PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
LOCALE_UNIT_PREFIX = "@locale"
QUESTIONS = "questions"

_NOT_WORDS = re.compile(
    r"^(?:https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[A-Z]{3}|[A-Za-z_]+/[A-Za-z_/+-]+|[\d\s.,:–-]*)$"
)


_ARGUMENTS = re.compile(r"\((?:[^()\"']|\"[^\"]*\"|'[^']*')*\)")


def placeholder_key(code: str) -> str:
    """What must stay equal in a translation: the expression without its arguments, spaces normalised.

    ``{{ n | plural(one="# month", other="# months") }}`` and its German ``plural(one="# Monat", ...)``
    are the same placeholder: plural forms and date styles are the translator's to choose.
    """
    if code.startswith("{{"):
        previous = None
        while previous != code:
            previous, code = code, _ARGUMENTS.sub("", code)
    return " ".join(code.split())


def placeholders(text: str) -> Counter[str]:
    """The protected placeholders of a unit text (see :func:`placeholder_key`)."""
    return Counter(placeholder_key(match.group(0)) for match in PLACEHOLDER.finditer(text))


@dataclass(frozen=True)
class TemplateShape:
    """A template cut into skeleton text and paragraph slots: ``pieces`` alternates str and slot index."""

    pieces: tuple[str | int, ...]
    paragraphs: tuple[str, ...]
    lines: tuple[int, ...]  # the line each paragraph starts on

    @property
    def skeleton(self) -> tuple[str, ...]:
        """The skeleton alone, with slots as markers: two templates with equal skeletons align."""
        return tuple(p if isinstance(p, str) else "\x00" for p in self.pieces)

    def fill(self, paragraphs: list[str]) -> str:
        return "".join(p if isinstance(p, str) else paragraphs[p] for p in self.pieces)


_LETTER = re.compile(r"[^\W\d_]")


def _structural(line: str) -> bool:
    """A line with no words outside its tags (blank, ``{% if %}``, a lone ``{{ url }}``): skeleton, not text."""
    return not _LETTER.search(TAG.sub("", line))


def cut_template(source: str) -> TemplateShape:
    """Cut a template into skeleton and paragraphs (a tag spanning lines keeps the whole text one unit)."""
    if not _LETTER.search(TAG.sub("", source)):
        return TemplateShape((source,), (), ())
    if any("\n" in m.group(0) for m in TAG.finditer(source)):
        core = source.strip()
        if not core:
            return TemplateShape((source,), (), ())
        begin = source.index(core)
        lead, tail = source[:begin], source[begin + len(core) :]
        return TemplateShape((lead, 0, tail), (core,), (lead.count("\n") + 1,))
    pieces: list[str | int] = []
    paragraphs: list[str] = []
    starts: list[int] = []
    skeleton: list[str] = []
    current: list[str] = []
    first_line = 0
    lines = source.splitlines(keepends=True)

    def flush() -> None:
        if not current:
            return
        text = "".join(current)
        core = text.strip()
        begin = text.index(core)
        skeleton.append(text[:begin])
        pieces.append("".join(skeleton))
        skeleton.clear()
        pieces.append(len(paragraphs))
        paragraphs.append(core)
        starts.append(first_line + text[:begin].count("\n"))
        skeleton.append(text[begin + len(core) :])
        current.clear()

    for number, line in enumerate(lines, start=1):
        if _structural(line):
            flush()
            skeleton.append(line)
        else:
            if not current:
                first_line = number
            current.append(line)
    flush()
    pieces.append("".join(skeleton))
    return TemplateShape(tuple(p for p in pieces if p != ""), tuple(paragraphs), tuple(starts))


@dataclass
class Unit:
    """One thing to translate, with everything a translator's tool shows next to it."""

    id: str  # msgctxt / XLIFF id: starts with the entry id
    source: str
    target: str = ""
    fuzzy: bool = False
    previous_source: str | None = None
    notes: list[str] = field(default_factory=list)
    location: tuple[str, int] | None = None  # the source file and line
    kind: str = "template"  # template, questions or locale

    @property
    def entry_id(self) -> str:
        return self.id.split("#", 1)[0]

    @property
    def needs_work(self) -> bool:
        return not self.target or self.fuzzy


@dataclass
class Catalog:
    """The units of one target locale, in KB order."""

    locale: str
    source_locale: str
    units: list[Unit]
    #: The day the newest source text changed: the file's date, so that re-exporting an unchanged KB
    #: gives the same bytes (a CI job that refreshes exported files commits only real changes).
    changed: date | None = None


@dataclass(frozen=True)
class TemplatePair:
    """A source template, its translation in the locale if any, and how their paragraphs align."""

    source: TemplateFile
    target_path: Path
    source_shape: TemplateShape
    target_shape: TemplateShape | None  # None: no translation yet
    aligned: bool  # the target's skeleton equals the source's: its paragraphs pair up by position


def unit_id(entry_id: str, template_name: str, index: int) -> str:
    return f"{entry_id}#{template_name}#{index + 1}"


def template_pairs(
    kb: KnowledgeBase, entry: Entry, locale: str, index: TemplateIndex | None = None
) -> list[TemplatePair]:
    """Each source-locale template of the entry (and its channel variants) with its translation."""
    index = index if index is not None else templates_by_entry(kb)
    out = []
    for template in index.get(kb.source_locale, {}).get(entry.template, ()):
        source_shape = cut_template(read_text(template.path))
        target_path = kb.root / "templates" / locale / f"{template.name}.j2"
        existing = kb.templates.get(locale, {}).get(template.name)
        target_shape = cut_template(read_text(existing.path)) if existing else None
        aligned = target_shape is not None and target_shape.skeleton == source_shape.skeleton
        out.append(
            TemplatePair(template, existing.path if existing else target_path, source_shape, target_shape, aligned)
        )
    return out


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")


def _variable_notes(kb: KnowledgeBase, entry: Entry, text: str) -> list[str]:
    from replykit.values import sample_value

    notes = []
    used = " ".join(placeholders(text))
    for name, variable in entry.variables.items():
        if re.search(rf"\b{re.escape(name)}\b", used):
            try:
                example: Any = sample_value(variable.type)
            except ValueError:
                example = None
            shown = f", e.g. {example}" if example is not None else ""
            required = ", required" if variable.required else ""
            about = f": {variable.description}" if variable.description else ""
            notes.append(f"{{{{ {name} }}}} is {variable.type}{required}{shown}{about}")
    source_data = kb.locale_data.get(kb.source_locale)
    for key in sorted(set(re.findall(r"\blocale\.(\w+)", used))):
        if source_data is not None and key in source_data.data:
            notes.append(
                f"{{{{ locale.{key} }}}} is this locale's {key} (in {kb.source_locale}: {source_data.data[key]})"
            )
    return notes


def entry_units(
    kb: KnowledgeBase, entry: Entry, locale: str, lock: LockFile, index: TemplateIndex | None = None
) -> Iterator[Unit]:
    """The units of one entry in ``locale``: each template paragraph, then the questions."""
    review = lock.review(entry.id, locale)
    index = index if index is not None else templates_by_entry(kb)
    stale = review is not None and review.digest != source_digest(kb, entry, index)
    previous: SourceSnapshot | None = lock.sources.get(review.digest) if stale and review else None
    common = [f"entry: {entry.id}"] + ([f"note: {entry.notes}"] if entry.notes else [])
    for pair in template_pairs(kb, entry, locale, index):
        old_shape = None
        if previous is not None and pair.source.name in previous.templates:
            old_shape = cut_template(previous.templates[pair.source.name])
            if old_shape.skeleton != pair.source_shape.skeleton:
                old_shape = None
        for i, text in enumerate(pair.source_shape.paragraphs):
            target = pair.target_shape.paragraphs[i] if pair.aligned and pair.target_shape else ""
            notes = [*common, f"template {pair.source.name}, paragraph {i + 1} of {len(pair.source_shape.paragraphs)}"]
            if pair.target_shape is not None and not pair.aligned:
                notes.append(
                    f"the {locale} template's layout differs from the {kb.source_locale} one: translate every"
                    " paragraph of it to replace it"
                )
            notes.extend(_variable_notes(kb, entry, text))
            unit = Unit(
                unit_id(entry.id, pair.source.name, i),
                text,
                target,
                notes=notes,
                location=(pair.source.file, pair.source_shape.lines[i]),
            )
            if stale and target:
                old_text = old_shape.paragraphs[i] if old_shape is not None else None
                if old_text != text:
                    unit.fuzzy = True
                    unit.previous_source = old_text
            yield unit
    questions = [p.text for p in entry.questions.get(kb.source_locale, ())]
    if questions:
        mine = [p.text for p in entry.questions.get(locale, ())]
        notes = [
            *common,
            f"questions: write how customers in {locale} ask this, one phrasing a line, as many as you like;"
            " natural phrasings for the market, not a line-by-line translation",
        ]
        position = entry.position_of(f"questions.{kb.source_locale}")
        unit = Unit(
            f"{entry.id}#{QUESTIONS}",
            "\n".join(questions),
            "\n".join(mine),
            notes=notes,
            location=(entry.file, position.line),
            kind="questions",
        )
        if stale and mine and previous is not None and tuple(previous.questions) != tuple(questions):
            unit.fuzzy = True
            unit.previous_source = "\n".join(previous.questions)
        yield unit


def translatable_locale_keys(kb: KnowledgeBase) -> list[str]:
    """Keys of the source locale file whose values are words (not URLs, codes, numbers, zones)."""
    data = kb.locale_data.get(kb.source_locale)
    if data is None:
        return []
    return [
        key
        for key, value in data.data.items()
        if isinstance(value, str) and value.strip() and not _NOT_WORDS.match(value.strip())
    ]


def locale_units(kb: KnowledgeBase, locale: str) -> Iterator[Unit]:
    source = kb.locale_data.get(kb.source_locale)
    if source is None:
        return
    mine = kb.locale_data.get(locale)
    for key in translatable_locale_keys(kb):
        value = mine.data.get(key) if mine is not None else None
        position = source.key_positions.get(key)
        yield Unit(
            f"{LOCALE_UNIT_PREFIX}#{key}",
            str(source.data[key]),
            value if isinstance(value, str) else "",
            notes=[f"locale data: templates print it as {{{{ locale.{key} }}}}"],
            location=(str(kb.root / "locales" / f"{kb.source_locale}.yaml"), position.line if position else 1),
            kind="locale",
        )


def build_catalog(kb: KnowledgeBase, locale: str, lock: LockFile, *, everything: bool = False) -> Catalog:
    """The units of ``locale``: by default only those that need work (missing or stale)."""
    from replykit.translations.dates import SourceDates, source_changed_on

    units: list[Unit] = []
    index = templates_by_entry(kb)
    for entry in kb.entries.values():
        units.extend(entry_units(kb, entry, locale, lock, index))
    units.extend(locale_units(kb, locale))
    if not everything:
        units = [u for u in units if u.needs_work]
    dates = SourceDates(kb.root)
    days = [source_changed_on(kb, kb.entries[e], index, dates) for e in {u.entry_id for u in units} if e in kb.entries]
    return Catalog(locale, kb.source_locale, units, max(days) if days else None)
