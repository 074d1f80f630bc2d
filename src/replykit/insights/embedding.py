"""Sentence vectors for grouping messages by meaning, across languages.

Grouping uses the multilingual sentence encoder (:mod:`replykit.matching.encoder`, Universal
Sentence Encoder multilingual v3), which reads whole sentences in sixteen languages into one space:
"Do you sell gift cards", "Gibt es Geschenkgutscheine?" and 「ギフトカードはありますか」 land
together, which the static word-piece table of suggest does not manage. There is no fallback: without the
encoder, :class:`TextEmbedder` raises :class:`~replykit.matching.encoder.EncoderUnavailable`
(the pip command in its message), since gaps grouped without it split per language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from replykit.matching.encoder import DIM, encode_texts, load_encoder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

#: Texts encoded at once (the encoder's cost is per batch of padded sentences; memory stays small).
BATCH = 256


class TextEmbedder:
    """Embeds batches of texts with the multilingual encoder (loaded when this is made, so a missing
    extra is said before the input is read, not after)."""

    def __init__(self) -> None:
        load_encoder()

    def embed(self, texts: Sequence[str]) -> Matrix:
        """One unit-length float32 row per text (a zero row for an empty text)."""
        import numpy as np

        parts = [encode_texts(texts[start : start + BATCH]) for start in range(0, len(texts), BATCH)]
        if not parts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)
