"""Re-import as a sync: three-way compare of upstream text, local file and what the last import wrote.

| local vs base | upstream vs base | result                                         |
|---------------|------------------|------------------------------------------------|
| same          | same             | nothing                                        |
| same          | changed          | upstream lands ("update")                      |
| changed       | same             | the local edit stays ("kept local edit")       |
| changed       | changed          | equal texts: recorded; else a conflict: local kept, upstream shown, exit 1 |

Every file is planned before anything is written, so bad input stops the import with nothing
half-written; files are written atomically, the state last.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from replykit.kb.model import Entry, KnowledgeBase
from replykit.onboard import entryfile
from replykit.onboard.errors import ImportInputError
from replykit.onboard.ids import VALID_ID, id_for, slugify, unique_id
from replykit.onboard.placeholders import ConvertedAnswer, to_template
from replykit.onboard.records import ImportBatch, ImportedItem, Notice
from replykit.onboard.state import ImportState, ItemState, load_state, save_state, text_hash
from replykit.onboard.template_text import as_text
from replykit.userfiles import write_user_file


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    KEPT_LOCAL = "kept local edit"
    CONFLICT = "conflict"
    RECORDED = "recorded"  # local and upstream already agree


class Resolve(StrEnum):
    """What a conflict becomes: shown (default), or settled for one side."""

    SHOW = "show"
    LOCAL = "local"
    UPSTREAM = "upstream"


@dataclass(frozen=True)
class FileChange:
    path: str  # relative to the KB root
    action: Action
    new_text: str
    local_text: str | None

    def diff(self) -> str:
        """The local text beside the upstream one, as a unified diff."""
        lines = difflib.unified_diff(
            (self.local_text or "").splitlines(keepends=True),
            self.new_text.splitlines(keepends=True),
            fromfile=f"{self.path} (yours, kept)",
            tofile=f"{self.path} (upstream)",
        )
        return "".join(lines)


@dataclass
class ImportPlan:
    root: Path
    source: str
    changes: list[FileChange] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    state: ImportState = field(default_factory=ImportState)
    entries: int = 0

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.action is Action.CONFLICT]

    def check_not_empty(self, source_locale: str) -> None:
        """An import that brings no entry at all is a mistake (wrong file, wrong columns), not a no-op."""
        if not self.entries:
            raise ImportInputError(
                f"{self.source}: found no question with an answer in {source_locale} to import"
                + ("; see the warnings above" if self.notices else "")
            )

    @property
    def writes(self) -> list[FileChange]:
        return [c for c in self.changes if c.action in (Action.CREATE, Action.UPDATE)]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except UnicodeDecodeError:
        return ""  # not ours any more: compares as a local edit
    except OSError as e:
        raise ImportInputError(f"{path}: cannot read ({e.strerror or e}): fix it and import again") from None


def plan_import(
    kb: KnowledgeBase,
    batch: ImportBatch,
    *,
    mapping: Mapping[str, str],
    category: str | None = None,
    resolve: Resolve = Resolve.SHOW,
) -> ImportPlan:
    """Compare ``batch`` with the KB and the import state; nothing is written here."""
    root = kb.root
    config = kb.config
    source_locale = config.source_locale
    order = [source_locale, *[loc for loc in config.locales if loc != source_locale]]
    state = load_state(root)
    known = state.sources.get(batch.source, {})
    plan = ImportPlan(root, batch.source, notices=list(batch.notices))
    new_items: dict[str, ItemState] = {}
    taken = set(kb.entries) - state.owner_ids(batch.source)
    in_batch: set[str] = set()
    seen_questions: dict[tuple[str, str], str] = {}
    asked_here = _asked_by(kb, taken)
    for item in batch.items:
        _drop_duplicate_questions(item, seen_questions, plan.notices)
        if source_locale not in item.answers:
            plan.notices.append(
                Notice(
                    item.where,
                    f"no answer in the source locale {source_locale}: skipped "
                    f"(every entry needs its {source_locale} reply)",
                )
            )
            continue
        if not item.questions:
            plan.notices.append(Notice(item.where, "no question left to match customers' messages: skipped"))
            continue
        first_question = (item.questions.get(source_locale) or next(iter(item.questions.values())))[0]
        item.key = item.key or first_question
        if item.key in new_items:
            plan.notices.append(Notice(item.where, f"'{item.key}' appears twice in the import: the first was kept"))
            continue
        previous = known.get(item.key)
        entry_id = _entry_id(item, previous, first_question, in_batch, taken, plan.notices)
        if previous is None and entry_id not in kb.entries:
            _note_competing_entry(item, entry_id, asked_here, batch.source, plan.notices)
        taken.add(entry_id)
        in_batch.add(entry_id)
        new_items[item.key] = _plan_item(plan, kb, item, entry_id, previous, order, category, mapping, resolve)
        plan.entries += 1
    for key, gone in known.items():
        if key not in new_items:
            plan.notices.append(
                Notice(
                    batch.source,
                    f"'{key}' is no longer in the import: kept entry '{gone.id}'; delete it by hand if it should go",
                )
            )
            new_items[key] = gone
    state.sources[batch.source] = new_items
    plan.state = state
    return plan


def _normal(question: str) -> str:
    return " ".join(question.lower().split())


def _asked_by(kb: KnowledgeBase, entry_ids: set[str]) -> dict[tuple[str, str], str]:
    """(locale, question) -> the entry that already has it as a phrasing, for entries of other sources."""
    asked: dict[tuple[str, str], str] = {}
    for entry_id in sorted(entry_ids):
        entry = kb.entries.get(entry_id)
        for loc, phrasings in (entry.questions.items() if entry is not None else ()):
            for phrasing in phrasings:
                asked.setdefault((loc, _normal(phrasing.text)), entry_id)
    return asked


def _note_competing_entry(
    item: ImportedItem, entry_id: str, asked: dict[tuple[str, str], str], source: str, notices: list[Notice]
) -> None:
    """A new entry asking what an entry from elsewhere already asks: a renamed copy of an earlier import?"""
    for loc, questions in item.questions.items():
        for question in questions:
            other = asked.get((loc, _normal(question)))
            if other is not None:
                notices.append(
                    Notice(
                        item.where,
                        f"question '{question}' is already asked by entry '{other}', which {source} did not "
                        f"import: the new entry '{entry_id}' competes with it. A renamed copy of an earlier "
                        "import? Import it with --source NAME (the earlier file's name) to sync instead",
                    )
                )
                return


def _drop_duplicate_questions(item: ImportedItem, seen: dict[tuple[str, str], str], notices: list[Notice]) -> None:
    """A question already asked by an earlier row would make two entries compete: drop it here, say so."""
    for loc in list(item.questions):
        kept = []
        for question in item.questions[loc]:
            first = seen.setdefault((loc, _normal(question)), item.where)
            if first != item.where:
                notices.append(Notice(item.where, f"duplicate question '{question}' (also {first}): dropped here"))
            else:
                kept.append(question)
        if kept:
            item.questions[loc] = kept
        else:
            del item.questions[loc]


def _entry_id(
    item: ImportedItem,
    previous: ItemState | None,
    question: str,
    in_batch: set[str],
    taken: set[str],
    notices: list[Notice],
) -> str:
    """The id this item had before, else the id the source gives, else one made from the question."""
    if previous is not None:
        return previous.id
    if item.wanted_id and VALID_ID.match(item.wanted_id) and item.wanted_id not in in_batch:
        return item.wanted_id  # an explicit id names that entry, even one written by hand (CSV round trip)
    if item.wanted_id and not VALID_ID.match(item.wanted_id):
        notices.append(
            Notice(
                item.where,
                f"id '{item.wanted_id}' is not a replykit id (a-z, 0-9, -, _): one was made from the question",
            )
        )
    return unique_id(id_for(item.wanted_id or question, item.key), taken)


def _plan_item(
    plan: ImportPlan,
    kb: KnowledgeBase,
    item: ImportedItem,
    entry_id: str,
    previous: ItemState | None,
    order: list[str],
    category: str | None,
    mapping: Mapping[str, str],
    resolve: Resolve,
) -> ItemState:
    """Add the item's file changes to ``plan``; return what the state will remember of it."""
    root = plan.root
    existing = kb.entries.get(entry_id)
    entry_rel, view, converted = _item_files(item, entry_id, order, previous, existing, category, mapping, plan)
    changes: list[tuple[FileChange, str | None, str | None]] = []  # change, hash to remember, old base
    variables: list[str] = []
    for rel, (loc, template) in converted.items():
        change, remembered = _template_change(rel, template.source, item.answers[loc], item, previous, root, resolve)
        changes.append((change, remembered, previous.files.get(rel) if previous else None))
        if change.action in (Action.CREATE, Action.UPDATE, Action.CONFLICT):
            for placeholder in template.unknown:
                plan.notices.append(
                    Notice(
                        item.where,
                        f"unknown placeholder {placeholder} ({loc}) kept as text: "
                        "map it to a variable in a mapping file (--mapping)",
                    )
                )
        if change.action in (Action.CREATE, Action.UPDATE):  # what the written templates read
            variables.extend(v for v in template.variables if v not in variables)
    base = _entry_base(previous, entry_rel)
    change, remembered = _entry_change(entry_rel, entry_id, existing, view, variables, root, base, resolve)
    changes.insert(0, (change, remembered, base))
    item_state = ItemState(entry_id)
    for change, remembered, base in changes:
        plan.changes.append(change)
        if remembered is not None:
            item_state.files[change.path] = remembered
        elif base is not None:  # a local edit or conflict: the base stays what the last import brought
            item_state.files[change.path] = base
    if previous:
        for rel in sorted(p for p in set(previous.files) - {entry_rel, *converted} if not p.startswith("kb/")):
            plan.notices.append(Notice(item.where, f"upstream no longer has {rel}: kept it; delete it by hand"))
            item_state.files[rel] = previous.files[rel]
    return item_state


