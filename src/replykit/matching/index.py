"""The search index: every phrasing of the KB as weighted term vectors, built once per KB content.

Term weights are learned from the KB itself: a term's inverse document frequency counts the
*entries* that use it, so words shared by many entries ("my", "order", "please") weigh little and
words that single an entry out weigh much. Each phrasing gets a word vector and a character
n-gram vector; each (entry, locale) also gets a centroid, the normalised sum of its phrasings,
so that an entry asked about in words spread over several phrasings still scores.

With the meaning table (:mod:`replykit.matching.semantic`), each entry also gets a meaning vector:
the normalised sum of its phrasings' normalised embeddings (all locales), computed here once so
that a question only reads its own pieces' vectors.

Building costs time on big KBs, so the index is stored in the cache folder under the KB's
fingerprint (:func:`save_index`): a KB whose files did not change never rebuilds it. Inverted lists
are flat typed arrays, memory-mapped when read back, so a question touches only the pages of the
terms it asks about.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from replykit import cache
from replykit.kb.loader import entries_key
from replykit.kb.model import KnowledgeBase
from replykit.matching.normalize import normalize
from replykit.matching.semantic import Embedder
from replykit.matching.tokenize import MIN_TYPO_LENGTH, char_terms, is_spaced_word, language_words, run_terms

#: Bump when the index layout or weighting changes, so old cache files are ignored.
INDEX_FORMAT = 7

Vector = dict[str, float]


@dataclass
class PostingTable:
    """Term -> (IDF, inverted list of (item, weight)), stored as flat arrays.

    ``slots`` maps a term to its row; row ``r`` owns ``items[starts[r]:starts[r + 1]]``.
    """

    slots: Mapping[str, int]
    idf: Sequence[float]
    starts: Sequence[int]
    items: Sequence[int]
    weights: Sequence[float]

    @classmethod
    def build(cls, idf: dict[str, float], lists: Mapping[str, tuple[Sequence[int], Sequence[float]]]) -> PostingTable:
        terms = sorted(idf)
        slots = {term: slot for slot, term in enumerate(terms)}
        starts: array[int] = array("q", [0])
        items: array[int] = array("i")
        weights: array[float] = array("f")
        empty: tuple[Sequence[int], Sequence[float]] = ((), ())
        for term in terms:
            ids, xs = lists.get(term, empty)
            items.extend(ids)
            weights.extend(xs)
            starts.append(len(items))
        return cls(slots, array("d", [idf[t] for t in terms]), starts, items, weights)

    def idf_of(self, term: str) -> float | None:
        slot = self.slots.get(term)
        return None if slot is None else self.idf[slot]

    def length(self, slot: int) -> int:
        return self.starts[slot + 1] - self.starts[slot]

    def postings(self, slot: int) -> Iterator[tuple[int, float]]:
        start, end = self.starts[slot], self.starts[slot + 1]
        return zip(self.items[start:end], self.weights[start:end], strict=True)


def weigh(terms: Iterable[str], table: PostingTable, unknown_idf: float) -> Vector:
    """Sublinear TF x IDF, L2-normalised; terms the KB never uses get the highest weight."""
    vec: Vector = {}
    for term, count in Counter(terms).items():
        idf = table.idf_of(term)
        vec[term] = (1.0 + math.log(count)) * (unknown_idf if idf is None else idf)
    return normalized(vec)


def _weigh_known(terms: Iterable[str], idf: dict[str, float]) -> Vector:
    """:func:`weigh` for KB text, whose terms all have an IDF (the fast path of the build)."""
    counts = Counter(terms)
    vec = {t: idf[t] if c == 1 else (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
    return normalized(vec)


def normalized(vec: Vector) -> Vector:
    length = math.sqrt(sum(x * x for x in vec.values()))
    return {t: x / length for t, x in vec.items()} if length else {}


@dataclass
class SearchIndex:
    """Phrasing vectors and (entry, locale) centroids as inverted lists over words and char n-grams."""

    fingerprint: str
    entry_ids: list[str]
    #: Per phrasing: owning (entry, locale) group, locale, text as written.
    doc_group: Sequence[int]
    doc_locale: Sequence[str]
    doc_text: Sequence[str]
    #: Per (entry, locale) group: owning entry (index into entry_ids) and locale.
    group_entry: Sequence[int]
    group_locale: list[str]
    unknown_idf: float
    words: PostingTable
    chars: PostingTable
    word_centroids: PostingTable
    char_centroids: PostingTable
    #: Spaced-script words of the KB as written (not stemmed), for typo repair with rapidfuzz.
    vocabulary: list[str] = field(default_factory=list)
    #: The same per language of the phrasings they come from.
    vocabulary_by_language: dict[str, list[str]] = field(default_factory=dict)
    #: Identity of the embedding model the entry vectors come from (None: built without one).
    semantic_key: str | None = None
    #: Per entry, its meaning vector (``vector_dim`` floats each, all zero for an entry without text).
    entry_vectors: Sequence[float] = field(default_factory=lambda: array("f"))
    vector_dim: int = 0

    def entry_vector(self, entry: int) -> Sequence[float]:
        dim = self.vector_dim
        return self.entry_vectors[entry * dim : (entry + 1) * dim]

    @property
    def size(self) -> int:
        return len(self.doc_text)

    def word_vector(self, terms: Iterable[str]) -> Vector:
        return weigh(terms, self.words, self.unknown_idf)

    def char_vector(self, text: str) -> Vector:
        return weigh(char_terms(text), self.chars, self.unknown_idf)


def _entry_idf(entries_using: Mapping[str, int], n_entries: int) -> dict[str, float]:
    return {t: math.log(1.0 + n_entries / count) for t, count in entries_using.items()}


def entry_vectors(kb: KnowledgeBase, entry_ids: list[str], embedder: Embedder) -> array[float]:
    """Each entry's meaning vector, flat: the normalised sum of its phrasings' normalised
    embeddings, all locales together (pure Python: a piece's row is read once, a phrasing is a
    sum over a few rows)."""
    dim = embedder.dim
    out: array[float] = array("f")
    zero = [0.0] * dim
    for entry_id in entry_ids:
        total = zero
        for phrasings in kb.entries[entry_id].questions.values():
            for phrasing in phrasings:
                vector = embedder.embed(phrasing.text)
                total = list(map(operator.add, total, vector))
        length = math.hypot(*total)
        if length:
            total = [x / length for x in total]
        out.extend(total)
    return out


Postings: TypeAlias = "dict[str, tuple[array[int], array[float]]]"


def build_index(kb: KnowledgeBase, embedder: Embedder | None = None) -> SearchIndex:
    """Index every phrasing of every entry; IDF counts entries, not phrasings.

    Memory is what limits a big KB (125,000 phrasings): terms are interned (a char n-gram is one
    string however many phrasings hold it), postings go straight into typed arrays, and a group's
    centroid is finished as soon as its last phrasing is weighed.
    """
    entry_ids = sorted(kb.entries)
    doc_group: array[int] = array("i")
    doc_locale: list[str] = []
    doc_text: list[str] = []
    doc_terms: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    group_entry: array[int] = array("i")
    group_locale: list[str] = []
    raw_words: dict[str, set[str]] = defaultdict(set)
    word_df: Counter[str] = Counter()  # term -> entries using it
    char_df: Counter[str] = Counter()
    intern = sys.intern
    # char_terms' LRU cache would keep 65,536 phrasings' n-grams alive (non-interned) for nothing.
    uncached_char_terms = getattr(char_terms, "__wrapped__", char_terms)
    for e, entry_id in enumerate(entry_ids):
        entry_words: set[str] = set()
        entry_chars: set[str] = set()
        for locale, phrasings in kb.entries[entry_id].questions.items():
            if not phrasings:
                continue
            group = len(group_entry)
            group_entry.append(e)
            group_locale.append(locale)
            for phrasing in phrasings:
                norm = normalize(phrasing.text)
                runs = language_words(norm, locale)
                raw_words[locale.split("_", 1)[0]].update(runs)
                terms = tuple(map(intern, run_terms(runs, locale)))
                chars = tuple(map(intern, uncached_char_terms(norm)))
                doc_group.append(group)
                doc_locale.append(locale)
                doc_text.append(phrasing.text)
                doc_terms.append((terms, chars))
                entry_words.update(terms)
                entry_chars.update(chars)
        word_df.update(entry_words)
        char_df.update(entry_chars)
    n = max(len(entry_ids), 1)
    word_idf, char_idf = _entry_idf(word_df, n), _entry_idf(char_df, n)
    del word_df, char_df
    unknown_idf = math.log(1.0 + 2.0 * n)

    word_lists: Postings = {}
    char_lists: Postings = {}
    word_centroids: Postings = {}
    char_centroids: Postings = {}
    word_sum: Vector = {}
    char_sum: Vector = {}

    def finish_group(g: int) -> None:
        for sums, centroids in ((word_sum, word_centroids), (char_sum, char_centroids)):
            find = centroids.get
            for t, x in normalized(sums).items():
                found = find(t)
                if found is None:
                    found = centroids[t] = (array("i"), array("f"))
                found[0].append(g)
                found[1].append(x)
            sums.clear()

    current = 0
    no_terms: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    for d in range(len(doc_terms)):
        terms, chars = doc_terms[d]
        doc_terms[d] = no_terms  # freed as its postings are made: the two never peak together
        g = doc_group[d]
        if g != current:  # a group's phrasings are contiguous: the previous group is complete
            finish_group(current)
            current = g
        for vec, lists, sums in (
            (_weigh_known(terms, word_idf), word_lists, word_sum),
            (_weigh_known(chars, char_idf), char_lists, char_sum),
        ):
            get, find = sums.get, lists.get
            for t, x in vec.items():
                found = find(t)  # inline: a call per posting costs a second on a big KB
                if found is None:
                    found = lists[t] = (array("i"), array("f"))
                found[0].append(d)
                found[1].append(x)
                sums[t] = get(t, 0.0) + x
    if doc_terms:
        finish_group(current)
    del doc_terms
    by_language = {
        language: sorted(w for w in found if len(w) >= MIN_TYPO_LENGTH and is_spaced_word(w))
        for language, found in raw_words.items()
    }
    vectors = entry_vectors(kb, entry_ids, embedder) if embedder is not None else None
    tables = {}
    for name, idf, lists in (
        ("words", word_idf, word_lists), ("chars", char_idf, char_lists),
        ("word_centroids", word_idf, word_centroids), ("char_centroids", char_idf, char_centroids),
    ):
        tables[name] = PostingTable.build(idf, lists)
        lists.clear()  # each table's per-term arrays go as soon as its flat arrays exist
    return SearchIndex(
        fingerprint=kb.fingerprint,
        entry_ids=entry_ids,
        doc_group=doc_group,
        doc_locale=doc_locale,
        doc_text=doc_text,
        group_entry=group_entry,
        group_locale=group_locale,
        unknown_idf=unknown_idf,
        **tables,
        vocabulary=sorted({w for language_words in by_language.values() for w in language_words}),
        vocabulary_by_language=by_language,
        semantic_key=embedder.key if embedder is not None and vectors is not None else None,
        entry_vectors=vectors if vectors is not None else array("f"),
        vector_dim=embedder.dim if embedder is not None and vectors is not None else 0,
    )


def index_cache_file(key: str) -> Path | None:
    """Where the index of the KB with this :func:`~replykit.kb.loader.entries_key` is cached (None:
    caching is off). Not the KB's fingerprint: a template or locale edit keeps the index."""
    return cache.cache_file("index", key, fmt=INDEX_FORMAT, suffix="bundle")


