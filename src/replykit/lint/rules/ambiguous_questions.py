"""Phrasings of two entries are so alike that suggest's matcher cannot tell the entries apart.

When an entry's own phrasing scores another entry as high as (or higher than) its own, customers
asking that way get a coin toss. Reword the phrasings so each names what is specific to its
entry (``where is my parcel`` for tracking, ``my parcel is late`` for delays), or merge the entries.

Candidates are found cheaply first: phrasings whose word sets overlap by the ``similarity``
option (on locales with more than 5,000 phrasings, among phrasings that sort next to each other
by their rarest words). Each is then confirmed by asking the matcher to rank the phrasing:
ambiguous when another entry comes first, or within the matcher's confidence margin
(``matching.min_margin``) of the phrasing's own entry.

Fails (``kb/track-order.yaml`` and ``kb/shipping-delay.yaml``)::

    questions: {en: ["where is my parcel"]}
    questions: {en: ["where is my parcel?"]}

Passes::

    questions: {en: ["where is my parcel"]}
    questions: {en: ["my parcel is late"]}
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Phrasing
from replykit.lint.context import LintContext
from replykit.lint.rule import Option, Rule, Violation, fraction
from replykit.matching.normalize import normalize
from replykit.matching.tokenize import word_terms


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
Doc = tuple[str, Phrasing, frozenset[str]]

#: Up to this many phrasings per locale, every pair that may be alike is compared.
EXACT_JOIN_LIMIT = 5000
#: Beyond it, each phrasing is compared with this many neighbours in each sort order.
NEIGHBOUR_WINDOW = 6


def _candidates(ctx: LintContext, similarity: float) -> dict[str, list[Pair]]:
    """Per locale, pairs of phrasings of different entries whose word sets overlap that much."""
    by_locale: dict[str, list[Doc]] = defaultdict(list)
    for entry in ctx.kb.entries.values():
        for locale, phrasings in entry.questions.items():
            for phrasing in phrasings:
                terms = frozenset(word_terms(normalize(phrasing.text)))
                if terms:
                    by_locale[locale].append((entry.id, phrasing, terms))
    out: dict[str, list[Pair]] = {}
    for locale, docs in by_locale.items():
        frequency: Counter[str] = Counter(term for _, _, terms in docs for term in terms)
        ordered = [sorted(terms, key=lambda t: (frequency[t], t)) for _, _, terms in docs]
        exact = len(docs) <= EXACT_JOIN_LIMIT
        candidates = _prefix_join(ordered, similarity) if exact else _neighbours(ordered)
        pairs: list[Pair] = []
        for i, j in candidates:
            (entry_a, a, terms_a), (entry_b, b, terms_b) = docs[i], docs[j]
            if entry_a == entry_b:
                continue
            shared = len(terms_a & terms_b)
            if shared >= similarity * (len(terms_a) + len(terms_b) - shared):  # Jaccard, without the union
                pairs.append(((entry_a, a), (entry_b, b)))
                pairs.append(((entry_b, b), (entry_a, a)))
        if pairs:
            out[locale] = sorted(pairs, key=lambda p: (p[0][1].file, p[0][1].line, p[1][1].file, p[1][1].line))
    return out


def _prefix_join(ordered: list[list[str]], similarity: float) -> set[tuple[int, int]]:
    """Every pair that may reach ``similarity`` (a set-similarity join with prefix filtering).

    With words ordered rarest first, two sets whose Jaccard similarity reaches ``similarity`` share
    a word among the first ``n - ceil(similarity * n) + 1`` of each: only those are indexed.
    """
    index: dict[str, list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    for i, terms in enumerate(ordered):
        for term in terms[: len(terms) - math.ceil(similarity * len(terms)) + 1]:
            pairs.update((j, i) for j in index[term])
            index[term].append(i)
    return pairs


def _neighbours(ordered: list[list[str]]) -> set[tuple[int, int]]:
    """Pairs that sort close together by their rarest words (sorted-neighbourhood blocking).

    The exact join grows with the square of a locale's phrasings when many share mid-frequency
    words; on very large KBs, near-duplicates are instead found among phrasings that sort next to
    each other by their rarest words.
    """
    order = sorted(range(len(ordered)), key=ordered.__getitem__)
    return {(i, j) for position, i in enumerate(order) for j in order[position + 1 : position + 1 + NEIGHBOUR_WINDOW]}


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
