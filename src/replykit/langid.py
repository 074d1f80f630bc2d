"""Detect the customer's language, restricted to the locales the KB offers.

Two models vote:
- fastText's language-id model (lid.176.ftz, shipped in replykit's package data under its own
  licence, CC BY-SA 3.0, see NOTICE; loaded with fasttext-predict: 1 MB, ~30 ms to load, no numpy),
  which knows 176 languages from web text and is good on short messages ("danke", "merci");
- a character n-gram model trained on the KB's own phrasings, which knows the KB's vocabulary and
  tells apart locales of one language (en vs en_GB) that fastText cannot.
Scripts settle the easy cases first: kana means Japanese, Hangul Korean.

Imported lazily by the matcher: a run with ``--locale`` never loads any of this.
"""

from __future__ import annotations

import math
import re
import threading
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

from replykit import cache
from replykit.kb.loader import entries_key
from replykit.kb.model import KnowledgeBase
from replykit.matching.normalize import normalize
from replykit.records import Record

#: A script's code-point ranges (first, last), checked character by character: as regular
#: expressions they took ~3.5 ms to compile in every process that detects a language (``re``
#: builds a table of every character of a range).
_KANA = ((0x3040, 0x30FF), (0x31F0, 0x31FF))
_HANGUL = ((0xAC00, 0xD7AF), (0x1100, 0x11FF))
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
#: Below the first character of any of them: a text of such characters only has none.
_SCRIPTS_FROM = "\u1100"
_LETTER = re.compile(r"[^\W\d_]")
_NGRAM_SIZES = (1, 2, 3)
#: Bump when the KB model's layout changes, so old cache files are ignored.
MODEL_FORMAT = 2
#: How much the KB's own n-gram model can count beside fastText (per n-gram, in log space) ...
KB_MODEL_WEIGHT = 12.0
#: ... reached as the KB has more text per locale: half of it at this many characters.
KB_MODEL_HALF_CHARS = 1000.0
#: A language the KB lacks is the message's when fastText gives it at least this probability ...
OUTSIDE_MIN_PROBABILITY = 0.4
#: ... and this many times the probability of the likeliest KB language.
OUTSIDE_LEAD = 2.0
#: Languages fastText confuses with each other on short texts: when the KB has one of them, a
#: message "in" the other is read as the KB's (a Danish reply suits a Norwegian customer anyway).
CLOSE_LANGUAGES: dict[str, tuple[str, ...]] = {
    "no": ("da", "nb", "nn", "sv"), "nb": ("da", "no", "nn", "sv"), "nn": ("da", "no", "nb", "sv"),
    "da": ("no", "nb", "nn", "sv"), "sv": ("da", "no", "nb", "nn"), "ms": ("id",), "id": ("ms",),
    "gl": ("pt", "es"), "ca": ("es",), "af": ("nl",), "lb": ("de",), "bs": ("hr", "sr"), "hr": ("bs", "sr"),
    "sr": ("bs", "hr"),
}
#: Han-only texts up to this many characters may be Japanese written in kanji alone.
SHORT_HAN = 3
#: Floor for a language fastText gives (almost) no probability, so the KB model can still win.
_FASTTEXT_FLOOR = 1e-4


class _Predictor(Protocol):
    def predict(self, text: str, k: int = ..., threshold: float = ...) -> tuple[Any, Any]: ...


def _count_in(text: str, ranges: tuple[tuple[int, int], ...]) -> int:
    """How many characters of ``text`` fall in one of the code-point ``ranges``."""
    return sum(1 for ch in text if any(first <= ord(ch) <= last for first, last in ranges))


def language_of(locale: str) -> str:
    return locale.split("_", 1)[0]


#: fastText's language-identification model, compressed (lid.176.ftz, 938,013 bytes, SHA-256
#: 8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83), as fastText publishes it at
#: https://fasttext.cc/docs/en/language-identification.html. Its licence is CC BY-SA 3.0 (NOTICE).
MODEL_FILE = Path(__file__).parent / "data" / "lid.176.ftz"
#: Its size: a truncated file is refused before fastText reads it (fastText trusts the sizes in a
#: truncated file's header and tries to allocate gigabytes before it fails with std::bad_alloc).
MODEL_SIZE = 938_013

#: Why fastText's model could not be loaded (None: loaded, or not tried yet).
_model_problem: str | None = None


