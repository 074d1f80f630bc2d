"""Phrasings of two entries are so alike that suggest's matcher cannot tell the entries apart.

When an entry's own phrasing scores another entry as high as (or higher than) its own, customers
asking that way get a coin toss. Reword the phrasings so each names what is specific to its
entry (``where is my parcel`` for tracking, ``my parcel is late`` for delays), or merge the entries.

Candidates are found cheaply first: phrasings with the same words are grouped (copied entries
make one group), and groups whose word sets overlap by the ``similarity`` option are linked (on
locales with more than 5,000 distinct phrasings, among those that sort next to each other by
their rarest words). The matcher then ranks each group's first phrasing once: ambiguous when
another entry of the group or a linked group comes first, or within the matcher's confidence
margin (``matching.min_margin``) of the phrasing's own entry. One finding names every entry that
close, so N copies of an entry give one finding per phrasing, not one per pair.

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
from dataclasses import dataclass, field
from typing import Any

from replykit.errors import counted
from replykit.kb.model import Phrasing
from replykit.lint.context import LintContext
from replykit.lint.rule import Option, Rule, Violation, fraction
from replykit.matching.normalize import normalize
from replykit.matching.tokenize import word_terms


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    margin = ctx.matcher.settings.min_margin
    reported: set[tuple[str, str, str]] = set()
    for locale, groups in sorted(_candidates(ctx, options["similarity"]).items()):
        for group in groups:
            own_entry, phrasing = group.members[0]
            rivals = {entry: other for entry, other in reversed(group.rival_phrasings()) if entry != own_entry}
            if not rivals:
                continue
            # One ranking per distinct phrasing, however many entries share or resemble it.
            ranked = ctx.matcher.suggest(phrasing.text, locale=locale, top=len(rivals) + 5).matches
            scores = {m.id: m.score for m in ranked}
            own = scores.get(own_entry, 0.0)
            close = [
                entry for entry in sorted(rivals, key=lambda e: (-scores.get(e, 0.0), e))
                if scores.get(entry, 0.0) >= own - margin and _pair(locale, own_entry, entry) not in reported
            ]
            if not close:
                continue
            reported.update(_pair(locale, own_entry, entry) for entry in close)
            yield Violation(phrasing.position, _message(locale, own_entry, phrasing, close, rivals, scores, own),
                            (own_entry, *close))


def _pair(locale: str, a: str, b: str) -> tuple[str, str, str]:
    return (locale, a, b) if a < b else (locale, b, a)


def _message(
    locale: str,
    own_entry: str,
    phrasing: Phrasing,
    close: list[str],
    rivals: Mapping[str, Phrasing],
    scores: Mapping[str, float],
    own: float,
) -> str:
    first = close[0]
    more = ""
    if len(close) > 1:
        shown = ", ".join(f"'{e}'" for e in close[1:MAX_NAMED])
        rest = len(close) - MAX_NAMED
        shown += f" and {rest} more" if rest > 0 else ""
        more = f" and {counted(len(close) - 1, 'other entry', 'other entries')} ({shown})"
    reword = "reword one" if len(close) == 1 else "reword them"
    return (
        f"{locale} phrasing '{phrasing.text}' of '{own_entry}' is as close to '{first}'"
        f" ('{rivals[first].text}'){more}: suggest scores {own_entry} {own:.2f}, {first} {scores.get(first, 0.0):.2f};"
        f" {reword} so the entries can be told apart"
    )


#: Entries named in one finding; the rest are counted.
MAX_NAMED = 5


@dataclass
class _Group:
    """Phrasings of one locale with the same words (copies of each other), and the groups alike."""

    terms: frozenset[str]
    members: list[tuple[str, Phrasing]] = field(default_factory=list)
    alike: list[_Group] = field(default_factory=list)

    def rival_phrasings(self) -> list[tuple[str, Phrasing]]:
        """(entry, phrasing) of every other phrasing that shares or resembles this one's words."""
        out = list(self.members[1:])
        for other in self.alike:
            out.extend(other.members)
        return out


#: Up to this many phrasings per locale, every pair that may be alike is compared.
EXACT_JOIN_LIMIT = 5000
#: Beyond it, each phrasing is compared with this many neighbours in each sort order.
NEIGHBOUR_WINDOW = 6


def _candidates(ctx: LintContext, similarity: float) -> dict[str, list[_Group]]:
    """Per locale, the groups of identical word sets with the groups whose words overlap that much.

    Copies (entries sharing phrasings) collapse into one group each: the join and the matcher then
    work per distinct phrasing, so a KB of copied entries stays near-linear.
    """
    by_locale: dict[str, dict[frozenset[str], _Group]] = defaultdict(dict)
    for entry in ctx.kb.entries.values():
        for locale, phrasings in entry.questions.items():
            same_words = by_locale[locale]
            for phrasing in phrasings:
                terms = frozenset(word_terms(normalize(phrasing.text)))
                if terms:
                    same_words.setdefault(terms, _Group(terms)).members.append((entry.id, phrasing))
    out: dict[str, list[_Group]] = {}
    for locale, by_terms in by_locale.items():
        groups = list(by_terms.values())
        for group in groups:
            group.members.sort(key=lambda m: (m[1].file, m[1].line, m[1].column))
        frequency: Counter[str] = Counter(term for group in groups for term in group.terms)
        ordered = [sorted(group.terms, key=lambda t: (frequency[t], t)) for group in groups]
        exact = len(groups) <= EXACT_JOIN_LIMIT
        for i, j in _prefix_join(ordered, similarity) if exact else _neighbours(ordered):
            a, b = groups[i], groups[j]
            shared = len(a.terms & b.terms)
            if shared >= similarity * (len(a.terms) + len(b.terms) - shared):  # Jaccard, without the union
                a.alike.append(b)
                b.alike.append(a)
        out[locale] = sorted(groups, key=lambda g: (g.members[0][1].file, g.members[0][1].line))
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
