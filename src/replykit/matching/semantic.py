"""Meaning-level similarity from the static token embeddings bundled with the ``wordllama`` package.

wordllama (MIT) ships a 32,000 x 256 table of token vectors (float16, safetensors) and the Hugging
Face BPE tokenizer that goes with it. A text's embedding is the mean of its tokens' vectors,
L2-normalised -- exactly what ``WordLlama.embed(texts, norm=True)`` computes -- so "cancel my
order" and "stop my purchase" land close although they share few words.

replykit never imports wordllama (its import pulls pydantic, numpy and requests, 0.7 s): it finds
the package's files with :meth:`importlib.machinery.PathFinder.find_spec`, which does not execute
it, and reads them itself:

- the tokenizer (vocabulary and merge ranks) is parsed once and cached as flat arrays (a
  :mod:`replykit.cache` bundle), keyed by the identity (path, size, mtime, ctime, inode) of the files;
- the vectors are read row by row from the safetensors file (one ``pread`` per token needed), so
  a process never parses the 16 MB table to answer a question.

If wordllama is not installed, :func:`load_embedder` returns ``None`` and the matcher works with
the semantic signal off.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import os
import re
import struct
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

from replykit import cache

#: Bump when the cached tokenizer layout changes.
CACHE_FORMAT = 3
WEIGHTS = ("weights", "l2_supercat_256.safetensors")
TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
SPACE = "\u2581"  # the tokenizer's metaspace "▁"
#: Segments that BPE never merges across: no token has "▁" after another character.
_SEGMENT = re.compile(f"{SPACE}*[^{SPACE}]*")


def embedding_text(text: str) -> str:
    """What is embedded of a text: NFKC (full-width forms), lower case, whitespace collapsed.

    Accents are kept (unlike the lexical signals): the vocabulary spells "dirección" and "über"
    with them, and dropping them cost the ten-language set a point."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def model_files() -> tuple[Path, Path] | None:
    """wordllama's weights and tokenizer files, found without importing the package (or None)."""
    from importlib.machinery import PathFinder  # finds, never executes (importlib.util costs 0.6 ms more)

    try:
        spec = PathFinder.find_spec("wordllama")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        weights, tokenizer = Path(root, *WEIGHTS), Path(root, *TOKENIZER)
        if weights.is_file() and tokenizer.is_file():
            return weights, tokenizer
    return None


