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

import bisect
import contextlib
import hashlib
import marshal
import math
import operator
import os
import sys
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, TypeAlias

from replykit import cache
from replykit.kb.loader import folder_key
from replykit.kb.model import KnowledgeBase
from replykit.kb.stored import DIGEST_SIZE, questions_digests
from replykit.matching.normalize import normalize
from replykit.matching.semantic import Embedder
from replykit.matching.tokenize import MIN_TYPO_LENGTH, char_terms, is_spaced_word, language_words, run_terms

#: Bump when the index layout, tokenisation or weighting changes, so old cache files are ignored
#: (and never spliced into: :func:`update_index` trusts the stored index's weights).
#: 8: keyed by the entries' questions, each entry's questions digest stored for incremental updates.
INDEX_FORMAT = 8

#: Whose output the index stores besides replykit's: the Snowball stems of its word terms.
INDEX_DEPENDENCIES = ("PyStemmer",)

Vector = dict[str, float]

#: From this many entries to embed, a build computes the meaning vectors in a second process.
BACKGROUND_ENTRIES = 500

#: From this many (entry, locale) groups, a build weighs and posts half of them in a second process.
SPLIT_GROUPS = 2000


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
    def build(cls, idf: dict[str, float], lists: _Lists, tail: _FlatLists | None = None) -> PostingTable:
        """The flat table of ``lists``; a term's postings in ``tail`` (the higher items, made by
        another process) follow its own, so the rows are what one process posting all gives."""
        terms = sorted(idf)
        slots = ranks(terms)
        starts: array[int] = array("q", [0])
        items: array[int] = array("i")
        weights: array[float] = array("f")
        empty: tuple[Sequence[int], Sequence[float]] = ((), ())
        if tail is None:
            for term in terms:
                ids, xs = lists.get(term, empty)
                items.extend(ids)
                weights.extend(xs)
                starts.append(len(items))
        else:
            tail_terms, tail_starts, tail_items, tail_weights = tail.terms, tail.starts, tail.items, tail.weights
            j, more = 0, len(tail_terms)
            for term in terms:
                ids, xs = lists.get(term, empty)
                items.extend(ids)
                weights.extend(xs)
                if j < more and tail_terms[j] == term:
                    a, b = 4 * tail_starts[j], 4 * tail_starts[j + 1]
                    items.frombytes(tail_items[a:b])
                    weights.frombytes(tail_weights[a:b])
                    j += 1
                starts.append(len(items))
            if j != more:
                raise ValueError("the second process posted terms the KB does not have")
        return cls(slots, array("d", [idf[t] for t in terms]), starts, items, weights)

    def idf_of(self, term: str) -> float | None:
        slot = self.slots.get(term)
        return None if slot is None else self.idf[slot]

    def length(self, slot: int) -> int:
        return self.starts[slot + 1] - self.starts[slot]

    def postings(self, slot: int) -> Iterator[tuple[int, float]]:
        start, end = self.starts[slot], self.starts[slot + 1]
        return zip(self.items[start:end], self.weights[start:end], strict=True)


def ranks(terms: Sequence[str]) -> dict[str, int]:
    """Each term's position in a sorted term list (its slot)."""
    return dict(zip(terms, range(len(terms)), strict=True))


def weigh(terms: Iterable[str], table: PostingTable, unknown_idf: float) -> Vector:
    """Sublinear TF x IDF, L2-normalised; terms the KB never uses get the highest weight."""
    vec: Vector = {}
    for term, count in Counter(terms).items():
        idf = table.idf_of(term)
        vec[term] = (1.0 + math.log(count)) * (unknown_idf if idf is None else idf)
    return normalized(vec)


def _weigh_known(terms: Sequence[str], idf: Mapping[str, float]) -> Vector:
    """:func:`weigh` for KB text, whose terms all have an IDF (the fast path of the build: the same
    arithmetic in the same order, with the loops in C where a term occurs once)."""
    counts = Counter(terms)
    keys = list(counts)
    if len(keys) == len(terms):
        values = list(map(idf.__getitem__, keys))
    else:
        values = [idf[t] if c == 1 else (1.0 + math.log(c)) * idf[t] for t, c in counts.items()]
    length = math.sqrt(sum(map(operator.mul, values, values)))
    return dict(zip(keys, map(operator.truediv, values, repeat(length)), strict=True)) if length else {}


def normalized(vec: Vector) -> Vector:
    values = list(vec.values())
    length = math.sqrt(sum(map(operator.mul, values, values)))
    return dict(zip(vec, map(operator.truediv, values, repeat(length)), strict=True)) if length else {}


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


def entry_vectors(
    kb: KnowledgeBase, entry_ids: list[str], embedder: Embedder, known: Mapping[str, Sequence[float]] | None = None
) -> array[float]:
    """Each entry's meaning vector, flat: the normalised sum of its phrasings' normalised
    embeddings, all locales together (pure Python: a piece's row is read once, a phrasing is a
    sum over a few rows). ``known`` rows (from an earlier index, same questions) are copied."""
    dim = embedder.dim
    out: array[float] = array("f")
    zero = [0.0] * dim
    for entry_id in entry_ids:
        row = known.get(entry_id) if known is not None else None
        if row is not None:
            out.extend(row)
            continue
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


