"""Fallback chains: CLDR parents, script safety, KB fallbacks; the same answer when read back from the cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from replykit import l10n
from replykit.l10n import fallback_chain

CASES = [
    ("pt-BR", {}, ("pt_BR", "pt", "en")),
    ("de_AT", {}, ("de_AT", "de", "en")),
    ("en_GB", {}, ("en_GB", "en_001", "en")),
    ("zh-TW", {}, ("zh_TW", "zh_Hant", "en")),  # never Simplified zh
    ("es_MX", {"es_MX": ["es"]}, ("es_MX", "es_419", "es", "en")),
    ("ja", {}, ("ja", "en")),
]


@pytest.mark.parametrize(("locale", "fallbacks", "expected"), CASES)
def test_chain(locale: str, fallbacks: dict[str, list[str]], expected: tuple[str, ...]) -> None:
    assert fallback_chain(locale, source_locale="en", fallbacks=fallbacks) == expected


def test_a_new_process_reads_the_same_chains_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(l10n, "_memo", None)  # a first process, with an empty cache folder
    first = [fallback_chain(loc, source_locale="en", fallbacks=fb) for loc, fb, _ in CASES]
    cached = list(Path(os.environ["REPLYKIT_CACHE_DIR"]).glob("chains-*.json"))
    assert len(cached) == 1
    monkeypatch.setattr(l10n, "_memo", None)  # as a fresh process starts
    monkeypatch.setattr(l10n, "_compute_chain", None)  # would fail if the chain were computed again
    assert [fallback_chain(loc, source_locale="en", fallbacks=fb) for loc, fb, _ in CASES] == first


def test_available_limits_the_chain_and_keeps_the_order() -> None:
    chain = fallback_chain("de_CH", source_locale="en", available=iter(["en", "de"]))
    assert chain == ("de_CH", "de", "en")