_TABLES = ("words", "chars", "word_centroids", "char_centroids")
#: Tables sharing one term list (a centroid table is built over its phrasing table's IDF).
_TERMS_OF = {
    "words": "word_terms", "word_centroids": "word_terms", "chars": "char_terms", "char_centroids": "char_terms",
}


class StoredTerms(Mapping[str, int]):
    """Term -> slot of a stored table, found by binary search in the memory-mapped sorted term list
    (a slot is a term's rank in ``sorted``): no dict of 300,000 terms to build per question."""

    __slots__ = ("_table",)

    def __init__(self, table: cache.TextTable) -> None:
        self._table = table

    def get(self, term: str, default: Any = None) -> Any:
        found = self._table.find(term)
        return default if found is None else found

    def __getitem__(self, term: str) -> int:
        found = self._table.find(term)
        if found is None:
            raise KeyError(term)
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._table.find(term) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def save_index(index: SearchIndex, key: str) -> None:
    """Store the index as flat arrays and string tables (no pickle: reading it cannot run code)."""
    path = index_cache_file(key)
    if path is None:
        return
    arrays: dict[str, object] = {
        "doc_group": index.doc_group, "group_entry": index.group_entry, "entry_vectors": index.entry_vectors,
    }
    texts: dict[str, Sequence[str]] = {
        "entry_ids": index.entry_ids, "group_locale": index.group_locale, "vocabulary": index.vocabulary,
    }
    tables: dict[str, Sequence[str]] = {"doc_locale": index.doc_locale, "doc_text": index.doc_text}
    for name in _TABLES:
        table: PostingTable = getattr(index, name)
        if _TERMS_OF[name] not in tables:
            terms = list(table.slots)
            if any(table.slots[t] != i for i, t in enumerate(terms)) or terms != sorted(terms):
                return  # slots are not sorted ranks: StoredTerms could not find them (a bug of ours)
            tables[_TERMS_OF[name]] = terms
        arrays.update({f"{name}.idf": table.idf, f"{name}.starts": table.starts, f"{name}.items": table.items,
                       f"{name}.weights": table.weights})
    for language, words in index.vocabulary_by_language.items():
        texts[f"vocabulary.{language}"] = words
    meta = {
        "unknown_idf": index.unknown_idf, "semantic_key": index.semantic_key,
        "vector_dim": index.vector_dim, "languages": sorted(index.vocabulary_by_language),
    }
    cache.write_bundle(path, meta, arrays, texts, tables)