class _MeaningInBackground:
    """The entries' meaning vectors computed by a forked child while this process weighs the terms:
    the two halves of a build are independent, and a machine has a second core more often than not.
    Where there is no fork (or it fails), they are computed here when asked for."""

    def __init__(
        self, kb: KnowledgeBase, entry_ids: list[str], embedder: Embedder,
        known: Mapping[str, Sequence[float]] | None, background_from: int | None,
    ) -> None:
        self.kb, self.entry_ids, self.embedder, self.known = kb, entry_ids, embedder, known
        self.child: tuple[int, int] | None = None
        todo = sum(1 for e in entry_ids if known is None or e not in known)
        if background_from is None or todo < background_from or not hasattr(os, "fork"):
            return
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, hand the floats over, leave without running the parent's exit code
            code = 1
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    out.write(entry_vectors(kb, entry_ids, embedder, known).tobytes())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.child = (pid, read)

    def result(self) -> array[float]:
        if self.child is not None:
            pid, read = self.child
            self.child = None
            with os.fdopen(read, "rb") as f:
                data = f.read()
            _, status = os.waitpid(pid, 0)
            vectors: array[float] = array("f")
            if os.waitstatus_to_exitcode(status) == 0 and len(data) == 4 * len(self.entry_ids) * self.embedder.dim:
                vectors.frombytes(data)
                return vectors
        return entry_vectors(self.kb, self.entry_ids, self.embedder, self.known)


def phrasing_terms(text: str, locale: str) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """What the index reads of one phrasing: its word terms, its char n-grams, and its words as
    written (for typo repair). Interned: a term is one string however many phrasings hold it."""
    norm = normalize(text)
    runs = language_words(norm, locale)
    intern = sys.intern
    # char_terms' LRU cache would keep 65,536 phrasings' n-grams alive (non-interned) for nothing.
    chars = getattr(char_terms, "__wrapped__", char_terms)(norm)
    return tuple(map(intern, run_terms(runs, locale))), tuple(map(intern, chars)), runs


def _typo_words(runs: Iterable[str]) -> set[str]:
    """The words typo repair may offer (spaced scripts, long enough)."""
    return {w for w in runs if len(w) >= MIN_TYPO_LENGTH and is_spaced_word(w)}


def _weigh_group(docs: Sequence[tuple[str, ...]], idf: Mapping[str, float]) -> tuple[list[Vector], Vector]:
    """A group's phrasing vectors and its centroid (the normalised sum of them, summed in phrasing
    order): the one computation a fresh build and an incremental update share."""
    vectors: list[Vector] = []
    sums: Vector = {}
    get = sums.get
    for terms in docs:
        vec = _weigh_known(terms, idf)
        vectors.append(vec)
        for t, x in vec.items():
            sums[t] = get(t, 0.0) + x
    return vectors, normalized(sums)




def build_index(
    kb: KnowledgeBase, embedder: Embedder | None = None, known_vectors: Mapping[str, Sequence[float]] | None = None,
    *, background_from: int | None = BACKGROUND_ENTRIES, split_from: int | None = SPLIT_GROUPS,
) -> SearchIndex:
    """Index every phrasing of every entry; IDF counts entries, not phrasings.

    Memory is what limits a big KB (125,000 phrasings): terms are interned (a char n-gram is one
    string however many phrasings hold it), postings go straight into typed arrays, and a group's
    phrasings are freed as soon as its postings are made. ``known_vectors``: meaning vectors of
    entries whose questions an earlier index already embedded. From ``background_from`` entries to
    embed (None: never), the meaning vectors are computed in a second process meanwhile; from
    ``split_from`` (entry, locale) groups (None: never), the second half of the groups is weighed
    and posted in another one (:class:`_HalfInBackground`).
    """
    entry_ids = sorted(kb.entries)
    meaning = None
    if embedder is not None:
        meaning = _MeaningInBackground(kb, entry_ids, embedder, known_vectors, background_from)
    doc_group: array[int] = array("i")
    doc_locale: list[str] = []
    doc_text: list[str] = []
    group_entry: array[int] = array("i")
    group_locale: list[str] = []
    entry_groups: list[int] = [0]  # entry e owns groups entry_groups[e]:entry_groups[e + 1]
    for e, entry_id in enumerate(entry_ids):
        for locale, phrasings in kb.entries[entry_id].questions.items():
            if not phrasings:
                continue
            group = len(group_entry)
            group_entry.append(e)
            group_locale.append(locale)
            for phrasing in phrasings:
                doc_group.append(group)
                doc_locale.append(locale)
                doc_text.append(phrasing.text)
        entry_groups.append(len(group_entry))
    half = _HalfInBackground(kb, entry_ids, entry_groups, len(doc_group), split_from)
    terms = _Terms(kb, entry_ids, range(half.first_entry))
    word_df, char_df, raw_words = half.counts(terms)
    n = max(len(entry_ids), 1)
    word_idf, char_idf = _entry_idf(word_df, n), _entry_idf(char_df, n)
    del word_df, char_df
    unknown_idf = math.log(1.0 + 2.0 * n)

    lists = {name: _Lists() for name in _TABLES}
    idfs = (word_idf, char_idf)
    _post_groups(terms.group_docs, 0, 0, idfs, lists)
    del terms
    tails = half.result(idfs, lists)
    by_language = {language: sorted(_typo_words(found)) for language, found in raw_words.items()}
    vectors = meaning.result() if meaning is not None else None
    tables = {}
    for name in _TABLES:
        idf = word_idf if _TERMS_OF[name] == "word_terms" else char_idf
        tables[name] = PostingTable.build(idf, lists[name], tails.get(name))
        lists[name].clear()  # each table's per-term arrays go as soon as its flat arrays exist
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
        vocabulary=_vocabulary(by_language),
        vocabulary_by_language=by_language,
        semantic_key=embedder.key if embedder is not None and vectors is not None else None,
        entry_vectors=vectors if vectors is not None else array("f"),
        vector_dim=embedder.dim if embedder is not None and vectors is not None else 0,
    )


_GroupDocs: TypeAlias = list[list[tuple[tuple[str, ...], tuple[str, ...]]]]