@lru_cache(maxsize=1)
def _fasttext_model() -> _Predictor | None:
    """fastText's lid.176 model from replykit's package data. A missing or unreadable model is
    recorded in :func:`model_problem`, never ignored in silence."""
    global _model_problem
    _model_problem = None
    if not MODEL_FILE.is_file():
        _model_problem = (
            f"{MODEL_FILE}: the language-id model is missing, so languages are told apart by the KB's "
            "own text only: reinstall replykit"
        )
        return None
    try:
        import fasttext  # type: ignore[import-untyped]
    except ImportError:
        _model_problem = "fasttext-predict is not installed, so the language-id model cannot load: reinstall replykit"
        return None
    size = MODEL_FILE.stat().st_size
    if size != MODEL_SIZE:
        _model_problem = (
            f"{MODEL_FILE}: cannot read the language-id model (truncated or replaced: {size:,} bytes, "
            f"not {MODEL_SIZE:,}): reinstall replykit"
        )
        return None
    try:
        model: _Predictor = fasttext.load_model(str(MODEL_FILE))
    except (OSError, ValueError, RuntimeError, MemoryError) as e:  # a damaged file of the right size
        _model_problem = f"{MODEL_FILE}: cannot read the language-id model ({e}): reinstall replykit"
        return None
    return model


def model_problem() -> str | None:
    """Why language identification works without fastText's model (one sentence), or None."""
    _fasttext_model()
    return _model_problem


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


def _known_language(language: str) -> bool:
    """Whether CLDR (Babel) has data for a language: the languages a reply could ever be in."""
    from babel import localedata  # lazy: only for a message that looks like a language the KB lacks

    return bool(localedata.exists(language))


def bcp47(locale: str) -> str:
    """A KB locale id (``en_GB``) as a BCP 47 tag (``en-GB``)."""
    return locale.replace("_", "-")


class Identified(Record):
    """What a message is written in (``language``, BCP 47, any language fastText knows) and the KB
    locale its reply is in (``locale``: that language's, or where the KB's fallbacks route it)."""

    language: str
    locale: str


