"""Translation coverage per locale: what ``replykit status`` shows and missing-translation checks.

An entry is complete in a locale when it has questions and every template variant the source
locale has (``track-order``, ``track-order.chat``), and its translation is not stale. An entry
marked ``translations: pending`` that lacks a translation counts as pending, not missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from replykit.kb.model import Entry, KnowledgeBase
from replykit.lockfile import LockFile, TemplateIndex, read_lock, stale_translations, templates_by_entry


def missing_parts(kb: KnowledgeBase, entry: Entry, locale: str, index: TemplateIndex) -> list[str]:
    """What ``entry`` lacks in ``locale``: "questions" and/or the template names to create."""
    missing = [] if locale in entry.questions else ["questions"]
    have = {t.name for t in index.get(locale, {}).get(entry.template, ())}
    source = [t.name for t in index.get(kb.source_locale, {}).get(entry.template, ())]
    missing.extend(name for name in source if name not in have)
    return missing


@dataclass(frozen=True)
class LocaleStatus:
    """One row of the coverage table."""

    locale: str
    entries: int
    complete: int
    missing: int
    stale: int
    is_source: bool = False
    pending: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.complete / self.entries if self.entries else 100.0

    def as_dict(self) -> dict[str, object]:
        return {
            "locale": self.locale,
            "source": self.is_source,
            "entries": self.entries,
            "complete": self.complete,
            "missing": self.missing,
            "stale": self.stale,
            "pending": self.pending,
            "percent": round(self.percent, 1),
        }


def translation_status(kb: KnowledgeBase, lock: LockFile | None = None) -> list[LocaleStatus]:
    """Coverage of every declared locale, the source locale first."""
    index = templates_by_entry(kb)
    stale = stale_translations(kb, lock or read_lock(kb))
    rows = []
    ordered = [kb.source_locale, *(loc for loc in kb.locales if loc != kb.source_locale)]
    for locale in ordered:
        missing = stale_count = pending = 0
        for entry in kb.entries.values():
            if missing_parts(kb, entry, locale, index):
                if entry.translations_pending:
                    pending += 1
                else:
                    missing += 1
            elif (entry.id, locale) in stale:
                stale_count += 1
        total = len(kb.entries)
        complete = total - missing - stale_count - pending
        rows.append(
            LocaleStatus(locale, total, complete, missing, stale_count, locale == kb.source_locale, pending)
        )
    return rows