def _post_groups(group_docs: _GroupDocs, g: int, d: int, idfs: tuple[Mapping[str, float], Mapping[str, float]],
                 lists: Mapping[str, _Lists]) -> None:
    """Weigh and post the groups of ``group_docs``, numbered from ``g`` (their phrasings from ``d``);
    a group's terms are freed as soon as its postings are made: the two never peak together."""
    for k, docs in enumerate(group_docs):
        group_docs[k] = []
        for side, at in ((0, "words"), (1, "chars")):
            phrasing_vectors, centroid = _weigh_group([doc[side] for doc in docs], idfs[side])
            for i, vec in enumerate(phrasing_vectors):
                _post(lists[at], d + i, vec)
            _post(lists[_CENTROIDS[at]], g + k, centroid)
        d += len(docs)


@dataclass
class _FlatLists:
    """One table's inverted lists as another process hands them over: sorted terms, row starts,
    and the raw bytes of the items (int32) and weights (float32)."""

    terms: list[str]
    starts: array[int]
    items: memoryview
    weights: memoryview

    @classmethod
    def of(cls, lists: _Lists) -> tuple[list[str], bytes, bytes, bytes]:
        terms = sorted(lists.items)
        starts: array[int] = array("q", [0])
        items: array[int] = array("i")
        weights: array[float] = array("f")
        for term in terms:
            items.extend(lists.items[term])
            weights.extend(lists.weights[term])
            starts.append(len(items))
        return terms, starts.tobytes(), items.tobytes(), weights.tobytes()

    @classmethod
    def read(cls, data: Any) -> _FlatLists:
        terms, starts_bytes, items, weights = data
        starts: array[int] = array("q")
        starts.frombytes(starts_bytes)
        if len(starts) != len(terms) + 1 or len(items) != len(weights) or len(items) != 4 * starts[-1]:
            raise ValueError("the second process's table is inconsistent")
        return cls(list(terms), starts, memoryview(items), memoryview(weights))


class _Terms:
    """The terms of some entries' phrasings (tokenised once), and how many of these entries use each
    term (IDF counts entries)."""

    def __init__(self, kb: KnowledgeBase, entry_ids: Sequence[str], entries: range) -> None:
        self.group_docs: _GroupDocs = []
        self.raw_words: defaultdict[str, set[str]] = defaultdict(set)
        self.word_df: Counter[str] = Counter()
        self.char_df: Counter[str] = Counter()
        for e in entries:
            entry_words: set[str] = set()
            entry_chars: set[str] = set()
            for locale, phrasings in kb.entries[entry_ids[e]].questions.items():
                if not phrasings:
                    continue
                docs = []
                for phrasing in phrasings:
                    terms, chars, runs = phrasing_terms(phrasing.text, locale)
                    self.raw_words[locale.split("_", 1)[0]].update(runs)
                    docs.append((terms, chars))
                    entry_words.update(terms)
                    entry_chars.update(chars)
                self.group_docs.append(docs)
            self.word_df.update(entry_words)
            self.char_df.update(entry_chars)


class _HalfInBackground:
    """The second half of the entries tokenised, weighed and posted by a forked child while this
    process does the first half (a big build is these pure-Python loops, and a machine has a second
    core more often than not). The two exchange their entry counts (IDF needs all of them) and each
    posts its own groups; the child's items are the higher numbers, so each term's row is this
    process's postings followed by the child's: the arrays one process gives. Where there is no
    fork, or the child fails, this process does the second half itself."""

    def __init__(self, kb: KnowledgeBase, entry_ids: Sequence[str], entry_groups: Sequence[int], docs: int,
                 split_from: int | None) -> None:
        self.kb, self.entry_ids, self.entry_groups = kb, entry_ids, entry_groups
        self.child: tuple[int, int, int] | None = None
        self.first_entry = len(entry_ids)
        self.first_doc = docs
        groups = entry_groups[-1]
        if split_from is None or groups < max(split_from, 2) or len(entry_ids) < 2 or not hasattr(os, "fork"):
            return
        half = len(entry_ids) // 2
        first_doc = docs - sum(len(p) for e in range(half, len(entry_ids))
                               for p in kb.entries[entry_ids[e]].questions.values())
        to_parent, from_child = os.pipe()
        to_child, from_parent = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (to_parent, from_child, to_child, from_parent):
                os.close(fd)
            return
        if pid == 0:  # the child: its half, from terms to flat lists; leave without the parent's exit code
            code = 1
            try:
                os.close(to_parent)
                os.close(from_parent)
                self._child(half, first_doc, os.fdopen(from_child, "wb"), os.fdopen(to_child, "rb"))
                code = 0
            finally:
                os._exit(code)
        os.close(from_child)
        os.close(to_child)
        self.child = (pid, to_parent, from_parent)
        self.first_entry, self.first_doc = half, first_doc

    def _child(self, half: int, first_doc: int, out: Any, inp: Any) -> None:
        terms = _Terms(self.kb, self.entry_ids, range(half, len(self.entry_ids)))
        marshal.dump((dict(terms.word_df), dict(terms.char_df), {k: list(v) for k, v in terms.raw_words.items()}), out)
        out.flush()
        word_df, char_df = marshal.load(inp)
        terms.word_df.update(word_df)
        terms.char_df.update(char_df)
        n = len(self.entry_ids)
        idfs = (_entry_idf(terms.word_df, n), _entry_idf(terms.char_df, n))
        group_docs = terms.group_docs
        del terms
        lists = {name: _Lists() for name in _TABLES}
        _post_groups(group_docs, self.entry_groups[half], first_doc, idfs, lists)
        for name in _TABLES:
            marshal.dump(_FlatLists.of(lists[name]), out)
            lists[name].clear()
        out.close()

    def counts(self, terms: _Terms) -> tuple[Counter[str], Counter[str], defaultdict[str, set[str]]]:
        """All entries' counts and words, given this process's ``terms``; where the child did not
        send its own, its entries are tokenised here (and then posted here: ``terms`` grows)."""
        if self.child is not None:
            _, to_parent, from_parent = self.child
            try:
                with os.fdopen(to_parent, "rb", closefd=False) as inp:
                    word_df, char_df, raw = marshal.load(inp)
            except (EOFError, ValueError, TypeError, OSError):
                self._reap()  # no counts from it: its entries are tokenised below
            else:
                try:  # this process's own counts (read the child's first: neither waits on a full pipe)
                    with os.fdopen(from_parent, "wb", closefd=False) as out:
                        marshal.dump((dict(terms.word_df), dict(terms.char_df)), out)
                except OSError:
                    self._reap()  # it died after counting: :meth:`result` posts its half here
                terms.word_df.update(word_df)
                terms.char_df.update(char_df)
                for language, words in raw.items():
                    terms.raw_words[language].update(words)
                return terms.word_df, terms.char_df, terms.raw_words
        rest = _Terms(self.kb, self.entry_ids, range(self.first_entry, len(self.entry_ids)))
        terms.group_docs.extend(rest.group_docs)
        terms.word_df.update(rest.word_df)
        terms.char_df.update(rest.char_df)
        for language, words in rest.raw_words.items():
            terms.raw_words[language].update(words)
        self.first_entry = len(self.entry_ids)
        return terms.word_df, terms.char_df, terms.raw_words

    def _reap(self) -> bool:
        """Close the pipes and wait for the child: did it succeed?"""
        if self.child is None:
            return False
        pid, to_parent, from_parent = self.child
        self.child = None
        for fd in (to_parent, from_parent):
            with contextlib.suppress(OSError):
                os.close(fd)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    def result(self, idfs: tuple[Mapping[str, float], Mapping[str, float]],
               lists: Mapping[str, _Lists]) -> dict[str, _FlatLists]:
        """The child's tables by name (empty when this process posted everything into ``lists``)."""
        if self.first_entry == len(self.entry_ids):
            return {}
        tails: dict[str, _FlatLists] = {}
        if self.child is not None:
            try:
                with os.fdopen(self.child[1], "rb", closefd=False) as f:
                    for name in _TABLES:
                        tails[name] = _FlatLists.read(marshal.load(f))
            except (EOFError, ValueError, TypeError, OSError):
                tails = {}
        if self._reap() and len(tails) == len(_TABLES):
            return tails
        # The child failed after the counts (killed, out of memory): its half is posted here.
        rest = _Terms(self.kb, self.entry_ids, range(self.first_entry, len(self.entry_ids)))
        _post_groups(rest.group_docs, self.entry_groups[self.first_entry], self.first_doc, idfs, lists)
        return {}


