"""The translation lock file: what source text each translation was last reviewed against.

``replykit.lock`` in the KB root records, per entry and locale, a hash of the source-locale
template(s) and questions as they were when a translator marked the translation reviewed, the day
of that review, and (once per distinct source) the source text itself, so that ``replykit diff``
can show what changed since. When the source changes afterwards, lint's ``stale-translation`` rule
says the translation needs a look; ``replykit mark-reviewed`` records the current source once it
has had one.

Writers hold an exclusive ``flock`` on the KB folder while they read, change and rewrite the lock,
so two ``mark-reviewed`` runs at once both land; the rewritten file keeps the old file's mode.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from replykit.errors import UserError
from replykit.kb.model import Entry, KnowledgeBase, TemplateFile

LOCK_NAME = "replykit.lock"
LOCK_VERSION = 2
_COMMENT = "Written by replykit (mark-reviewed, translations import): the source each translation was reviewed against."
_FIX = "fix it, or delete it and run replykit mark-reviewed --all --yes"


TemplateIndex = dict[str, dict[str, list[TemplateFile]]]


class LockFileError(UserError):
    """replykit.lock cannot be read or written: edited by hand, merged badly, or not a file."""


@dataclass(frozen=True)
class SourceSnapshot:
    """The source text a translation was reviewed against: template name -> text, and the questions."""

    templates: Mapping[str, str]
    questions: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"templates": dict(sorted(self.templates.items())), "questions": list(self.questions)}

    def as_text(self) -> str:
        """One text to diff: each template under a header line, then the questions."""
        parts = [f"# template {name}\n{text}" for name, text in sorted(self.templates.items())]
        parts.append("# questions\n" + "".join(f"{q}\n" for q in self.questions))
        return "\n".join(part if part.endswith("\n") else part + "\n" for part in parts)


@dataclass(frozen=True)
class Review:
    """One lock record: the source hash reviewed against, the day, and whether the text is kept."""

    digest: str
    reviewed_on: str | None = None  # ISO date; None in version-1 locks


@dataclass
class LockFile:
    """Reviews (entry id -> locale -> Review) and the source texts they were made against."""

    path: Path
    reviewed: dict[str, dict[str, Review]] = field(default_factory=dict)
    sources: dict[str, SourceSnapshot] = field(default_factory=dict)
    exists: bool = False

    def recorded(self, entry_id: str, locale: str) -> str | None:
        review = self.reviewed.get(entry_id, {}).get(locale)
        return review.digest if review else None

    def review(self, entry_id: str, locale: str) -> Review | None:
        return self.reviewed.get(entry_id, {}).get(locale)

    def record(self, entry_id: str, locale: str, digest: str, snapshot: SourceSnapshot, today: str) -> bool:
        """Record a review; a review of the same source keeps its old day (so a no-op changes no byte)."""
        old = self.review(entry_id, locale)
        self.sources.setdefault(digest, snapshot)
        if old is not None and old.digest == digest:
            return False
        self.reviewed.setdefault(entry_id, {})[locale] = Review(digest, today)
        return True

    def to_bytes(self, source_locale: str) -> bytes:
        used = {r.digest for locs in self.reviewed.values() for r in locs.values()}
        translations = {
            eid: {
                loc: {"source": r.digest, "reviewed": r.reviewed_on} if r.reviewed_on else {"source": r.digest}
                for loc, r in sorted(locs.items())
            }
            for eid, locs in sorted(self.reviewed.items())
        }
        data = {
            "comment": _COMMENT,
            "version": LOCK_VERSION,
            "source_locale": source_locale,
            "translations": translations,
            "sources": {d: s.as_dict() for d, s in sorted(self.sources.items()) if d in used},
        }
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def lock_path(kb: KnowledgeBase) -> Path:
    return kb.root / LOCK_NAME


def read_lock(kb: KnowledgeBase) -> LockFile:
    """The KB's lock file, or an empty one when there is none yet."""
    return _read(lock_path(kb))


