"""The translation lock file: what source text each translation was last reviewed against.

``replykit.lock`` in the KB root records, per entry and locale, a hash of the source-locale
template(s) and questions as they were when a translator marked the translation reviewed. When the
source changes afterwards, lint's ``stale-translation`` rule says the translation needs a look;
``replykit mark-reviewed`` records the current source once it has had one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from replykit.errors import UserError
from replykit.kb.loader import MAX_FILE_BYTES, write_atomic
from replykit.kb.model import Entry, KnowledgeBase, TemplateFile
from replykit.kb.yamlnodes import load_json_data

LOCK_NAME = "replykit.lock"
LOCK_VERSION = 1
_COMMENT = "Written by `replykit mark-reviewed`: the source each translation was last reviewed against."


TemplateIndex = dict[str, dict[str, list[TemplateFile]]]


class LockFileError(UserError):
    """replykit.lock cannot be read: it was edited by hand or merged badly."""


@dataclass
class LockFile:
    """Reviewed source hashes: entry id -> locale -> hash of the source it was made from."""

    path: Path
    reviewed: dict[str, dict[str, str]] = field(default_factory=dict)

    def recorded(self, entry_id: str, locale: str) -> str | None:
        return self.reviewed.get(entry_id, {}).get(locale)

    def to_bytes(self, source_locale: str) -> bytes:
        data = {
            "comment": _COMMENT,
            "version": LOCK_VERSION,
            "source_locale": source_locale,
            "translations": {eid: dict(sorted(locs.items())) for eid, locs in sorted(self.reviewed.items())},
        }
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def lock_path(kb: KnowledgeBase) -> Path:
    return kb.root / LOCK_NAME


def read_lock(kb: KnowledgeBase) -> LockFile:
    """The KB's lock file, or an empty one when there is none yet."""
    path = lock_path(kb)
    if not path.is_file():
        return LockFile(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # refused unread, like every KB file
            raise LockFileError(
                f"{path}: the translation lock file is over {MAX_FILE_BYTES // 2**20} MB: restore it from git,"
                " or delete it and run replykit mark-reviewed --all"
            )
        data = load_json_data(path, path.read_text(encoding="utf-8"))  # bounded nesting (kb/yamlnodes.py)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f":{e.lineno}:{e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        raise LockFileError(
            f"{path}{where}: cannot read the translation lock file ({e}): fix it, or delete it and run"
            " replykit mark-reviewed --all"
        ) from e
    translations = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(translations, dict) or not all(
        isinstance(locs, dict) and all(isinstance(h, str) for h in locs.values()) for locs in translations.values()
    ):
        raise LockFileError(
            f"{path}: 'translations' must map entry ids to {{locale: hash}}: fix it, or delete it and run"
            " replykit mark-reviewed --all"
        )
    return LockFile(path, {str(eid): dict(locs) for eid, locs in translations.items()})


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


def source_digest(kb: KnowledgeBase, entry: Entry, index: TemplateIndex | None = None) -> str:
    """A hash of what translators translate: the source-locale templates and questions of ``entry``."""
    index = index if index is not None else templates_by_entry(kb)
    digest = hashlib.sha256()
    for template in index.get(kb.source_locale, {}).get(entry.template, ()):
        digest.update(f"template {template.name}\0".encode())
        digest.update(template.path.read_bytes().replace(b"\r\n", b"\n"))
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


def mark_reviewed(
    kb: KnowledgeBase,
    entry_ids: Iterable[str] | None = None,
    locales: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Record the current source as reviewed for the given entries and locales (all when None).

    Only translations that exist are recorded. Returns the (entry, locale) pairs written; the lock
    file is rewritten atomically so that a crash never leaves half a file.
    """
    lock = read_lock(kb)
    chosen_entries = list(kb.entries) if entry_ids is None else list(entry_ids)
    unknown = [eid for eid in chosen_entries if eid not in kb.entries]
    if unknown:
        raise UserError(f"no entry with id {', '.join(repr(u) for u in unknown)}: check the spelling")
    translation_locales = [loc for loc in kb.locales if loc != kb.source_locale]
    chosen_locales = translation_locales if locales is None else list(locales)
    bad = [loc for loc in chosen_locales if loc not in translation_locales]
    if bad:
        raise UserError(
            f"{', '.join(bad)} is not a translation locale of this KB: use one of {', '.join(translation_locales)}"
        )
    index = templates_by_entry(kb)
    marked: list[tuple[str, str]] = []
    for entry_id in chosen_entries:
        entry = kb.entries[entry_id]
        digest = source_digest(kb, entry, index)
        for locale in chosen_locales:
            if has_translation(kb, entry, locale, index):
                lock.reviewed.setdefault(entry_id, {})[locale] = digest
                marked.append((entry_id, locale))
    write_atomic(lock.path, lock.to_bytes(kb.source_locale))
    return marked


def stale_translations(kb: KnowledgeBase, lock: LockFile | None = None) -> Mapping[tuple[str, str], str]:
    """(entry, locale) -> why, for every existing translation not reviewed against today's source.

    A KB without a lock file has nothing recorded, so nothing is stale until it adopts one.
    """
    lock = lock or read_lock(kb)
    if not lock.path.is_file():
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
