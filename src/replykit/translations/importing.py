"""``replykit translations import``: check every unit of every file, then write all of it or nothing.

The order matters: files are read and every translated unit is checked (its unit exists, its
source is today's source, its placeholders are the source's) before anything is built; the new
templates, questions and locale values are then written into a staged copy of the KB and linted
with the translation rules, and only when that copy is clean are the real files replaced, under
the same folder lock as ``mark-reviewed``. A fuzzy or empty unit changes nothing; a unit whose
translation equals what is there changes nothing, so importing an unedited export changes no byte.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from replykit.errors import UserError, display_path
from replykit.kb.model import Entry, KnowledgeBase
from replykit.l10n import normalize_locale
from replykit.lockfile import (
    LockFile,
    TemplateIndex,
    folder_lock,
    read_lock,
    source_digest,
    source_snapshot,
    stale_translations,
    templates_by_entry,
    today,
    update_lock,
)
from replykit.translations.formats import FileUnit, TranslationFile, TranslationFileError, read_translation_file
from replykit.translations.units import (
    LOCALE_UNIT_PREFIX,
    QUESTIONS,
    TemplatePair,
    cut_template,
    placeholders,
    read_text,
    template_pairs,
    translatable_locale_keys,
)

#: Lint rules that judge a translation's text; an import may not add findings of these.
TRANSLATION_RULES = (
    "kb-format",
    "template-syntax",
    "template-missing-ref",
    "undeclared-variable",
    "placeholder-mismatch",
    "number-mismatch",
    "url-mismatch",
    "email-mismatch",
    "punctuation",
    "locale-data",
)


class ImportRefused(UserError):
    """An import that would write a broken or wrong translation: nothing was written."""


@dataclass
class ImportReport:
    """What an import wrote (KB-relative paths), what it recorded and what it left alone."""

    written: list[str] = field(default_factory=list)
    reviewed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0  # fuzzy or empty units
    incomplete: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """New file contents by path, and where each translated unit came from (for error messages)."""

    files: dict[Path, str] = field(default_factory=dict)
    origins: dict[tuple[Path, int], str] = field(default_factory=dict)  # (file, paragraph line) -> "file:line unit"
    file_origin: dict[Path, str] = field(default_factory=dict)
    touched: set[tuple[str, str]] = field(default_factory=set)  # (entry, locale) with a confirmed unit
    index: TemplateIndex = field(default_factory=dict)  # the KB's templates by entry, built once


def import_files(kb: KnowledgeBase, paths: Sequence[Path]) -> ImportReport:
    """Import translator files into the KB: all checked first, then written atomically (or nothing)."""
    files = [read_translation_file(p) for p in paths]
    report = ImportReport()
    plan = _Plan(index=templates_by_entry(kb))
    lock = read_lock(kb)
    stale = stale_translations(kb, lock)
    seen: dict[tuple[str, str], str] = {}
    for file in files:
        locale = _check_locale(kb, file)
        for unit in file.units:
            where = f"{file.path}:{unit.line}: unit {unit.id!r}"
            if (locale, unit.id) in seen:
                raise ImportRefused(f"{where}: also in {seen[(locale, unit.id)]}: import each unit once")
            seen[(locale, unit.id)] = f"{file.path}:{unit.line}"
        _plan_file(kb, file, locale, plan, report, stale)
    if plan.files:
        _lint_staged(kb, plan)
    with folder_lock(kb.root):
        _commit(plan.files)
        reviewed = _reviews(kb, plan, lock)

        def record(current: LockFile) -> None:
            day = today()
            index = templates_by_entry(kb)
            for entry_id, locale in reviewed:
                entry = kb.entries[entry_id]
                current.record(
                    entry_id, locale, source_digest(kb, entry, index), source_snapshot(kb, entry, index), day
                )

        if reviewed:
            update_lock(kb, record, locked=True)
    report.written = sorted(display_path(p, kb.root) for p in plan.files)
    report.reviewed = reviewed
    return report


def _check_locale(kb: KnowledgeBase, file: TranslationFile) -> str:
    try:
        locale = normalize_locale(file.locale)
    except UserError:
        locale = file.locale
    allowed = [loc for loc in kb.locales if loc != kb.source_locale]
    if locale not in allowed and locale.split("_")[0] in allowed:
        locale = locale.split("_")[0]  # a tool's de-DE for the KB's de
    if locale not in allowed:
        raise ImportRefused(
            f"{file.path}:1: the file is for locale {file.locale or '(none)'!r}, which is not a translation locale"
            f" of this KB ({', '.join(allowed)}): check the file's language"
        )
    if file.source_locale and normalize_locale(file.source_locale) != kb.source_locale:
        raise ImportRefused(
            f"{file.path}:1: the file translates from {file.source_locale}, this KB's source locale is"
            f" {kb.source_locale}"
        )
    return locale


def _plan_file(
    kb: KnowledgeBase,
    file: TranslationFile,
    locale: str,
    plan: _Plan,
    report: ImportReport,
    stale: Mapping[tuple[str, str], str],
) -> None:
    by_entry: dict[str, list[FileUnit]] = {}
    locale_units: list[FileUnit] = []
    for unit in file.units:
        owner = unit.id.partition("#")[0]
        if owner == LOCALE_UNIT_PREFIX:
            locale_units.append(unit)
        elif owner in kb.entries:
            by_entry.setdefault(owner, []).append(unit)
        else:
            raise ImportRefused(
                f"{file.path}:{unit.line}: unit {unit.id!r}: no entry {owner!r} in this KB (renamed or deleted?):"
                " export again"
            )
    for entry_id, units in by_entry.items():
        _plan_entry(kb, kb.entries[entry_id], locale, file.path, units, plan, report, stale)
    if locale_units:
        _plan_locale_data(kb, locale, file.path, locale_units, plan, report)


def _confirmed(unit: FileUnit, report: ImportReport) -> bool:
    """A unit the translator finished: not fuzzy, not empty."""
    if unit.fuzzy or not unit.target.strip():
        report.skipped += 1
        return False
    return True


def _plan_entry(
    kb: KnowledgeBase,
    entry: Entry,
    locale: str,
    path: Path,
    units: list[FileUnit],
    plan: _Plan,
    report: ImportReport,
    stale: Mapping[tuple[str, str], str],
) -> None:
    pairs = {pair.source.name: pair for pair in template_pairs(kb, entry, locale, plan.index)}
    by_template: dict[str, dict[int, FileUnit]] = {}
    for unit in units:
        where = f"{path}:{unit.line}: unit {unit.id!r}"
        _, _, rest = unit.id.partition("#")
        if rest == QUESTIONS:
            _plan_questions(kb, entry, locale, path, unit, plan, report, stale)
            continue
        name, _, number = rest.rpartition("#")
        pair = pairs.get(name)
        if pair is None or not number.isdigit() or not 1 <= int(number) <= len(pair.source_shape.paragraphs):
            raise ImportRefused(
                f"{where}: '{entry.id}' has no such template paragraph (the source changed?): export again"
            )
        index = int(number) - 1
        source = pair.source_shape.paragraphs[index]
        if unit.source != source:
            raise ImportRefused(
                f"{where}: the {kb.source_locale} source of this unit changed since the export: export again and"
                " carry the translation over (msgmerge or your tool's update)"
            )
        if not _confirmed(unit, report):
            continue
        current = pair.target_shape.paragraphs[index] if pair.aligned and pair.target_shape else None
        if unit.target == current:  # what the KB has: nothing to check or write
            by_template.setdefault(name, {})[index] = unit
            continue
        want, got = placeholders(source), placeholders(unit.target)
        if want != got:
            lost = ", ".join(sorted((want - got).elements()))
            extra = ", ".join(sorted((got - want).elements()))
            parts = (f"missing {lost}" if lost else "", f"not in the source {extra}" if extra else "")
            what = "; ".join(x for x in parts if x)
            raise ImportRefused(
                f"{where}: the placeholders differ from the source ({what}): keep each {{{{ ... }}}} and"
                " {% ... %} of the source exactly once"
            )
        by_template.setdefault(name, {})[index] = unit
    for name, chosen in by_template.items():
        _plan_template(kb, entry, locale, pairs[name], chosen, path, plan, report, stale)


def _plan_template(
    kb: KnowledgeBase,
    entry: Entry,
    locale: str,
    pair: TemplatePair,
    chosen: dict[int, FileUnit],
    path: Path,
    plan: _Plan,
    report: ImportReport,
    stale: Mapping[tuple[str, str], str],
) -> None:
    count = len(pair.source_shape.paragraphs)
    current = list(pair.target_shape.paragraphs) if pair.aligned and pair.target_shape else [None] * count
    paragraphs: list[str | None] = list(current)
    for index, unit in chosen.items():
        paragraphs[index] = unit.target
    target_rel = display_path(pair.target_path, kb.root)
    _check_syntax(kb, pair, paragraphs, chosen, path)
    if any(p is None for p in paragraphs):
        todo = sum(p is None for p in paragraphs)
        report.incomplete.append(f"{target_rel}: {todo} of {count} paragraphs untranslated, not written")
        return
    shape = pair.target_shape if pair.aligned and pair.target_shape else pair.source_shape
    text = shape.fill([p for p in paragraphs if p is not None])
    confirmed_change = any(current[i] != u.target for i, u in chosen.items())
    if confirmed_change or (entry.id, locale) in stale:
        plan.touched.add((entry.id, locale))
    old = read_text(pair.target_path) if pair.target_path.is_file() else None
    if old == text:
        report.unchanged += len(chosen)
        return
    plan.files[pair.target_path] = text
    new_shape = cut_template(text)
    for index, unit in chosen.items():
        plan.origins[(pair.target_path, new_shape.lines[index])] = f"{path}:{unit.line}: unit {unit.id!r}"
    plan.file_origin[pair.target_path] = f"{path}: units of {entry.id!r}"


def _check_syntax(
    kb: KnowledgeBase, pair: TemplatePair, paragraphs: list[str | None], chosen: dict[int, FileUnit], path: Path
) -> None:
    """Jinja must parse the template with the new paragraphs (untranslated ones as in the source)."""
    from jinja2 import TemplateSyntaxError

    from replykit.rendering import build_environment

    filled = [p if p is not None else pair.source_shape.paragraphs[i] for i, p in enumerate(paragraphs)]
    shape = pair.target_shape if pair.aligned and pair.target_shape else pair.source_shape
    text = shape.fill(filled)
    try:
        build_environment(kb, (kb.source_locale,)).parse(text)
    except TemplateSyntaxError as e:
        lines = cut_template(text).lines
        index = max((i for i, start in enumerate(lines) if start <= (e.lineno or 1)), default=0)
        unit = chosen.get(index) or next(iter(chosen.values()))
        raise ImportRefused(
            f"{path}:{unit.line}: unit {unit.id!r}: the template would not parse ({e.message}): keep the"
            " {% ... %} tags in an order that opens before it closes"
        ) from e


def _plan_questions(
    kb: KnowledgeBase,
    entry: Entry,
    locale: str,
    path: Path,
    unit: FileUnit,
    plan: _Plan,
    report: ImportReport,
    stale: Mapping[tuple[str, str], str],
) -> None:
    where = f"{path}:{unit.line}: unit {unit.id!r}"
    source = "\n".join(p.text for p in entry.questions.get(kb.source_locale, ()))
    if unit.source != source:
        raise ImportRefused(f"{where}: the {kb.source_locale} questions changed since the export: export again")
    if not _confirmed(unit, report):
        return
    phrasings = [line.strip() for line in unit.target.splitlines() if line.strip()]
    current = [p.text for p in entry.questions.get(locale, ())]
    if phrasings != current or (entry.id, locale) in stale:
        plan.touched.add((entry.id, locale))
    if phrasings == current:
        report.unchanged += 1
        return
    file = entry.path
    text = plan.files.get(file) or read_text(file)
    plan.files[file] = set_questions(text, file, kb.source_locale, locale, phrasings)
    plan.file_origin[file] = where


def _plan_locale_data(
    kb: KnowledgeBase, locale: str, path: Path, units: list[FileUnit], plan: _Plan, report: ImportReport
) -> None:
    keys = set(translatable_locale_keys(kb))
    source = kb.locale_data[kb.source_locale].data if kb.source_locale in kb.locale_data else {}
    mine = kb.locale_data.get(locale)
    file = mine.path if mine is not None else kb.root / "locales" / f"{locale}.yaml"
    text = plan.files.get(file) or (read_text(file) if file.is_file() else "")
    before = text
    for unit in units:
        key = unit.id.partition("#")[2]
        where = f"{path}:{unit.line}: unit {unit.id!r}"
        if key not in keys:
            raise ImportRefused(
                f"{where}: no translatable key {key!r} in locales/{kb.source_locale}.yaml: export again"
            )
        if unit.source != str(source[key]):
            raise ImportRefused(f"{where}: the {kb.source_locale} value changed since the export: export again")
        if not _confirmed(unit, report):
            continue
        current = mine.data.get(key) if mine is not None else None
        if current == unit.target:
            report.unchanged += 1
            continue
        text = set_scalar(text, file, key, unit.target)
    if text != before:
        plan.files[file] = text
        plan.file_origin[file] = f"{path}: locale units"


# ---- YAML edits that keep the rest of the file byte for byte --------------------------------------


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def set_questions(text: str, file: Path, source_locale: str, locale: str, phrasings: list[str]) -> str:
    """``text`` with ``questions.<locale>`` set to ``phrasings`` (block list, like its neighbours)."""
    root = yaml.compose(text)
    questions = _child(root, "questions") if isinstance(root, yaml.MappingNode) else None
    if not isinstance(questions, yaml.MappingNode) or questions.flow_style:
        raise ImportRefused(
            f"{file}: 'questions' is not a block mapping: write it as 'questions:' with one locale a line"
        )
    pairs = questions.value
    for key, value in pairs:
        if key.value == locale:
            start = _line_start(text, key.start_mark.index)
            end = _line_end(text, _last_index(value))
            indent = key.start_mark.column
            return text[:start] + _render_list(locale, phrasings, indent, value) + text[end:]
    key, value = pairs[-1]
    end = _line_end(text, _last_index(value))
    prefix = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
    return prefix + _render_list(locale, phrasings, key.start_mark.column, value) + text[end:]


def _child(node: yaml.Node, name: str) -> yaml.Node | None:
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return value  # type: ignore[no-any-return]
    return None


def _last_index(node: yaml.Node) -> int:
    """Where the node's text really ends (a block list's own end mark lies on the next key's line)."""
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _last_index(node.value[-1])
    return int(node.end_mark.index) - 1 if node.end_mark.index > node.start_mark.index else int(node.start_mark.index)