def _read(path: Path) -> LockFile:
    if not path.exists() and not path.is_symlink():
        return LockFile(path)
    if not path.is_file():
        raise LockFileError(f"{path}: the translation lock is not a file: remove or rename it, then run"
                            " replykit mark-reviewed --all --yes")
    from replykit.kb.loader import MAX_FILE_BYTES
    from replykit.kb.yamlnodes import load_json_data  # here: a reply's notice must not import YAML

    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # refused unread, like every KB file
            raise LockFileError(
                f"{path}: the translation lock file is over {MAX_FILE_BYTES // 2**20} MB: restore it from git,"
                " or delete it and run replykit mark-reviewed --all"
            )
        data = load_json_data(path, path.read_text(encoding="utf-8"))  # bounded nesting (kb/yamlnodes.py)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f":{e.lineno}:{e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        reason = e.msg if isinstance(e, json.JSONDecodeError) else str(e)  # its position is in `where`
        raise LockFileError(f"{path}{where}: cannot read the translation lock file ({reason}): {_FIX}") from e
    translations = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(translations, dict):
        raise LockFileError(f"{path}: 'translations' must map entry ids to {{locale: review}}: {_FIX}")
    reviewed: dict[str, dict[str, Review]] = {}
    for eid, locs in translations.items():
        if not isinstance(locs, dict):
            raise LockFileError(f"{path}: 'translations.{eid}' must map locales to reviews: {_FIX}")
        for loc, value in locs.items():
            reviewed.setdefault(str(eid), {})[str(loc)] = _review(path, f"{eid}.{loc}", value)
    sources: dict[str, SourceSnapshot] = {}
    raw_sources = data.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise LockFileError(f"{path}: 'sources' must map hashes to source texts: {_FIX}")
    for digest, raw in raw_sources.items():
        templates = raw.get("templates") if isinstance(raw, dict) else None
        questions = raw.get("questions") if isinstance(raw, dict) else None
        if not (
            isinstance(templates, dict)
            and all(isinstance(t, str) for t in templates.values())
            and isinstance(questions, list)
            and all(isinstance(q, str) for q in questions)
        ):
            raise LockFileError(f"{path}: 'sources.{digest}' must hold 'templates' and 'questions' texts: {_FIX}")
        sources[str(digest)] = SourceSnapshot(dict(templates), tuple(questions))
    return LockFile(path, reviewed, sources, exists=True)


def _review(path: Path, where: str, value: object) -> Review:
    if isinstance(value, str):  # version 1: the hash alone
        return Review(value)
    if isinstance(value, dict) and isinstance(value.get("source"), str):
        day = value.get("reviewed")
        if day is None or isinstance(day, str):
            return Review(value["source"], day)
    raise LockFileError(f"{path}: 'translations.{where}' must be {{\"source\": hash, \"reviewed\": date}}: {_FIX}")


def templates_by_entry(kb: KnowledgeBase) -> dict[str, dict[str, list[TemplateFile]]]:
    """locale -> template base name -> the reply templates (and channel variants) of that name."""
    out: dict[str, dict[str, list[TemplateFile]]] = {}
    for locale, names in kb.templates.items():
        per_base = out.setdefault(locale, {})
        for name in sorted(names):
            template = names[name]
            if not template.is_partial:
                per_base.setdefault(template.base_name, []).append(template)
    return out


def _read_template(template: TemplateFile) -> bytes:
    return template.path.read_bytes().replace(b"\r\n", b"\n")


def source_snapshot(kb: KnowledgeBase, entry: Entry, index: TemplateIndex | None = None) -> SourceSnapshot:
    """The source-locale templates and questions of ``entry`` as they are now."""
    index = index if index is not None else templates_by_entry(kb)
    files = index.get(kb.source_locale, {}).get(entry.template, ())
    templates = {t.name: _read_template(t).decode("utf-8", "replace") for t in files}
    return SourceSnapshot(templates, tuple(p.text for p in entry.questions.get(kb.source_locale, ())))


def source_digest(kb: KnowledgeBase, entry: Entry, index: TemplateIndex | None = None) -> str:
    """A hash of what translators translate: the source-locale templates and questions of ``entry``."""
    index = index if index is not None else templates_by_entry(kb)
    digest = hashlib.sha256()
    for template in index.get(kb.source_locale, {}).get(entry.template, ()):
        digest.update(f"template {template.name}\0".encode())
        digest.update(_read_template(template))
        digest.update(b"\0")
    for phrasing in entry.questions.get(kb.source_locale, ()):
        digest.update(f"question\0{phrasing.text}\0".encode())
    return digest.hexdigest()[:16]


def has_translation(kb: KnowledgeBase, entry: Entry, locale: str, index: TemplateIndex | None = None) -> bool:
    """Whether anything of ``entry`` was translated into ``locale`` (questions or a template)."""
    if locale in entry.questions:
        return True
    index = index if index is not None else templates_by_entry(kb)
    return bool(index.get(locale, {}).get(entry.template))


