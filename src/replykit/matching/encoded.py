"""The KB's phrasings read by the multilingual sentence encoder, and what a question's vector says
about each entry.

Each phrasing is encoded once (:mod:`replykit.matching.encoder`) and the vectors are stored in the
cache folder as a bundle of their own, keyed by the KB's entries and the encoder's identity: a
question then costs one encoder call and a matrix product. An entry's meaning score blends the
cosine with its centroid (the normalised sum of its phrasings, every locale) and with its closest
single phrasing: the centroid generalises, the closest phrasing catches a rare way of asking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replykit import cache
from replykit.kb.loader import entries_key
from replykit.kb.model import KnowledgeBase
from replykit.matching.encoder import DIM, Encoder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Bump when the stored layout changes, so old bundles are ignored.
VECTORS_FORMAT = 1
#: Share of the closest single phrasing in an entry's meaning score (the rest is the centroid's).
CLOSEST_SHARE = 0.3


class EncodedKB:
    """Encoder vectors of a KB's phrasings (rows grouped by entry, entries in ``entry_ids`` order)."""

    def __init__(self, entry_ids: list[str], vectors: npt.NDArray[np.float32], starts: npt.NDArray[np.int64]) -> None:
        import numpy as np

        self.entry_ids = entry_ids
        self.vectors = vectors
        #: Row where each entry's phrasings start; an entry without phrasings has none.
        self.starts = starts
        counts = np.diff(np.append(starts, len(vectors)))
        self._has_rows = counts > 0
        sums = np.add.reduceat(vectors, starts[self._has_rows], axis=0) if len(vectors) else vectors
        centroids = np.zeros((len(entry_ids), DIM), dtype=np.float32)
        if len(vectors):
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            centroids[self._has_rows] = sums / norms
        self.centroids = centroids

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Per entry, how close the question's vector is in meaning (about -1..1; -1 for an entry
        without phrasings)."""
        import numpy as np

        out = np.full(len(self.entry_ids), -1.0, dtype=np.float32)
        if not len(self.vectors):
            return out
        by_phrasing = self.vectors @ query
        closest = np.maximum.reduceat(by_phrasing, self.starts[self._has_rows])
        centroid = self.centroids[self._has_rows] @ query
        out[self._has_rows] = (1.0 - CLOSEST_SHARE) * centroid + CLOSEST_SHARE * closest
        return out


def _phrasings(kb: KnowledgeBase, entry_ids: list[str]) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    starts: list[int] = []
    for entry_id in entry_ids:
        starts.append(len(texts))
        for phrasings in kb.entries[entry_id].questions.values():
            texts.extend(p.text for p in phrasings)
    return texts, starts


def encoded_kb(kb: KnowledgeBase, encoder: Encoder, *, use_cache: bool = True) -> EncodedKB:
    """The KB's phrasing vectors from the cache, or encoded (and cached) when missing or stale."""
    import numpy as np

    entry_ids = sorted(kb.entries)
    texts, starts = _phrasings(kb, entry_ids)
    path = cache.cache_file("encoded", f"{entries_key(kb)}-{encoder.key}", fmt=VECTORS_FORMAT, suffix="bundle")
    if use_cache:
        bundle = cache.read_bundle(path)
        if bundle is not None:
            try:
                rows = np.frombuffer(bundle.arrays["vectors"], dtype=np.float32)
                stored_starts = np.frombuffer(bundle.arrays["starts"], dtype=np.int64)
                if bundle.meta.get("key") == encoder.key and rows.size == len(texts) * DIM and \
                        stored_starts.tolist() == starts:
                    return EncodedKB(entry_ids, rows.reshape(len(texts), DIM), stored_starts)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # a damaged bundle: encode again
    vectors = encoder.encode(texts) if texts else np.zeros((0, DIM), dtype=np.float32)
    start_rows = np.asarray(starts, dtype=np.int64)
    if use_cache:
        arrays = {"vectors": np.ascontiguousarray(vectors).tobytes(), "starts": start_rows.tobytes()}
        cache.write_bundle(path, {"key": encoder.key, "dim": DIM}, arrays)
    return EncodedKB(entry_ids, vectors, start_rows)