class _Lists:
    """Inverted lists being built: per term, its items and their weights."""

    __slots__ = ("items", "weights")

    def __init__(self) -> None:
        self.items: defaultdict[str, array[int]] = defaultdict(_int_array)
        self.weights: defaultdict[str, array[float]] = defaultdict(_float_array)

    def get(self, term: str, default: tuple[Sequence[int], Sequence[float]]) -> tuple[Sequence[int], Sequence[float]]:
        found = self.items.get(term)
        return default if found is None else (found, self.weights[term])

    def clear(self) -> None:
        self.items.clear()
        self.weights.clear()


def _int_array() -> array[int]:
    return array("i")


def _float_array() -> array[float]:
    return array("f")


_append = array.append
_drain = deque[None](maxlen=0).extend


def _post(lists: _Lists, item: int, vec: Vector) -> None:
    """Append ``item``'s weights to the inverted lists of its terms: the loops run in C (a Python
    loop per posting costs seconds on a big KB)."""
    _drain(map(_append, map(lists.items.__getitem__, vec), repeat(item)))
    _drain(map(_append, map(lists.weights.__getitem__, vec), vec.values()))


def _vocabulary(by_language: Mapping[str, Sequence[str]]) -> list[str]:
    return sorted({w for language_words in by_language.values() for w in language_words})


# ---- incremental update ---------------------------------------------------------------------

#: Beyond this share of the (entry, locale) groups to weigh again (both sides, words and character
#: n-grams, counted apart), building costs less than splicing (a splice costs about three times a
#: build per posting it remakes). An edit that brings a common character n-gram into an entry, or
#: takes its last one out, changes that n-gram's IDF and with it the vectors of every phrasing
#: holding it.
SPLICE_SHARE = 0.25

#: Per (entry, locale) group: its locale, its phrasings' texts and what the index reads of each.
_Groups: TypeAlias = "list[tuple[str, list[str], list[tuple[tuple[str, ...], tuple[str, ...], list[str]]]]]"


def update_index(
    old: SearchIndex, old_digests: Mapping[str, bytes], kb: KnowledgeBase, digests: Mapping[str, bytes],
    embedder: Embedder | None = None, *, splice_share: float = SPLICE_SHARE,
) -> SearchIndex:
    """The index of ``kb`` made from the index of an earlier version of it: array by array what
    :func:`build_index` gives, for a fraction of the work.

    Entries whose questions did not change keep their meaning vectors. When the set of entries is
    the same (entries edited), the index is spliced: IDF counts entries, so an edit changes the
    weights of the terms that entered or left the edited entries, and with them the vectors of the
    phrasings that hold such a term. Only the (entry, locale) groups holding those phrasings are
    weighed again (their centroids change too); every other posting is copied. An entry added or
    removed changes every IDF: then the index is built again, without embedding the unchanged
    entries again; so is it when more than ``splice_share`` of the groups would be weighed again.
    """
    entry_ids = sorted(kb.entries)
    same_model = embedder is not None and old.semantic_key == embedder.key
    known = {
        entry_id: old.entry_vector(e)
        for e, entry_id in enumerate(old.entry_ids)
        if same_model and digests.get(entry_id) == old_digests.get(entry_id)
    }
    if entry_ids != list(old.entry_ids):
        return build_index(kb, embedder, known)
    changed = [e for e, entry_id in enumerate(entry_ids) if digests[entry_id] != old_digests.get(entry_id)]
    try:
        return _Splice(old, kb, entry_ids, changed).run(embedder, known, splice_share)
    except _Inconsistent:
        return build_index(kb, embedder, known)