def _item_files(
    item: ImportedItem,
    entry_id: str,
    order: list[str],
    previous: ItemState | None,
    existing: Entry | None,
    category: str | None,
    mapping: Mapping[str, str],
    plan: ImportPlan,
) -> tuple[str, dict[str, Any], dict[str, tuple[str, ConvertedAnswer]]]:
    """Where the item's entry file is, the part of it the import owns, and its templates by path."""
    templates: dict[str, tuple[str, ConvertedAnswer]] = {}
    for loc in order:
        answer = item.answers.get(loc)
        if answer is not None:
            rel = f"templates/{loc}/{existing.template if existing else entry_id}.j2"
            templates[rel] = (loc, to_template(answer, mapping, bare_names=item.bare_names_are_variables))
    for loc in set(item.answers) - set(order):
        plan.notices.append(Notice(item.where, f"locale {loc} is not in replykit.yaml: its answer was skipped"))
    entry_path = None
    if existing is not None:  # where the entry is now, even if someone moved it to another folder
        entry_path = Path(existing.file).resolve().relative_to(plan.root.resolve()).as_posix()
    if entry_path is None:
        entry_path = next((rel for rel in (previous.files if previous else {}) if rel.startswith("kb/")), None)
    if entry_path is None:
        folder = "/".join(s for s in (slugify(p) for p in (item.category or category or "").split("/")) if s)
        entry_path = f"kb/{folder}/{entry_id}.yaml" if folder else f"kb/{entry_id}.yaml"
    questions = {loc: list(item.questions[loc]) for loc in order if item.questions.get(loc)}
    return entry_path, entryfile.imported_view(questions, item.tags), templates