def translation_locales(kb: KnowledgeBase) -> list[str]:
    return [loc for loc in kb.locales if loc != kb.source_locale]


def check_choice(
    kb: KnowledgeBase, entry_ids: Iterable[str] | None, locales: Iterable[str] | None
) -> tuple[list[str], list[str]]:
    """The entries and translation locales asked for (all when None), refusing unknown ones."""
    chosen_entries = list(kb.entries) if entry_ids is None else list(entry_ids)
    unknown = [eid for eid in chosen_entries if eid not in kb.entries]
    if unknown:
        raise UserError(f"no entry with id {', '.join(repr(u) for u in unknown)}: check the spelling")
    allowed = translation_locales(kb)
    chosen_locales = allowed if locales is None else list(locales)
    bad = [loc for loc in chosen_locales if loc not in allowed]
    if bad:
        raise UserError(f"{', '.join(bad)} is not a translation locale of this KB: use one of {', '.join(allowed)}")
    return chosen_entries, chosen_locales


def reviewable(
    kb: KnowledgeBase, entry_ids: Iterable[str] | None = None, locales: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """The (entry, locale) pairs ``mark_reviewed`` would record: translations that exist."""
    chosen_entries, chosen_locales = check_choice(kb, entry_ids, locales)
    index = templates_by_entry(kb)
    return [
        (eid, loc)
        for eid in chosen_entries
        for loc in chosen_locales
        if has_translation(kb, kb.entries[eid], loc, index)
    ]


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def mark_reviewed(
    kb: KnowledgeBase,
    entry_ids: Iterable[str] | None = None,
    locales: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Record the current source as reviewed for the given entries and locales (all when None).

    Only translations that exist are recorded. Returns the (entry, locale) pairs written.
    """
    pairs = reviewable(kb, entry_ids, locales)
    index = templates_by_entry(kb)
    day = today()

    sources: dict[str, tuple[str, SourceSnapshot]] = {}
    for entry_id, _ in pairs:
        if entry_id not in sources:
            entry = kb.entries[entry_id]
            sources[entry_id] = (source_digest(kb, entry, index), source_snapshot(kb, entry, index))

    def change(lock: LockFile) -> None:
        for entry_id, locale in pairs:
            lock.record(entry_id, locale, *sources[entry_id], day)

    update_lock(kb, change)
    return pairs


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on the KB folder (no extra file left behind); a no-op without flock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: last writer wins
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def update_lock(kb: KnowledgeBase, change: Callable[[LockFile], None], *, locked: bool = False) -> LockFile:
    """Read the lock, apply ``change`` and rewrite it, all under the folder lock so no update is lost.

    The file is replaced atomically and keeps its mode; it is not rewritten when nothing changed.
    ``locked``: the caller already holds :func:`folder_lock` (a second flock would wait for itself).
    """
    path = lock_path(kb)
    with contextlib.nullcontext() if locked else folder_lock(path.parent):
        lock = _read(path)
        before = path.read_bytes() if lock.exists else None
        change(lock)
        data = lock.to_bytes(kb.source_locale)
        if data != before:
            write_keeping_mode(path, data)
    return lock


def write_keeping_mode(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``; the new file gets the old one's mode (else 0666 - umask).

    Raises WriteFailedError (the old file intact) when the file cannot be written.
    """
    if path.is_dir():
        raise LockFileError(f"{path}: is a folder, not a file: remove or rename it")
    from replykit.userfiles import write_user_file  # here: a reply's stale notice only reads the lock

    write_user_file(path, data)


def stale_translations(kb: KnowledgeBase, lock: LockFile | None = None) -> Mapping[tuple[str, str], str]:
    """(entry, locale) -> why, for every existing translation not reviewed against today's source.

    A KB without a lock file has nothing recorded, so nothing is stale until it adopts one.
    """
    lock = lock or read_lock(kb)
    if not lock.exists:
        return {}  # nothing recorded yet: `replykit mark-reviewed --all` starts tracking
    index = templates_by_entry(kb)
    out: dict[tuple[str, str], str] = {}
    for entry in kb.entries.values():
        digest: str | None = None
        for locale in kb.locales:
            if locale == kb.source_locale or not has_translation(kb, entry, locale, index):
                continue
            digest = digest or source_digest(kb, entry, index)
            recorded = lock.recorded(entry.id, locale)
            if recorded is None:
                out[(entry.id, locale)] = f"not recorded in {LOCK_NAME}"
            elif recorded != digest:
                out[(entry.id, locale)] = f"the {kb.source_locale} source changed since it was reviewed"
    return out