def _starts(owners: Sequence[int], count: int) -> list[int]:
    """For items owned in order (``owners`` non-decreasing): where each owner's items start."""
    counts = Counter(owners)
    out = [0] * (count + 1)
    for k in range(count):
        out[k + 1] = out[k] + counts.get(k, 0)
    return out


def _bytes(values: Sequence[Any]) -> memoryview:
    return memoryview(values).cast("B")  # type: ignore[arg-type]


class _Splice:
    """One incremental update of an index whose entries are the same, some with other questions."""

    def __init__(self, old: SearchIndex, kb: KnowledgeBase, entry_ids: list[str], changed: list[int]) -> None:
        self.old, self.kb, self.entry_ids, self.changed = old, kb, entry_ids, changed
        self.n = max(len(entry_ids), 1)
        self.group_start = _starts(old.group_entry, len(entry_ids))
        self.doc_start = _starts(old.doc_group, len(old.group_entry))

    def old_groups(self, e: int) -> _Groups:
        old, out = self.old, []
        for g in range(self.group_start[e], self.group_start[e + 1]):
            locale = old.group_locale[g]
            texts = list(old.doc_text[self.doc_start[g] : self.doc_start[g + 1]])
            out.append((locale, texts, [phrasing_terms(text, locale) for text in texts]))
        return out

    def new_groups(self, e: int) -> _Groups:
        out = []
        for locale, phrasings in self.kb.entries[self.entry_ids[e]].questions.items():
            if phrasings:
                texts = [p.text for p in phrasings]
                out.append((locale, texts, [phrasing_terms(text, locale) for text in texts]))
        return out

    def old_group(self, g: int) -> tuple[str, list[str], list[tuple[tuple[str, ...], tuple[str, ...], list[str]]]]:
        old = self.old
        locale = old.group_locale[g]
        texts = list(old.doc_text[self.doc_start[g] : self.doc_start[g + 1]])
        return locale, texts, [phrasing_terms(text, locale) for text in texts]

    def weighed_share(self, affected: Sequence[set[int]], before: Mapping[int, _Groups],
                      after: Mapping[int, _Groups]) -> float:
        """The share of the index's groups a splice weighs again, per side (what it costs)."""
        edited = sum(len(groups) for groups in (*before.values(), *after.values()))
        changed = set(self.changed)
        group_entry = self.old.group_entry
        others = sum(1 for groups in affected for g in groups if group_entry[g] not in changed)
        return (others + edited) / max(2 * len(self.old.group_entry), 1)

    def groups_using(self, table: PostingTable, slot: int) -> set[int]:
        start, end = table.starts[slot], table.starts[slot + 1]
        return set(map(self.old.doc_group.__getitem__, table.items[start:end]))

    def run(self, embedder: Embedder | None, known: Mapping[str, Sequence[float]], share: float) -> SearchIndex:
        old, changed = self.old, set(self.changed)
        before = {e: self.old_groups(e) for e in self.changed}
        after = {e: self.new_groups(e) for e in self.changed}
        # 1. The terms whose entry count changed, their new IDF, and the groups holding them (a
        # phrasing without such a term keeps its vector: the same IDFs give the same bits).
        affected_groups: list[set[int]] = []
        new_idf: list[dict[str, float | None]] = []
        for side, table in ((0, old.words), (1, old.chars)):
            delta: Counter[str] = Counter()
            for e in self.changed:
                was = {t for _, _, docs in before[e] for doc in docs for t in doc[side]}
                now = {t for _, _, docs in after[e] for doc in docs for t in doc[side]}
                delta.update(now - was)
                delta.subtract(was - now)
            idf: dict[str, float | None] = {}
            groups_of_side: set[int] = set()
            for term, change in delta.items():
                if not change:
                    continue
                slot = table.slots.get(term)
                holding = set() if slot is None else self.groups_using(table, slot)
                users = set(map(old.group_entry.__getitem__, holding))
                groups_of_side |= holding
                count = len(users) + change
                idf[term] = math.log(1.0 + self.n / count) if count > 0 else None  # None: no entry uses it now
            new_idf.append(idf)
            affected_groups.append(groups_of_side)
        if self.weighed_share(affected_groups, before, after) > share:
            raise _Inconsistent("too many groups to weigh again: a build costs less")
        # 2. The new layout: where each entry's groups and phrasings start.
        layout = self.layout(after)
        # 3. Per side, the edited entries and the affected groups of the others weighed again, in
        # order (postings stay sorted by item). Per table and term, one *replacement* per unit: its
        # old items' range, and where its fresh postings are (a unit's postings of a term are
        # consecutive: no per-posting bookkeeping).
        ordered = [_all_terms(old.words.slots), _all_terms(old.chars.slots)]
        slots = [ranks(terms) for terms in ordered]
        fresh = {name: _Fresh() for name in _TABLES}
        touched: list[set[str]] = [set(), set()]
        read: dict[int, _Groups] = {}
        for side, table, name in ((0, old.words, "words"), (1, old.chars, "chars")):
            units = sorted({(e, -1) for e in changed} | {
                (old.group_entry[g], g) for g in affected_groups[side] if old.group_entry[g] not in changed
            })
            changes, at = new_idf[side], slots[side]
            for e, g in units:
                g0 = self.group_start[e]
                if g < 0:  # an edited entry: all its groups, old and new
                    groups, was_groups = after[e], before[e]
                    g1 = self.group_start[e + 1]
                    first_group, first_doc = layout.entry_group[e], layout.entry_doc[e]
                else:  # one group of an unedited entry: the same phrasings, some with other IDFs
                    if g not in read:
                        read[g] = [self.old_group(g)]
                    groups = was_groups = read[g]
                    first_group = layout.entry_group[e] + g - g0
                    first_doc = layout.entry_doc[e] + self.doc_start[g] - self.doc_start[g0]
                    g0, g1 = g, g + 1
                old_ranges = {"phrasings": (self.doc_start[g0], self.doc_start[g1]), "centroids": (g0, g1)}
                was = {t for _, _, docs in was_groups for doc in docs for t in doc[side]}
                weighed: list[tuple[list[Vector], Vector]] = []
                using: set[str] = set()
                for _, _, docs in groups:
                    terms = [d[0] if side == 0 else d[1] for d in docs]
                    weights: dict[str, float] = {}
                    for doc_terms in terms:
                        for t in doc_terms:
                            if t not in weights:
                                found = changes.get(t, -1.0)
                                weights[t] = table.idf[at[t]] if found == -1.0 or found is None else found
                    using.update(weights)
                    weighed.append(_weigh_group(terms, weights))
                held = was | using
                touched[side] |= held
                for table_name, kind in ((name, "phrasings"), (_CENTROIDS[name], "centroids")):
                    lists = fresh[table_name]
                    marks = lists.marks(held)
                    item = first_doc if kind == "phrasings" else first_group
                    for phrasing_vectors, centroid in weighed:
                        if kind == "phrasings":
                            for vec in phrasing_vectors:
                                _post(lists, item, vec)
                                item += 1
                        else:
                            _post(lists, item, centroid)
                            item += 1
                    lists.replace(held, marks, old_ranges[kind])
        # 4. Each table: untouched terms' rows copied, touched ones spliced.
        tables = {}
        for side, name in ((0, "words"), (1, "chars")):
            shared: dict[str, int] | None = None  # a side's two tables share one term list
            for table_name, remap in ((name, layout.doc_remap), (_CENTROIDS[name], layout.group_remap)):
                table, term_list = _splice_table(
                    getattr(old, table_name), ordered[side], slots[side], touched[side], new_idf[side],
                    fresh[table_name], remap,
                )
                if shared is None:
                    shared = ranks(term_list)
                table.slots = shared
                tables[table_name] = table
        by_language = self.vocabulary(before, after, layout)
        vectors = None
        if embedder is not None:
            vectors = entry_vectors(self.kb, self.entry_ids, embedder, known)
        return SearchIndex(
            fingerprint=self.kb.fingerprint,
            entry_ids=self.entry_ids,
            doc_group=layout.doc_group,
            doc_locale=layout.doc_locale,
            doc_text=layout.doc_text,
            group_entry=layout.group_entry,
            group_locale=layout.group_locale,
            unknown_idf=math.log(1.0 + 2.0 * self.n),
            **tables,
            vocabulary=_vocabulary(by_language),
            vocabulary_by_language=by_language,
            semantic_key=embedder.key if embedder is not None else None,
            entry_vectors=vectors if vectors is not None else array("f"),
            vector_dim=embedder.dim if embedder is not None else 0,
        )

    def layout(self, after: Mapping[int, _Groups]) -> _Layout:
        """The phrasing and group arrays of the new index, and where old items moved."""
        old, out = self.old, _Layout()
        doc_remap, group_remap = list(range(len(old.doc_group))), list(range(len(old.group_entry)))
        bounds = [*self.changed, len(self.entry_ids)]
        e = 0
        for stop in bounds:
            if e < stop:  # entries [e, stop) unchanged: copied, shifted
                g0, g1 = self.group_start[e], self.group_start[stop]
                d0, d1 = self.doc_start[g0], self.doc_start[g1]
                group_shift, doc_shift = len(out.group_entry) - g0, len(out.doc_group) - d0
                for k in range(e, stop):
                    out.entry_group[k] = self.group_start[k] + group_shift
                    out.entry_doc[k] = self.doc_start[self.group_start[k]] + doc_shift
                out.group_entry.frombytes(_bytes(old.group_entry[g0:g1]))
                out.group_locale.extend(old.group_locale[g0:g1])
                out.doc_group.extend(map(group_shift.__add__, old.doc_group[d0:d1]))
                out.doc_locale.extend(old.doc_locale[d0:d1])
                out.doc_text.extend(old.doc_text[d0:d1])
                if group_shift:
                    group_remap[g0:g1] = range(g0 + group_shift, g1 + group_shift)
                    out.group_remap = group_remap
                if doc_shift:
                    doc_remap[d0:d1] = range(d0 + doc_shift, d1 + doc_shift)
                    out.doc_remap = doc_remap
            if stop == len(self.entry_ids):
                break
            out.entry_group[stop], out.entry_doc[stop] = len(out.group_entry), len(out.doc_group)
            for locale, texts, _ in after[stop]:
                group = len(out.group_entry)
                out.group_entry.append(stop)
                out.group_locale.append(locale)
                out.doc_group.extend([group] * len(texts))
                out.doc_locale.extend([locale] * len(texts))
                out.doc_text.extend(texts)
            e = stop + 1
        return out

    def vocabulary(
        self, before: Mapping[int, _Groups], after: Mapping[int, _Groups], layout: _Layout
    ) -> dict[str, list[str]]:
        """Typo-repair words per language: the edited entries' new words in, their old words out
        unless another entry still uses them."""
        old = self.old
        gone: set[tuple[str, str]] = set()
        added: set[tuple[str, str]] = set()
        for groups, into in ((before, gone), (after, added)):
            for entry_groups in groups.values():
                for locale, _, docs in entry_groups:
                    language = locale.split("_", 1)[0]
                    into.update((language, w) for doc in docs for w in _typo_words(doc[2]))
        gone -= added
        changed = set(self.changed)
        kept: set[tuple[str, str]] = set()
        for language, word in gone:
            term = run_terms([word], language)[0]
            slot = old.words.slots.get(term)
            if slot is None:
                continue
            for d in old.words.items[old.words.starts[slot] : old.words.starts[slot + 1]]:
                locale = old.doc_locale[d]
                if (locale.split("_", 1)[0] == language and old.group_entry[old.doc_group[d]] not in changed
                        and word in phrasing_terms(old.doc_text[d], locale)[2]):
                    kept.add((language, word))
                    break
        languages = dict.fromkeys(locale.split("_", 1)[0] for locale in layout.group_locale)
        out: dict[str, list[str]] = {}
        for language in languages:
            words = set(old.vocabulary_by_language.get(language, ()))
            words -= {w for lang, w in gone - kept if lang == language}
            words |= {w for lang, w in added if lang == language}
            out[language] = sorted(words)
        return out