def _render_list(locale: str, phrasings: list[str], indent: int, like: yaml.Node) -> str:
    pad = " " * indent
    if isinstance(like, yaml.SequenceNode) and like.flow_style:
        return f"{pad}{locale}: [{', '.join(_quoted(p) for p in phrasings)}]\n"
    item_pad = (
        " " * (like.value[0].start_mark.column - 2)
        if isinstance(like, yaml.SequenceNode) and like.value
        else pad + "  "
    )
    return f"{pad}{locale}:\n" + "".join(f"{item_pad}- {_quoted(p)}\n" for p in phrasings)


def set_scalar(text: str, file: Path, key: str, value: str) -> str:
    """``text`` (a flat YAML mapping) with ``key`` set to ``value``; appended when absent."""
    root = yaml.compose(text) if text.strip() else None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise ImportRefused(f"{file}: not a mapping of keys to values: fix the file first")
    if root is not None:
        for knode, vnode in root.value:
            if knode.value == key:
                if not isinstance(vnode, yaml.ScalarNode):
                    raise ImportRefused(f"{file}:{knode.start_mark.line + 1}: {key} is not a single value")
                return text[: vnode.start_mark.index] + _quoted(value) + text[vnode.end_mark.index :]
    prefix = text if not text or text.endswith("\n") else text + "\n"
    return prefix + f"{key}: {_quoted(value)}\n"