def _identity(files: Iterable[Path]) -> str:
    parts = []
    for path in files:
        st = path.stat()
        parts.append(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


class _Tables:
    """What a process needs of the model, small enough to load from the cache in a few milliseconds.

    ``chars``: tokens of one character, where BPE starts (merges name the ids of everything
    longer). ``merge_pairs``: sorted (left id << 16 | right id) of every merge; ``merge_results``:
    (merge rank << 16 | merged id) of each -- flat arrays load in microseconds where a
    61,000-key dict takes 20 ms. (A plain class: a dataclass costs a question's import 1 ms.)
    """

    def __init__(
        self,
        key: str,
        chars: dict[str, int],
        merge_pairs: array[int],
        merge_results: array[int],
        byte_ids: list[int],
        unk: int,
        data_start: int,
        rows: int,
        dim: int,
    ) -> None:
        self.key = key
        self.chars = chars
        self.merge_pairs = merge_pairs
        self.merge_results = merge_results
        self.byte_ids = byte_ids
        self.unk = unk
        self.data_start = data_start
        self.rows = rows
        self.dim = dim


def _parse(key: str, weights: Path, tokenizer: Path) -> _Tables:
    import json  # only when the tokenizer cache is built: 3 ms a question need not pay

    with open(tokenizer, encoding="utf-8") as f:
        config = json.load(f)
    model = config["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"unexpected tokenizer model {model.get('type')!r}")
    vocab: dict[str, int] = model["vocab"]
    merges: dict[int, int] = {}
    for rank, merge in enumerate(model["merges"]):
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        a, b, ab = vocab.get(left), vocab.get(right), vocab.get(left + right)
        if a is None or b is None or ab is None:
            continue
        pair = a << 16 | b
        if pair not in merges:
            merges[pair] = rank << 16 | ab
    pairs = sorted(merges)
    chars = {token: i for token, i in vocab.items() if len(token) == 1}
    unk = vocab.get(model.get("unk_token") or "<unk>", 0)
    byte_ids = [vocab.get(f"<0x{b:02X}>", unk) for b in range(256)]
    with open(weights, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    tensor = next(v for k, v in header.items() if k != "__metadata__")
    if tensor["dtype"] != "F16" or len(tensor["shape"]) != 2:
        raise ValueError(f"unexpected embedding tensor {tensor['dtype']} {tensor['shape']}")
    rows, dim = tensor["shape"]
    return _Tables(
        key,
        chars,
        array("q", pairs),
        array("q", [merges[p] for p in pairs]),
        byte_ids, unk, 8 + length + tensor["data_offsets"][0], rows, dim)


def _load_tables(weights: Path, tokenizer: Path) -> _Tables:
    key = _identity((weights, tokenizer))
    path = cache.cache_file("wordllama", key, fmt=CACHE_FORMAT, suffix="bundle")
    bundle = cache.read_bundle(path)
    if bundle is not None:
        try:
            meta, arrays = bundle.meta, bundle.arrays
            chars = dict(zip(bundle.texts["chars"], arrays["char_ids"], strict=True))
            return _Tables(
                key, chars, array("q", arrays["merge_pairs"]), array("q", arrays["merge_results"]),
                list(arrays["byte_ids"]), int(meta["unk"]), int(meta["data_start"]), int(meta["rows"]),
                int(meta["dim"]),
            )
        except (KeyError, TypeError, ValueError):
            pass  # a damaged file: parse the model files again
    tables = _parse(key, weights, tokenizer)
    cache.write_bundle(
        path,
        {"unk": tables.unk, "data_start": tables.data_start, "rows": tables.rows, "dim": tables.dim},
        {
            "char_ids": array("q", tables.chars.values()),
            "merge_pairs": tables.merge_pairs,
            "merge_results": tables.merge_results,
            "byte_ids": array("q", tables.byte_ids),
        },
        {"chars": list(tables.chars)},
    )
    return tables


class Embedder:
    """Tokenise like wordllama's tokenizer and embed texts as normalised mean token vectors."""

    def __init__(self, weights: Path, tables: _Tables) -> None:
        self.weights = weights
        self.tables = tables
        self._segments: dict[str, tuple[int, ...]] = {}
        self._rows: dict[int, tuple[float, ...]] = {}
        self._merges: dict[int, int] | None = None
        self._fd: int | None = None

    @property
    def key(self) -> str:
        """Identity of the model files: an index built with other vectors is stale."""
        return self.tables.key

    @property
    def dim(self) -> int:
        return self.tables.dim

    # -- tokenising (the Hugging Face BPE model with byte fallback, no pre-tokenizer)

    def bulk(self) -> None:
        """Look merges up in a dict from now on: 20 ms to build, then faster for many texts."""
        if self._merges is None:
            t = self.tables
            self._merges = dict(zip(t.merge_pairs, t.merge_results, strict=True))

    def _merge(self, pair: int) -> int | None:
        t = self.tables
        at = bisect.bisect_left(t.merge_pairs, pair)
        if at < len(t.merge_pairs) and t.merge_pairs[at] == pair:
            return t.merge_results[at]
        return None

    def _bpe(self, segment: str) -> tuple[int, ...]:
        t = self.tables
        chars = t.chars
        symbols: list[int] = []
        for ch in segment:
            found = chars.get(ch)
            if found is not None:
                symbols.append(found)
            else:
                symbols.extend(t.byte_ids[b] for b in ch.encode("utf-8"))
        get = self._merges.get if self._merges is not None else self._merge
        while len(symbols) > 1:
            best, at = -1, -1
            for i in range(len(symbols) - 1):
                m = get(symbols[i] << 16 | symbols[i + 1])
                if m is not None and (best < 0 or m < best):
                    best, at = m, i
            if at < 0:
                break
            symbols[at : at + 2] = [best & 0xFFFF]
        return tuple(symbols)

    def token_ids(self, text: str) -> list[int]:
        """The ids wordllama's tokenizer gives ``text`` (no special tokens)."""
        if not text:
            return []
        norm = SPACE + text.replace(" ", SPACE)
        ids: list[int] = []
        cache = self._segments
        for segment in _SEGMENT.findall(norm):
            if not segment:
                continue
            found = cache.get(segment)
            if found is None:
                found = cache[segment] = self._bpe(segment)
            ids.extend(found)
        return ids

    # -- vectors

    def row(self, token: int) -> tuple[float, ...]:
        """One token's vector, read from the safetensors file on first use."""
        found = self._rows.get(token)
        if found is None:
            t = self.tables
            token = min(max(token, 0), t.rows - 1)
            if self._fd is None:
                self._fd = os.open(self.weights, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            size = 2 * t.dim
            data = os.pread(self._fd, size, t.data_start + token * size)
            found = self._rows[token] = struct.unpack(f"<{t.dim}e", data)
        return found

    def embed(self, text: str) -> list[float]:
        """Mean of the tokens' vectors, L2-normalised (all zeros for a text without tokens)."""
        rows = [self.row(token) for token in self.token_ids(text)]
        if not rows:
            return [0.0] * self.dim
        total = [sum(column) for column in zip(*rows, strict=True)]  # one pass per dimension
        length = math.hypot(*total)
        return [x / length for x in total] if length else total

    def matrix(self) -> bytes:
        """The whole table as raw little-endian float16 bytes (for building an index)."""
        t = self.tables
        with open(self.weights, "rb") as f:
            f.seek(t.data_start)
            return f.read(t.rows * t.dim * 2)


def load_embedder() -> Embedder | None:
    """wordllama's embeddings read from its files, or None when the package is not installed."""
    files = model_files()
    if files is None:
        return None
    weights, tokenizer = files
    try:
        return Embedder(weights, _load_tables(weights, tokenizer))
    except (OSError, ValueError, KeyError, StopIteration, struct.error):  # JSONDecodeError is a ValueError
        return None


def cosine_to(query: Sequence[float], centroid: Sequence[float]) -> float:
    """Dot product of two normalised vectors."""
    return math.fsum(a * b for a, b in zip(query, centroid, strict=True))