@dataclass
class _Layout:
    """The new index's phrasing and group arrays; where each entry's groups and phrasings start;
    each old phrasing's and group's new number (for the entries that were copied)."""

    doc_group: array[int] = field(default_factory=lambda: array("i"))
    doc_locale: list[str] = field(default_factory=list)
    doc_text: list[str] = field(default_factory=list)
    group_entry: array[int] = field(default_factory=lambda: array("i"))
    group_locale: list[str] = field(default_factory=list)
    entry_group: dict[int, int] = field(default_factory=dict)
    entry_doc: dict[int, int] = field(default_factory=dict)
    doc_remap: list[int] | None = None  # None: no old phrasing moved
    group_remap: list[int] | None = None


def _all_terms(slots: Mapping[str, int]) -> list[str]:
    """Every term in slot order (a stored table is decoded in one pass, not searched per term)."""
    if isinstance(slots, StoredTerms):
        return slots.strings()
    return sorted(slots, key=slots.__getitem__)


class _Fresh(_Lists):
    """Per term, postings made by an incremental update (new item numbers, weights) and its
    replacements: per unit weighed again (an edited entry, or one group of another), the old range of
    its items (first, end) and where its fresh postings are in the term's arrays (start, stop)."""

    __slots__ = ("replacements",)

    def __init__(self) -> None:
        super().__init__()
        self.replacements: defaultdict[str, list[tuple[int, int, int, int]]] = defaultdict(list)

    def marks(self, terms: Iterable[str]) -> dict[str, int]:
        """Where each term's next postings will start."""
        items = self.items
        return {t: len(items[t]) for t in terms}

    def replace(self, terms: Iterable[str], marks: Mapping[str, int], old: tuple[int, int]) -> None:
        """Record that in each term's row, the items in ``old`` give way to the postings made since ``marks``."""
        items, replacements = self.items, self.replacements
        first, end = old
        for t in terms:
            replacements[t].append((first, end, marks[t], len(items[t])))


