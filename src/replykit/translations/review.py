"""What each translation locale needs (missing, stale, pending) and what changed since its review.

A reviewer deciding whether ``mark-reviewed`` is honest needs the source change, not a hash: the
lock keeps the source text each review was made against, and :func:`source_diff` compares it with
today's source.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from replykit.errors import UserError
from replykit.kb.model import KnowledgeBase
from replykit.lint.coverage import missing_parts
from replykit.lockfile import (
    LockFile,
    TemplateIndex,
    check_choice,
    read_lock,
    source_digest,
    source_snapshot,
    stale_translations,
    templates_by_entry,
)
from replykit.translations.dates import SourceDates, source_changed_on


@dataclass(frozen=True, order=True)
class WorkItem:
    """One translation that needs a translator: ``state`` is missing, stale or pending."""

    entry_id: str
    locale: str
    state: str
    since: date
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {
            "entry": self.entry_id,
            "locale": self.locale,
            "state": self.state,
            "since": self.since.isoformat(),
            "detail": self.detail,
        }


def needs_work(kb: KnowledgeBase, locales: list[str] | None = None, lock: LockFile | None = None) -> list[WorkItem]:
    """Every missing, stale or pending translation of the given locales (all translation locales when None).

    ``since`` is the day the entry's source last changed: when the work became due.
    """
    _, chosen = check_choice(kb, [], locales)
    lock = lock or read_lock(kb)
    index = templates_by_entry(kb)
    stale = stale_translations(kb, lock)
    dates = SourceDates(kb.root)
    items: list[WorkItem] = []
    for entry in kb.entries.values():
        since: date | None = None
        for locale in chosen:
            lacking = missing_parts(kb, entry, locale, index)
            if lacking:
                state = "pending" if entry.translations_pending else "missing"
                detail = "no " + ", ".join("questions" if p == "questions" else f"template {p}" for p in lacking)
            elif (entry.id, locale) in stale:
                state, detail = "stale", stale[(entry.id, locale)]
                review = lock.review(entry.id, locale)
                previous = lock.sources.get(review.digest) if review else None
                items.append(WorkItem(entry.id, locale, state, source_changed_on(kb, entry, index, dates, previous),
                                      detail))
                continue
            else:
                continue
            since = since or source_changed_on(kb, entry, index, dates)
            items.append(WorkItem(entry.id, locale, state, since, detail))
    return sorted(items, key=lambda i: (i.locale, i.entry_id))


def source_diff(
    kb: KnowledgeBase,
    entry_id: str,
    locale: str,
    lock: LockFile | None = None,
    index: TemplateIndex | None = None,
) -> str:
    """A unified diff of the entry's source since the ``locale`` translation was last reviewed.

    Empty when nothing changed. Raises UserError when the review did not keep the source text.
    """
    check_choice(kb, [entry_id], [locale])
    lock = lock or read_lock(kb)
    entry = kb.entries[entry_id]
    index = index if index is not None else templates_by_entry(kb)
    review = lock.review(entry_id, locale)
    now = source_snapshot(kb, entry, index)
    if review is None:
        before_text = ""
        label = f"{kb.source_locale} source (never reviewed for {locale})"
    elif review.digest == source_digest(kb, entry, index):
        return ""
    elif review.digest in lock.sources:
        before_text = lock.sources[review.digest].as_text()
        label = f"{kb.source_locale} source reviewed for {locale}" + (
            f" on {review.reviewed_on}" if review.reviewed_on else ""
        )
    else:
        raise UserError(
            f"the {locale} review of '{entry_id}' was recorded without its source text (an older lock):"
            f" compare with git log -p templates/{kb.source_locale}/{entry.template}.j2, then run"
            f" replykit mark-reviewed {entry_id} --locale {locale}"
        )
    lines = difflib.unified_diff(
        before_text.splitlines(keepends=True),
        now.as_text().splitlines(keepends=True),
        fromfile=label,
        tofile=f"{kb.source_locale} source now",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