def restore_index(key: str, fingerprint: str) -> SearchIndex | None:
    """The stored index of these entries, its arrays memory-mapped, for the KB of ``fingerprint``;
    None when missing or damaged."""
    bundle = cache.read_bundle(index_cache_file(key))
    if bundle is None:
        return None
    try:
        meta, arrays, texts, stored = bundle.meta, bundle.arrays, bundle.texts, bundle.tables
        tables = {}
        for name in _TABLES:
            table = PostingTable(
                StoredTerms(stored[_TERMS_OF[name]]), arrays[f"{name}.idf"], arrays[f"{name}.starts"],
                arrays[f"{name}.items"], arrays[f"{name}.weights"],
            )
            rows = len(table.slots)
            if len(table.idf) != rows or len(table.starts) != rows + 1 or table.starts[-1] != len(table.items):
                return None
            if len(table.weights) != len(table.items):
                return None
            tables[name] = table
        index = SearchIndex(
            fingerprint=fingerprint,
            entry_ids=texts["entry_ids"],
            doc_group=arrays["doc_group"],
            doc_locale=stored["doc_locale"],
            doc_text=stored["doc_text"],
            group_entry=arrays["group_entry"],
            group_locale=texts["group_locale"],
            unknown_idf=float(meta["unknown_idf"]),
            vocabulary=texts["vocabulary"],
            vocabulary_by_language={language: texts[f"vocabulary.{language}"] for language in meta["languages"]},
            semantic_key=meta["semantic_key"],
            entry_vectors=arrays["entry_vectors"],
            vector_dim=int(meta["vector_dim"]),
            **tables,
        )
    except (KeyError, TypeError, ValueError):
        return None
    docs, groups = len(index.doc_text), len(index.group_locale)
    if len(index.doc_group) != docs or len(index.doc_locale) != docs:
        return None
    if len(index.group_entry) != groups or len(index.entry_vectors) != len(index.entry_ids) * index.vector_dim:
        return None
    return index


def load_index(kb: KnowledgeBase, *, use_cache: bool = True, embedder: Embedder | None = None) -> SearchIndex:
    """The KB's index from the on-disk cache, or built (and cached) when missing or stale.

    With an ``embedder``, an index without entry vectors from that very model is stale too.
    """
    key = entries_key(kb)
    if use_cache:
        cached = restore_index(key, kb.fingerprint)
        if cached is not None and (embedder is None or cached.semantic_key == embedder.key):
            return cached
    index = build_index(kb, embedder)
    if use_cache:
        save_index(index, key)
    return index