class _Inconsistent(Exception):
    """Splicing is not the way: the stored index does not hold what its phrasings say (damage, or a
    bug of ours), or the edit touches so many entries that a build costs less."""


def _splice_table(
    old: PostingTable, by_slot: list[str], slots: Mapping[str, int], touched: set[str],
    new_idf: Mapping[str, float | None], fresh: _Fresh, remap: list[int] | None,
) -> tuple[PostingTable, list[str]]:
    """``old`` with the rows of the touched terms spliced: each affected entry's old items cut out
    and its fresh postings put in their place; everything between is copied in bulk (items
    renumbered by ``remap`` when some moved)."""
    terms: list[str] = []
    idf: array[float] = array("d")
    starts: array[int] = array("q", [0])
    items: array[int] = array("i")
    weights: array[float] = array("f")
    row = old.items
    no_items: array[int] = array("i")
    no_weights: array[float] = array("f")

    def copy_postings(p: int, q: int) -> None:
        if p >= q:
            return
        if remap is None:
            items.frombytes(_bytes(row[p:q]))
        else:
            items.extend(map(remap.__getitem__, row[p:q]))
        weights.frombytes(_bytes(old.weights[p:q]))

    def copy_rows(a: int, b: int) -> None:
        if a >= b:
            return
        terms.extend(by_slot[a:b])
        idf.frombytes(_bytes(old.idf[a:b]))
        s0, s1 = old.starts[a], old.starts[b]
        base = len(items) - s0
        starts.extend(map(base.__add__, old.starts[a + 1 : b + 1]))
        copy_postings(s0, s1)

    done = 0
    for term in sorted(touched):
        slot = slots.get(term)
        end = slot if slot is not None else bisect.bisect_left(by_slot, term)
        copy_rows(done, end)
        done = end if slot is None else slot + 1
        change = new_idf.get(term, -1.0)
        if change is None:
            continue  # no entry uses it any more
        new_items = fresh.items.get(term, no_items)
        new_weights = fresh.weights.get(term, no_weights)
        if slot is None:
            items.extend(new_items)
            weights.extend(new_weights)
        else:
            s0, s1 = old.starts[slot], old.starts[slot + 1]
            at = s0
            for first, stop, f0, f1 in fresh.replacements.get(term, ()):
                cut = bisect.bisect_left(row, first, at, s1)
                copy_postings(at, cut)
                items.extend(new_items[f0:f1])
                weights.extend(new_weights[f0:f1])
                at = bisect.bisect_left(row, stop, cut, s1)
            copy_postings(at, s1)
        starts.append(len(items))
        terms.append(term)
        idf.append(old.idf[slot] if change == -1.0 and slot is not None else change)
    copy_rows(done, len(by_slot))
    return PostingTable({}, idf, starts, items, weights), terms