# ---- staged lint, commit, reviews -----------------------------------------------------------------


def _lint_staged(kb: KnowledgeBase, plan: _Plan) -> None:
    """Lint the touched part of the KB, before and with the new files; refuse new translation findings.

    Only the entries the import touches are copied (with every locale's templates of theirs, the
    partials, the locale files and replykit.yaml), so a 5,000-entry KB is not linted twice whole.
    """
    from replykit.lint import lint_kb

    root = kb.root.resolve()
    wanted = _touched_entries(kb, plan)
    names = {kb.entries[e].template for e in wanted}
    files = [root / "replykit.yaml", *(kb.entries[e].path.resolve() for e in wanted)]
    files += [data.path.resolve() for data in kb.locale_data.values()]
    files += [
        t.path.resolve()
        for per_locale in kb.templates.values()
        for t in per_locale.values()
        if t.is_partial or t.base_name in names
    ]
    new = {path.resolve(): text for path, text in plan.files.items()}
    with tempfile.TemporaryDirectory(prefix="replykit-import-") as tmp:
        before_root, after_root = Path(tmp) / "before", Path(tmp) / "after"
        for base, with_new in ((before_root, False), (after_root, True)):
            for file in {*files, *new} if with_new else set(files):
                target = base / file.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                if with_new and file in new:
                    target.write_text(new[file], encoding="utf-8")
                elif file.is_file():
                    shutil.copy2(file, target)
        before = {_finding_key(f, before_root) for f in lint_kb(before_root, rules=TRANSLATION_RULES)}
        for finding in sorted(lint_kb(after_root, rules=TRANSLATION_RULES)):
            rel = finding.path.resolve().relative_to(after_root.resolve())
            real = root / rel
            if _finding_key(finding, after_root) in before or real not in new:
                continue
            origin = _origin(plan, kb.root / rel, finding.line)
            raise ImportRefused(
                f"{origin}: the translation fails lint: {rel.as_posix()}:{finding.line}: {finding.rule}:"
                f" {finding.message}"
            )


