"""The search index: every phrasing of the KB as weighted term vectors, built once per KB content.

Term weights are learned from the KB itself: a term's inverse document frequency counts the
*entries* that use it, so words shared by many entries ("my", "order", "please") weigh little and
words that single an entry out weigh much. Each phrasing gets a word vector and a character
n-gram vector; each (entry, locale) also gets a centroid, the normalised sum of its phrasings,
so that an entry asked about in words spread over several phrasings still scores.

Building costs time on big KBs, so the index is pickled into the cache folder under the KB's
fingerprint: a KB whose files did not change never rebuilds it.
"""

from __future__ import annotations

import contextlib
import math
import pickle
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from replykit.kb.loader import cache_dir, write_atomic
from replykit.kb.model import KnowledgeBase
from replykit.matching.normalize import normalize
from replykit.matching.tokenize import MIN_TYPO_LENGTH, char_terms, is_spaced_word, word_terms

#: Bump when the index layout or weighting changes, so old cache files are ignored.
INDEX_FORMAT = 1

Vector = dict[str, float]
Postings = dict[str, list[tuple[int, float]]]


@dataclass
class SearchIndex:
    """Phrasing vectors, centroids and inverted lists over both channels (words, char n-grams)."""

    fingerprint: str
    entry_ids: list[str]
    #: Per phrasing: owning entry (index into entry_ids), locale, text as written.
    doc_entry: list[int]
    doc_locale: list[str]
    doc_text: list[str]
    doc_group: list[int]
    #: Per (entry, locale) group: owning entry and locale.
    group_entry: list[int]
    group_locale: list[str]
    word_idf: dict[str, float]
    char_idf: dict[str, float]
    unknown_idf: float
    word_postings: Postings
    char_postings: Postings
    word_centroids: Postings
    char_centroids: Postings
    #: Spaced-script words of the KB, for typo repair with rapidfuzz.
    vocabulary: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.doc_text)

    def word_vector(self, text: str) -> Vector:
        return weigh(word_terms(text), self.word_idf, self.unknown_idf)

    def word_vector_from_terms(self, terms: Iterable[str]) -> Vector:
        return weigh(terms, self.word_idf, self.unknown_idf)

    def char_vector(self, text: str) -> Vector:
        return weigh(char_terms(text), self.char_idf, self.unknown_idf)


def weigh(terms: Iterable[str], idf: Mapping[str, float], unknown_idf: float) -> Vector:
    """Sublinear TF x IDF, L2-normalised; terms the KB never uses get the highest weight."""
    counts = Counter(terms)
    vec = {t: (1.0 + math.log(c)) * idf.get(t, unknown_idf) for t, c in counts.items()}
    return normalized(vec)


def normalized(vec: Vector) -> Vector:
    length = math.sqrt(sum(x * x for x in vec.values()))
    return {t: x / length for t, x in vec.items()} if length else {}


def _idf(term_entries: Mapping[str, set[int]], n_entries: int) -> dict[str, float]:
    return {t: math.log(1.0 + n_entries / len(ids)) for t, ids in term_entries.items()}


def build_index(kb: KnowledgeBase) -> SearchIndex:
    """Index every phrasing of every entry; IDF counts entries, not phrasings."""
    entry_ids = sorted(kb.entries)
    doc_entry: list[int] = []
    doc_locale: list[str] = []
    doc_text: list[str] = []
    doc_words: list[tuple[str, ...]] = []
    doc_chars: list[tuple[str, ...]] = []
    word_entries: dict[str, set[int]] = defaultdict(set)
    char_entries: dict[str, set[int]] = defaultdict(set)
    for e, entry_id in enumerate(entry_ids):
        for locale, phrasings in kb.entries[entry_id].questions.items():
            for phrasing in phrasings:
                norm = normalize(phrasing.text)
                words, chars = word_terms(norm), char_terms(norm)
                doc_entry.append(e)
                doc_locale.append(locale)
                doc_text.append(phrasing.text)
                doc_words.append(words)
                doc_chars.append(chars)
                for t in words:
                    word_entries[t].add(e)
                for t in chars:
                    char_entries[t].add(e)
    n = max(len(entry_ids), 1)
    word_idf, char_idf = _idf(word_entries, n), _idf(char_entries, n)
    unknown_idf = math.log(1.0 + 2.0 * n)

    groups: dict[tuple[int, str], int] = {}
    doc_group: list[int] = []
    group_entry: list[int] = []
    group_locale: list[str] = []
    word_sums: list[Vector] = []
    char_sums: list[Vector] = []
    word_postings: Postings = defaultdict(list)
    char_postings: Postings = defaultdict(list)
    for d, (words, chars) in enumerate(zip(doc_words, doc_chars, strict=True)):
        key = (doc_entry[d], doc_locale[d])
        g = groups.get(key)
        if g is None:
            g = groups[key] = len(group_entry)
            group_entry.append(key[0])
            group_locale.append(key[1])
            word_sums.append({})
            char_sums.append({})
        doc_group.append(g)
        for vec, postings, sums in (
            (weigh(words, word_idf, unknown_idf), word_postings, word_sums[g]),
            (weigh(chars, char_idf, unknown_idf), char_postings, char_sums[g]),
        ):
            for t, x in vec.items():
                postings[t].append((d, x))
                sums[t] = sums.get(t, 0.0) + x
    word_centroids: Postings = defaultdict(list)
    char_centroids: Postings = defaultdict(list)
    for g in range(len(group_entry)):
        for t, x in normalized(word_sums[g]).items():
            word_centroids[t].append((g, x))
        for t, x in normalized(char_sums[g]).items():
            char_centroids[t].append((g, x))
    vocabulary = sorted(t for t in word_idf if len(t) >= MIN_TYPO_LENGTH and is_spaced_word(t))
    return SearchIndex(
        fingerprint=kb.fingerprint,
        entry_ids=entry_ids,
        doc_entry=doc_entry,
        doc_locale=doc_locale,
        doc_text=doc_text,
        doc_group=doc_group,
        group_entry=group_entry,
        group_locale=group_locale,
        word_idf=word_idf,
        char_idf=char_idf,
        unknown_idf=unknown_idf,
        word_postings=dict(word_postings),
        char_postings=dict(char_postings),
        word_centroids=dict(word_centroids),
        char_centroids=dict(char_centroids),
        vocabulary=vocabulary,
    )


def _cache_file(fingerprint: str) -> Path:
    return cache_dir() / f"index-{INDEX_FORMAT}-{fingerprint}.pickle"


def load_index(kb: KnowledgeBase, *, use_cache: bool = True) -> SearchIndex:
    """The KB's index from the on-disk cache, or built (and cached) when missing or stale."""
    path = _cache_file(kb.fingerprint)
    if use_cache:
        try:
            with open(path, "rb") as f:
                cached = pickle.load(f)
            if isinstance(cached, SearchIndex) and cached.fingerprint == kb.fingerprint:
                return cached
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass
    index = build_index(kb)
    if use_cache:
        with contextlib.suppress(OSError):  # a read-only cache folder only costs speed
            write_atomic(path, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    return index
