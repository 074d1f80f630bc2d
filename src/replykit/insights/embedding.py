"""Text embeddings for grouping messages by meaning, across languages.

The matcher's semantic module owns the model. Its cross-module contract is
``replykit.matching.semantic.embed_texts(texts)``; when a build has it, that is used. Until then
this adapter embeds with today's :func:`replykit.matching.semantic.load_embedder`: static token
vectors averaged with SIF weights (Arora et al. 2017: a token's weight is a / (a + its frequency
among the texts being grouped)), so the words every message shares -- "can", "I", "my", a
language's function words -- stop deciding which messages look alike (on xsid gaps: purity
0.85 -> 0.92 at the same cut). Either way the result is a float32 array of shape ``(len(texts), dim)`` whose
rows have unit length (or are all zeros for a text without tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]


def _contract_function() -> Callable[[Sequence[str]], Any] | None:
    from replykit.matching import semantic

    found = getattr(semantic, "embed_texts", None)
    return found if callable(found) else None


#: SIF's smoothing constant: tokens much more frequent than this share weigh little.
SIF_A = 1e-3
#: Fewer texts than this say too little about which tokens are common: plain means then.
SIF_MIN_TEXTS = 300


class TextEmbedder:
    """Embeds batches of texts; ``available`` is False when no model is installed (grouping then
    falls back to the words the messages share)."""

    def __init__(self) -> None:
        self._contract = _contract_function()
        self._embedder: Any = None
        self._frequency: dict[int, float] = {}
        if self._contract is None:
            from replykit.matching.semantic import embedding_text, load_embedder

            self._embedder = load_embedder()
            self._prepare = embedding_text
            if self._embedder is not None:
                self._embedder.bulk()

    @property
    def available(self) -> bool:
        return self._contract is not None or self._embedder is not None

    def fit(self, texts: Sequence[str]) -> None:
        """Learn token frequencies (SIF weights for :meth:`embed`) from the texts to be grouped and the
        KB's phrasings; with few texts, keep plain means (a topic word common to all five messages of
        a small input is not a function word)."""
        self._frequency = {}
        if self._embedder is None or len(texts) < SIF_MIN_TEXTS:
            return
        counts: dict[int, int] = {}
        for text in texts:
            for token in self._embedder.token_ids(self._prepare(text)):
                counts[token] = counts.get(token, 0) + 1
        total = sum(counts.values()) or 1
        self._frequency = {token: n / total for token, n in counts.items()}

    def _weighted(self, text: str) -> list[float]:
        import numpy as np

        tokens = self._embedder.token_ids(self._prepare(text))
        if not tokens:
            return [0.0] * self._embedder.dim
        rows = np.asarray([self._embedder.row(t) for t in tokens], dtype=np.float32)
        if not self._frequency:
            weights = np.ones(len(tokens), dtype=np.float32)
        else:
            weights = np.asarray([SIF_A / (SIF_A + self._frequency.get(t, 0.0)) for t in tokens], dtype=np.float32)
        return list(weights @ rows)

    def embed(self, texts: Sequence[str]) -> Matrix:
        """One unit-length row per text (float32)."""
        import numpy as np

        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self._contract is not None:
            matrix = np.asarray(self._contract(list(texts)), dtype=np.float32)
        elif self._embedder is not None:
            matrix = np.asarray([self._weighted(t) for t in texts], dtype=np.float32)
        else:
            return np.zeros((len(texts), 1), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        unit: Matrix = (matrix / norms).astype(np.float32)
        return unit