def _touched_entries(kb: KnowledgeBase, plan: _Plan) -> set[str]:
    """Entries whose files (entry YAML or a template of theirs) the import rewrites."""
    paths = {p.resolve() for p in plan.files}
    by_template: dict[str, list[str]] = {}
    for entry in kb.entries.values():
        by_template.setdefault(entry.template, []).append(entry.id)
    out = {e.id for e in kb.entries.values() if e.path.resolve() in paths}
    templates_dir = (kb.root / "templates").resolve()
    for path in paths:
        if path.is_relative_to(templates_dir):
            name = path.relative_to(templates_dir).as_posix().split("/", 1)[-1].removesuffix(".j2")
            for candidate in (name, name.rsplit(".", 1)[0]):
                out.update(by_template.get(candidate, ()))
    return out


def _finding_key(finding: object, root: Path) -> tuple[str, str, str]:
    path = getattr(finding, "path")  # noqa: B009
    rel = Path(path).resolve().relative_to(root.resolve()).as_posix()
    return rel, getattr(finding, "rule"), getattr(finding, "message")  # noqa: B009


def _origin(plan: _Plan, file: Path, line: int) -> str:
    best = None
    for (path, start), origin in plan.origins.items():
        if path == file and start <= line and (best is None or start > best[0]):
            best = (start, origin)
    return best[1] if best else plan.file_origin.get(file, str(file))