def _entry_base(previous: ItemState | None, rel: str) -> str | None:
    """What the last import brought into the entry file, even if the file was moved since."""
    if previous is None:
        return None
    return previous.files.get(rel) or next((h for p, h in previous.files.items() if p.startswith("kb/")), None)


def _template_change(
    rel: str, source: str, answer: str, item: ImportedItem, previous: ItemState | None, root: Path, resolve: Resolve
) -> tuple[FileChange, str | None]:
    """A template's change, and the hash to remember (None: keep the old base)."""
    text = source.rstrip("\n") + "\n"
    base = previous.files.get(rel) if previous else None
    local = _read(root / rel)
    local_hash = text_hash(local) if local is not None else None
    if local is not None and item.bare_names_are_variables and as_text(local).strip() == answer.strip():
        local_hash = text_hash(text)  # a template with logic, exported to CSV and back unchanged: equal
    action = _decide(text_hash(text), local_hash, base, resolve)
    keep_base = action in (Action.CONFLICT, Action.KEPT_LOCAL)
    return FileChange(rel, action, text, local), None if keep_base else text_hash(text)


def _entry_change(
    rel: str,
    entry_id: str,
    existing: Entry | None,
    view: dict[str, Any],
    variables: list[str],
    root: Path,
    base: str | None,
    resolve: Resolve,
) -> tuple[FileChange, str | None]:
    """The entry file's change, and the hash to remember (None: keep the old base).

    The loaded KB already holds the entry's questions, tags and variables, so its YAML is parsed
    again only when the file is to be rewritten (a large re-import is mostly unchanged entries).
    """
    path = root / rel
    local: str | None = None
    data: dict[str, Any] | None = None
    if existing is not None and Path(existing.file).resolve() == path.resolve():
        local_hash: str | None = entryfile.view_hash(entryfile.entry_view(existing, "tags" in view))
        declared = set(existing.variables)
    else:
        local = _read(path)
        data = entryfile.parse(local)
        local_hash = (
            None
            if local is None
            else text_hash(local)
            if data is None
            else (entryfile.view_hash(entryfile.local_view(data, "tags" in view)))
        )
        declared = entryfile.declared_variables(data)
    new_hash = entryfile.view_hash(view)
    action = _decide(new_hash, local_hash, base, resolve)
    remembered = None if action in (Action.CONFLICT, Action.KEPT_LOCAL) else new_hash
    missing = [name for name in entryfile.needed_declarations(variables) if name not in declared]
    if action not in (Action.CREATE, Action.UPDATE, Action.CONFLICT) and not missing:
        return FileChange(rel, action, "", None), remembered
    if local is None and local_hash is not None:
        local = _read(path)
        data = entryfile.parse(local)
    if action in (Action.CREATE, Action.UPDATE, Action.CONFLICT):
        return FileChange(rel, action, entryfile.entry_text(entry_id, data, view, variables), local), remembered
    if data is None:  # an entry that cannot be merged into stays as it is
        return FileChange(rel, action, "", None), remembered
    # the local questions stay; the variables the imported templates read get declared
    text = entryfile.entry_text(entry_id, data, entryfile.local_view(data, "tags" in view), variables)
    return FileChange(rel, Action.UPDATE, text, local), remembered