class LanguageDetector:
    """Pick one of the KB's locales for a text."""

    def __init__(
        self,
        locales: Iterable[str],
        kb_model: KBLanguageModel,
        source_locale: str,
        fallbacks: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.locales = tuple(dict.fromkeys(locales))
        self.kb_model = kb_model
        self.source_locale = source_locale
        self.fallbacks = dict(fallbacks or {})

    @classmethod
    def for_kb(cls, kb: KnowledgeBase) -> LanguageDetector:
        texts: dict[str, list[str]] = defaultdict(list)
        for entry in kb.entries.values():
            for mapping in (entry.questions, entry.examples):
                for locale, phrasings in mapping.items():
                    texts[locale].extend(p.text for p in phrasings)
        return cls(kb.locales, KBLanguageModel.train(texts), kb.source_locale, kb.config.fallbacks)

    def _script_language(self, text: str) -> str | None:
        """Kana means Japanese, Hangul Korean; Han without kana is Chinese unless it is too short to
        tell (Japanese writes two or three characters in kanji alone too) and the KB has Japanese
        but no Chinese, or fastText finds it more Japanese than Chinese."""
        if not text or max(text) < _SCRIPTS_FROM:
            return None
        if _count_in(text, _KANA):
            return "ja"
        if _count_in(text, _HANGUL):
            return "ko"
        han = _count_in(text, _HAN)
        if not han:
            return None
        languages = {language_of(loc) for loc in self.locales}
        if han <= SHORT_HAN and "ja" in languages and "zh" not in languages:
            return "ja"
        fast = fasttext_probabilities(text)
        return "ja" if fast.get("ja", 0.0) > fast.get("zh", 0.0) else "zh"

    def _best_of_language(self, text: str, language: str) -> str | None:
        """The KB locale of ``language`` that fits the text best (en vs en_GB), if the KB has one."""
        candidates = [loc for loc in self.locales if language_of(loc) == language]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        scores = self.kb_model.scores(text)
        return max(candidates, key=lambda loc: scores.get(loc, min(scores.values(), default=0.0)))

    def route(self, language: str) -> str:
        """The KB locale that answers a language the KB lacks: its fallbacks, else the source locale."""
        from replykit.errors import LocaleError
        from replykit.l10n import fallback_chain  # lazy: Babel's locale data

        try:
            chain = fallback_chain(
                language, source_locale=self.source_locale, fallbacks=self.fallbacks, available=self.locales
            )
        except LocaleError:  # a language Babel has no data for: only the KB's own fallbacks apply
            chain = tuple(self.fallbacks.get(language, ()))
        for locale in chain:
            if locale in self.locales:
                return locale
        return self.source_locale if self.source_locale in self.locales else self.locales[0]

    def identify(self, text: str) -> Identified:
        """The message's own language (any that fastText knows) and the KB locale to answer in."""
        if not _LETTER.search(text):
            locale = self.source_locale if self.source_locale in self.locales else self.locales[0]
            return Identified(bcp47(locale), locale)
        scripted = self._script_language(text)
        if scripted is not None:
            found = self._best_of_language(text, scripted)
            return Identified(bcp47(found), found) if found else Identified(scripted, self.route(scripted))
        fast = fasttext_probabilities(text)
        languages = {language_of(loc) for loc in self.locales}
        outside = max(
            ((lang, p) for lang, p in fast.items() if lang not in languages), key=lambda kv: kv[1], default=None
        )
        if outside is not None and not _known_language(outside[0]):
            outside = None  # fastText's rarer labels (war, ceb...) on odd short texts: not a reply language
        if outside is not None and languages & set(CLOSE_LANGUAGES.get(outside[0], ())):
            outside = None  # Norwegian for a Danish KB, Malay for an Indonesian one: fastText mixes them up
        inside = max((fast.get(lang, 0.0) for lang in languages), default=0.0)
        if outside is not None and outside[1] >= OUTSIDE_MIN_PROBABILITY and outside[1] >= OUTSIDE_LEAD * inside:
            return Identified(outside[0], self.route(outside[0]))
        locale = self.detect(text)
        return Identified(bcp47(locale), locale)

    def detect(self, text: str) -> str:
        """The most likely KB locale; the source locale when the text gives no clue (no letters)."""
        if len(self.locales) == 1:
            return self.locales[0]
        if not _LETTER.search(text):
            return self.source_locale if self.source_locale in self.locales else self.locales[0]
        scripted = self._script_language(text)
        if scripted is not None:
            found = self._best_of_language(text, scripted)
            if found is not None:
                return found
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
    """The KB model from the cache (a bundle: each locale's n-grams as one text and their
    log-probabilities as one array, ~2 ms to read where JSON took ~12 ms), else trained and stored."""
    path = cache.cache_file("langid", entries_key(kb), fmt=MODEL_FORMAT, suffix="bundle")
    stored = cache.read_bundle(path)
    if stored is not None:
        try:
            locales = [str(loc) for loc in stored.meta["locales"]]
            log_probs: dict[str, dict[str, float]] = {}
            for i, loc in enumerate(locales):
                grams, probs = stored.texts[f"grams:{i}"], stored.arrays[f"log_probs:{i}"]
                if len(grams) != len(probs):
                    raise ValueError(loc)
                log_probs[loc] = dict(zip(grams, cast("list[float]", probs.tolist()), strict=True))
            model = KBLanguageModel(
                log_probs,
                {loc: float(p) for loc, p in stored.meta["unseen"].items()},
                float(stored.meta["chars_per_locale"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a damaged file: train again
        else:
            return LanguageDetector(kb.locales, model, kb.source_locale, kb.config.fallbacks)
    detector = LanguageDetector.for_kb(kb)
    found = detector.kb_model
    tables = list(found.log_probs.items())
    cache.write_bundle(
        path,
        {"locales": [loc for loc, _ in tables], "unseen": found.unseen, "chars_per_locale": found.chars_per_locale},
        arrays={f"log_probs:{i}": array("d", table.values()) for i, (_, table) in enumerate(tables)},
        texts={f"grams:{i}": list(table) for i, (_, table) in enumerate(tables)},
    )
    return detector


def detect(text: str, kb: KnowledgeBase) -> str:
    """The KB locale the text is most likely written in."""
    return detector_for(kb).detect(text)


def identify(text: str, kb: KnowledgeBase) -> Identified:
    """The message's own language and the KB locale to reply in (see :class:`Identified`)."""
    return detector_for(kb).identify(text)