def _commit(files: dict[Path, str]) -> None:
    """Replace every file, or none: all new contents are staged next to their files first."""
    staged: list[tuple[Path, Path]] = []
    backups: list[tuple[Path, Path | None]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            tmp_path = Path(tmp)
            with os.fdopen(fd, "wb") as f:
                mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
                os.fchmod(f.fileno(), mode)
                f.write(text.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            staged.append((tmp_path, path))
        for staged_file, path in staged:
            backup = None
            if path.exists():
                bfd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bak")
                os.close(bfd)
                backup = Path(name)
                shutil.copy2(path, backup)
            os.replace(staged_file, path)
            backups.append((path, backup))
    except OSError as e:
        for path, backup in reversed(backups):
            if backup is not None:
                os.replace(backup, path)
            else:
                path.unlink(missing_ok=True)
        raise ImportRefused(f"{e.filename or 'a KB file'}: cannot write ({e.strerror}): nothing was changed") from e
    finally:
        for staged_file, _ in staged:
            staged_file.unlink(missing_ok=True)
        for _, backup in backups:
            if backup is not None:
                backup.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reviews(kb: KnowledgeBase, plan: _Plan, lock: LockFile) -> list[tuple[str, str]]:
    """(entry, locale) pairs whose translation is now complete and was confirmed by this import."""
    from replykit.kb.loader import load_kb_report
    from replykit.lint.coverage import missing_parts

    if not plan.touched:
        return []
    fresh = load_kb_report(kb.root).kb or kb
    index = templates_by_entry(fresh)
    done = []
    for entry_id, locale in sorted(plan.touched):
        entry = fresh.entries.get(entry_id)
        if entry is not None and not missing_parts(fresh, entry, locale, index):
            done.append((entry_id, locale))
    return done


__all__ = ["ImportRefused", "ImportReport", "TranslationFileError", "import_files", "set_questions", "set_scalar"]
