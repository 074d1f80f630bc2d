"""Language detection among the KB's locales, short messages included, and its lazy import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from replykit import load_kb
from replykit.langid import detect
from tests.conftest import WriteKB
from tests.suggest_kb import FILES

FR_CONFIG = "source_locale: en\nlocales: [en, de, ja, fr, es]\n"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("danke", "de"),
        ("merci", "fr"),
        ("gracias", "es"),
        ("届いてない", "ja"),
        ("荷物", "ja"),
        ("where is it", "en"),
        ("Wo bleibt mein Paket, bitte?", "de"),
        ("Bonjour, je n'ai toujours pas reçu ma commande", "fr"),
    ],
)
def test_short_messages(write_kb: WriteKB, text: str, locale: str) -> None:
    kb = load_kb(write_kb(FILES, config=FR_CONFIG))
    assert detect(text, kb) == locale


def test_only_the_kbs_locales_are_answered(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES))  # en, de, ja
    assert detect("Bonjour, je n'ai toujours pas reçu ma commande", kb) in {"en", "de", "ja"}
    assert detect("1234 !!", kb) == "en"  # no letters: the source locale


def test_locale_given_never_loads_the_detector(write_kb: WriteKB) -> None:
    root = write_kb(FILES)
    script = textwrap.dedent(
        f"""
        import sys
        from replykit.cli import app
        try:
            app(["suggest", "--kb", {str(root)!r}, "--locale", "en", "--format", "json", "where is my order"])
        except SystemExit:
            pass
        print("LOADED" if {{"replykit.langid", "fasttext"}} & set(sys.modules) else "LAZY")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "LAZY"