def index_key(digests: Mapping[str, bytes]) -> str:
    """The key of the index of entries with these questions digests
    (:func:`~replykit.kb.stored.questions_digest`): only an edit of an entry's phrasings, or an
    entry added or removed, changes it; templates, locale files, variables and comments do not."""
    digest = hashlib.sha256()
    for entry_id in sorted(digests):
        digest.update(entry_id.encode() + b"\0" + digests[entry_id])
    return digest.hexdigest()[:32]


def index_cache_file(key: str) -> Path | None:
    """Where the index of :func:`index_key` ``key`` is cached (None: caching is off)."""
    return cache.cache_file("index", key, fmt=INDEX_FORMAT, deps=INDEX_DEPENDENCIES, suffix="bundle")


_TABLES = ("words", "chars", "word_centroids", "char_centroids")
_CENTROIDS = {"words": "word_centroids", "chars": "char_centroids"}
#: Tables sharing one term list (a centroid table is built over its phrasing table's IDF).
_TERMS_OF = {
    "words": "word_terms", "word_centroids": "word_terms", "chars": "char_terms", "char_centroids": "char_terms",
}


#: How many looked-up terms :class:`StoredTerms` remembers before it starts afresh (a few MB).
FOUND_TERMS_KEPT = 100_000


class StoredTerms(Mapping[str, int]):
    """Term -> slot of a stored table, found by binary search in the memory-mapped sorted term list
    (a slot is a term's rank in ``sorted``): no dict of 300,000 terms to build per question.

    Each search's answer is remembered: a batch or an insights scan asks for the same words and
    n-grams again and again, and a search decodes ~17 strings of the table."""

    __slots__ = ("_found", "_table")

    def __init__(self, table: cache.TextTable) -> None:
        self._table = table
        self._found: dict[str, int | None] = {}

    def _find(self, term: str) -> int | None:
        found = self._found
        if term in found:
            return found[term]
        if len(found) >= FOUND_TERMS_KEPT:
            found.clear()
        slot = found[term] = self._table.find(term)
        return slot

    def get(self, term: str, default: Any = None) -> Any:
        found = self._find(term)
        return default if found is None else found

    def __getitem__(self, term: str) -> int:
        found = self._find(term)
        if found is None:
            raise KeyError(term)
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._find(term) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def strings(self) -> list[str]:
        """Every term in slot order, decoded in one pass."""
        return self._table.strings()


def save_index(index: SearchIndex, key: str, digests: Mapping[str, bytes]) -> None:
    """Store the index as flat arrays and string tables (no pickle: reading it cannot run code),
    with each entry's questions digest (what :func:`update_index` compares)."""
    path = index_cache_file(key)
    if path is None:
        return
    arrays: dict[str, object] = {
        "doc_group": index.doc_group, "group_entry": index.group_entry, "entry_vectors": index.entry_vectors,
        "entry_digests": b"".join(digests[entry_id] for entry_id in index.entry_ids),
    }
    texts: dict[str, Sequence[str]] = {
        "entry_ids": index.entry_ids, "group_locale": index.group_locale, "vocabulary": index.vocabulary,
    }
    tables: dict[str, Sequence[str]] = {"doc_locale": index.doc_locale, "doc_text": index.doc_text}
    for name in _TABLES:
        table: PostingTable = getattr(index, name)
        if _TERMS_OF[name] not in tables:
            terms = list(table.slots)
            if list(table.slots.values()) != list(range(len(terms))) or terms != sorted(terms):
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
    found = _restore(key, fingerprint)
    return None if found is None else found[0]


def _restore(key: str, fingerprint: str) -> tuple[SearchIndex, dict[str, bytes]] | None:
    """:func:`restore_index`, with each entry's questions digest."""
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
    held = bundle.arrays.get("entry_digests")
    if held is None or len(held) != DIGEST_SIZE * len(index.entry_ids):
        return None
    digests = {
        entry_id: bytes(held[DIGEST_SIZE * i : DIGEST_SIZE * (i + 1)]) for i, entry_id in enumerate(index.entry_ids)
    }
    return index, digests


def load_index(kb: KnowledgeBase, *, use_cache: bool = True, embedder: Embedder | None = None) -> SearchIndex:
    """The KB's index from the on-disk cache, else updated from the index of an earlier version of
    the KB (:func:`update_index`), else built; the result is cached.

    With an ``embedder``, an index without entry vectors from that very model is stale too.
    """
    if not use_cache:
        return build_index(kb, embedder)
    digests = questions_digests(kb)
    key = index_key(digests)
    wanted = None if embedder is None else embedder.key
    cached = restore_index(key, kb.fingerprint)
    if cached is not None and (embedder is None or cached.semantic_key == wanted):
        return cached
    owner = f"{folder_key(kb.root)}-index"
    index = None
    for earlier in cache.versions(owner):
        found = _restore(earlier, kb.fingerprint) if earlier != key else None
        if found is not None:
            index = update_index(found[0], found[1], kb, digests, embedder)
            break
    if index is None:
        index = build_index(kb, embedder)
    save_index(index, key, digests)
    cache.remember_version(owner, key)
    # The stored copy answers as the built one (the same arrays) from the memory map: the built
    # one's dicts and lists (hundreds of MB on a big KB) are freed before the question goes on.
    stored = restore_index(key, kb.fingerprint)
    return stored if stored is not None and stored.semantic_key == index.semantic_key else index
