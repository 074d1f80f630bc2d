"""Phrasings of two entries are so alike that suggest's matcher cannot tell the entries apart.

When an entry's own phrasing scores another entry as high as (or higher than) its own, customers
asking that way get a coin toss. Reword the phrasings so each names what is specific to its
entry (``where is my parcel`` for tracking, ``my parcel is late`` for delays), or merge the entries.

Candidates are found cheaply first (phrasings sharing rare words), then each is confirmed by
asking the matcher to rank the phrasing: ambiguous when another entry comes first, or within the
matcher's confidence margin (``matching.min_margin``) of the phrasing's own entry.

Fails (``kb/track-order.yaml`` and ``kb/shipping-delay.yaml``)::

    questions: {en: ["where is my parcel"]}
    questions: {en: ["where is my parcel?"]}

Passes::

    questions: {en: ["where is my parcel"]}
    questions: {en: ["my parcel is late"]}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Phrasing
from replykit.lint.context import LintContext
from replykit.lint.rule import Option, Rule, Violation, fraction
from replykit.matching.normalize import normalize
from replykit.matching.tokenize import word_terms

#: A word used by more entries than this says little about which entry a phrasing belongs to.
_RARE_ENTRIES = 50


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    similarity: float = options["similarity"]
    reported: set[tuple[str, str, str]] = set()
    for locale, pairs in sorted(_candidates(ctx, similarity).items()):
        for (entry_a, phrasing), (entry_b, other) in pairs:
            first, second = sorted((entry_a, entry_b))
            key = (locale, first, second)
            if key in reported:
                continue
            ranked = ctx.matcher.suggest(phrasing.text, locale=locale, top=5).matches
            scores = {m.id: m.score for m in ranked}
            own, theirs = scores.get(entry_a, 0.0), scores.get(entry_b, 0.0)
            if theirs < own - ctx.matcher.settings.min_margin:
                continue
            reported.add(key)
            yield Violation(
                phrasing.position,
                f"{locale} phrasing '{phrasing.text}' of '{entry_a}' is as close to '{entry_b}'"
                f" ('{other.text}'): suggest scores {entry_a} {own:.2f}, {entry_b} {theirs:.2f};"
                " reword one so the entries can be told apart",
                (entry_a, entry_b),
            )


Pair = tuple[tuple[str, Phrasing], tuple[str, Phrasing]]


def _candidates(ctx: LintContext, similarity: float) -> dict[str, list[Pair]]:
    """Per locale, pairs of phrasings of different entries whose word sets overlap that much."""
    out: dict[str, list[Pair]] = {}
    by_locale: dict[str, list[tuple[str, Phrasing, frozenset[str]]]] = defaultdict(list)
    for entry in ctx.kb.entries.values():
        for locale, phrasings in entry.questions.items():
            for phrasing in phrasings:
                by_locale[locale].append((entry.id, phrasing, frozenset(word_terms(normalize(phrasing.text)))))
    for locale, docs in by_locale.items():
        postings: dict[str, list[int]] = defaultdict(list)
        entries_of: dict[str, set[str]] = defaultdict(set)
        for i, (entry_id, _, terms) in enumerate(docs):
            for term in terms:
                postings[term].append(i)
                entries_of[term].add(entry_id)
        seen: set[tuple[int, int]] = set()
        pairs: list[Pair] = []
        for i, (entry_id, phrasing, terms) in enumerate(docs):
            if not terms:
                continue
            rare = [t for t in terms if len(entries_of[t]) <= _RARE_ENTRIES]
            keys = rare or sorted(terms, key=lambda t: len(postings[t]))[:1]
            for term in keys:
                for j in postings[term]:
                    other_entry, other, other_terms = docs[j]
                    if other_entry == entry_id or (min(i, j), max(i, j)) in seen:
                        continue
                    seen.add((min(i, j), max(i, j)))
                    overlap = len(terms & other_terms) / len(terms | other_terms)
                    if overlap >= similarity:
                        pairs.append(((entry_id, phrasing), (other_entry, other)))
                        pairs.append(((other_entry, other), (entry_id, phrasing)))
        if pairs:
            out[locale] = pairs
    return out


RULE = Rule(
    id="ambiguous-questions",
    level="warning",
    check=check,
    doc=__doc__ or "",
    options=(
        Option(
            "similarity",
            0.6,
            fraction,
            "share of words two phrasings must have in common before the matcher is asked (0..1)",
        ),
    ),
)
