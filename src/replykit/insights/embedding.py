"""Text embeddings for grouping messages by meaning, across languages.

The matcher's semantic module owns the model. Its cross-module contract is
``replykit.matching.semantic.embed_texts(texts)``; when a build has it, that is used. Until then
this adapter embeds with today's :func:`replykit.matching.semantic.load_embedder` (one normalised
vector per text). Either way the result is a float32 array of shape ``(len(texts), dim)`` whose
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


class TextEmbedder:
    """Embeds batches of texts; ``available`` is False when no model is installed (grouping then
    falls back to the words the messages share)."""

    def __init__(self) -> None:
        self._contract = _contract_function()
        self._embedder: Any = None
        if self._contract is None:
            from replykit.matching.semantic import embedding_text, load_embedder

            self._embedder = load_embedder()
            self._prepare = embedding_text
            if self._embedder is not None:
                self._embedder.bulk()

    @property
    def available(self) -> bool:
        return self._contract is not None or self._embedder is not None

    def embed(self, texts: Sequence[str]) -> Matrix:
        """One unit-length row per text (float32)."""
        import numpy as np

        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self._contract is not None:
            matrix = np.asarray(self._contract(list(texts)), dtype=np.float32)
        elif self._embedder is not None:
            matrix = np.asarray([self._embedder.embed(self._prepare(t)) for t in texts], dtype=np.float32)
        else:
            return np.zeros((len(texts), 1), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        unit: Matrix = (matrix / norms).astype(np.float32)
        return unit