def _decide(new_hash: str, local_hash: str | None, base: str | None, resolve: Resolve) -> Action:
    """The three-way decision on one file from the hashes of upstream, local and base."""
    if local_hash is None:
        if base is None:
            return Action.CREATE
        return Action.KEPT_LOCAL if new_hash == base else _conflict(resolve, Action.CREATE)
    if local_hash == new_hash:
        return Action.UNCHANGED if base == new_hash else Action.RECORDED
    if base is not None and local_hash == base:
        return Action.UPDATE
    if base is not None and new_hash == base:
        return Action.KEPT_LOCAL
    return _conflict(resolve, Action.UPDATE)


def _conflict(resolve: Resolve, write: Action) -> Action:
    if resolve is Resolve.UPSTREAM:
        return write
    if resolve is Resolve.LOCAL:
        return Action.RECORDED
    return Action.CONFLICT


def apply_plan(plan: ImportPlan) -> bool:
    """Write the planned files (each atomically), then the state; True if anything changed on disk.

    A write that fails (a full disk, a folder that is a file) puts back the files already written,
    so the KB is as before, and raises ImportInputError naming the file.
    """
    written: list[FileChange] = []
    new_folders = sorted(
        {folder for c in plan.writes for folder in (plan.root / c.path).parents if not folder.exists()},
        key=lambda folder: len(folder.parts),
        reverse=True,
    )
    try:
        for change in plan.writes:
            write_user_file(plan.root / change.path, change.new_text.encode("utf-8"))
            written.append(change)
        return save_state(plan.root, plan.state) or bool(plan.writes)
    except OSError as e:
        for done in reversed(written):
            if done.local_text is None:
                (plan.root / done.path).unlink(missing_ok=True)
            else:
                write_user_file(plan.root / done.path, done.local_text.encode("utf-8"))
        for folder in new_folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
        where = e.filename or plan.root
        raise ImportInputError(
            f"{where}: cannot write ({e.strerror or e}): nothing was imported; fix it and import again"
        ) from None
