"""What an agent must know before sending a reply whose translation is stale or missing.

A stale German reply states last month's policy; a pending one goes out in English. Either way the
agent sees it at send time, with the locale and the day the source changed, so they can check
the source-locale reply (``replykit render ENTRY --locale en``) before sending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replykit.kb.model import KnowledgeBase


def _language(locale: str) -> str:
    return locale.split("_", 1)[0]


def translation_notices(kb: KnowledgeBase, entry_id: str, requested: str, used: str) -> tuple[str, ...]:
    """Full-sentence notices for a reply of ``entry_id`` asked in ``requested`` and written in ``used``."""
    entry = kb.entries.get(entry_id)
    if entry is None or (used == kb.source_locale and _language(used) == _language(requested)):
        return ()  # the reply is the source itself: nothing to check (and replykit.lock is not read)
    # Here, not at the top: most replies are in the source locale, and suggest's start-up is timed.
    from replykit.lockfile import LockFileError, read_lock, source_digest, templates_by_entry
    from replykit.translations.dates import source_changed_on

    source = kb.source_locale
    if _language(used) != _language(requested):
        if not any(_language(loc) == _language(requested) for loc in kb.locales):
            return ()  # a locale the KB never promised: the fallback notice says enough
        index = templates_by_entry(kb)
        state = "pending" if entry.translations_pending else "missing"
        day = source_changed_on(kb, entry, index).isoformat()
        return (f"The {requested} translation of '{entry_id}' is {state} (its {source} source last changed on {day}).",)
    if used == source:
        return ()
    try:
        lock = read_lock(kb)
    except LockFileError:
        return ()  # lint and status report a broken lock; a reply still goes out
    review = lock.review(entry_id, used)
    if review is None:
        return ()
    index = templates_by_entry(kb)
    if review.digest == source_digest(kb, entry, index):
        return ()
    day = source_changed_on(kb, entry, index, previous=lock.sources.get(review.digest)).isoformat()
    reviewed = f", after its last review on {review.reviewed_on}" if review.reviewed_on else ""
    return (
        f"The {used} translation of '{entry_id}' may be out of date: its {source} source changed on {day}{reviewed};"
        f" compare with replykit render {entry_id} --locale {source} before sending.",
    )
