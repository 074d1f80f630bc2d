"""Turn normalised text into the terms the index weighs: words, CJK characters and pairs, char n-grams.

Chinese and Japanese are written without spaces, so a "word" there is each character and each
pair of neighbouring characters (a cheap, dictionary-free stand-in for a segmenter that still
matches 荷物 inside 荷物が). Character n-grams inside words make matching robust to typos and
inflection (refund / refunds / refunded share most of their n-grams).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from replykit.matching.patterns import LazyPattern

# Scripts written without spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
#: The first code point of those scripts: a text below it has no unspaced runs.
_FIRST_UNSPACED = "\u0e00"
# Compiling the script ranges costs ~8 ms, a noticeable share of a one-question process, so the
# full patterns are compiled only for the first text that reaches those scripts.
_LATIN_RUN = re.compile(r"[^\W\d_]+|\d+")
_ANY_RUN = LazyPattern(rf"[{_UNSPACED}]+|[^\W\d_{_UNSPACED}]+|\d+")
_UNSPACED_RUN = LazyPattern(rf"^[{_UNSPACED}]+$")


def _runs(text: str) -> list[str]:
    if not text or max(text) < _FIRST_UNSPACED:
        return _LATIN_RUN.findall(text)
    return _ANY_RUN.findall(text)

#: Babel language code -> Snowball algorithm (PyStemmer).
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nb": "norwegian", "nn": "norwegian",
    "no": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}

#: Lengths of the character n-grams taken inside each (space-delimited) word.
CHAR_NGRAM_SIZES = (3, 4)


#: Words shorter than this are not repaired as typos: too many short words are one edit apart.
MIN_TYPO_LENGTH = 4


def _is_unspaced(run: str) -> bool:
    return bool(run) and max(run) >= _FIRST_UNSPACED and _UNSPACED_RUN.match(run) is not None


def is_spaced_word(term: str) -> bool:
    """True for a word of a script written with spaces (a candidate for typo repair)."""
    return term.isalpha() and not _is_unspaced(term)


def words(text: str) -> list[str]:
    """The runs of a normalised text: words, numbers, and unbroken runs of unspaced scripts."""
    return _runs(text)


def language_words(text: str, language: str | None = None) -> list[str]:
    """:func:`words`, with English negations read as "<verb> not" (:func:`english_negations`)."""
    runs = words(text)
    return english_negations(runs) if (language or "").split("_", 1)[0] == "en" else runs


def word_terms(text: str, language: str | None = None) -> tuple[str, ...]:
    """Word terms of a normalised text (see :func:`run_terms`); no language means no stemming."""
    return run_terms(language_words(text, language), language)


#: English negative contractions as customers type them without the apostrophe ...
_EN_NEGATIONS = {
    "cannot": "can", "cant": "can", "wont": "will", "dont": "do", "doesnt": "does", "didnt": "did",
    "isnt": "is", "arent": "are", "wasnt": "was", "werent": "were", "havent": "have", "hasnt": "has",
    "hadnt": "had", "couldnt": "could", "wouldnt": "would", "shouldnt": "should",
}
#: ... and what stands before "t" when they keep it ("didn't" splits into "didn" + "t").
_EN_BEFORE_APOSTROPHE_T = {
    "can": "can", "won": "will", "don": "do", "doesn": "does", "didn": "did", "isn": "is", "aren": "are",
    "wasn": "was", "weren": "were", "haven": "have", "hasn": "has", "hadn": "had", "couldn": "could",
    "wouldn": "would", "shouldn": "should",
}


def english_negations(runs: Iterable[str]) -> list[str]:
    """Read "didn't", "didnt" and "did not" alike, as "did" + "not".

    The apostrophe splits "didn't" into "didn" + "t", a word no other spelling shares, so "can't",
    "cant" and "cannot" would be three different words; as "<verb> not" they are one, and the
    pair "did not" keeps the negation next to its verb.
    """
    out: list[str] = []
    for run in runs:
        if run == "t" and out and out[-1] in _EN_BEFORE_APOSTROPHE_T:
            out[-1:] = (_EN_BEFORE_APOSTROPHE_T[out[-1]], "not")
        elif run in _EN_NEGATIONS:
            out.extend((_EN_NEGATIONS[run], "not"))
        else:
            out.append(run)
    return out


def run_terms(runs: Iterable[str], language: str | None = None) -> tuple[str, ...]:
    """Word terms: stems of words and pairs of neighbouring stems ("top up"), CJK characters and pairs.

    Stems (Snowball, for the language of the text) let "charged" meet "charge"; pairs keep the
    phrases that tell close entries apart ("top up" vs "up to").
    """
    stem = stemmer_for(language)
    out: list[str] = []
    previous: str | None = None
    for run in runs:
        if _is_unspaced(run):
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            previous = None
            continue
        term = stem(run) if stem is not None and run.isalpha() else run
        out.append(term)
        if previous is not None:
            out.append(f"{previous} {term}")
        previous = term
    return tuple(out)


@lru_cache(maxsize=64)
def stemmer_for(language: str | None) -> Callable[[str], str] | None:
    """A cached Snowball stemmer for a language code, or None when Snowball has none."""
    name = _SNOWBALL.get((language or "").split("_", 1)[0])
    if name is None:
        return None
    import Stemmer  # type: ignore[import-not-found,import-untyped,unused-ignore]  # PyStemmer (C Snowball)

    if name not in Stemmer.algorithms():  # an older PyStemmer lacks the newer Snowball languages (polish, ...)
        return None
    stemmer = Stemmer.Stemmer(name)
    stemmer.maxCacheSize = 50000

    def stem(word: str) -> str:
        result: str = stemmer.stemWord(word)
        return result

    return stem


@lru_cache(maxsize=65536)
def char_terms(text: str) -> tuple[str, ...]:
    """Character n-grams of each word, padded with spaces so that word starts and ends count."""
    out: list[str] = []
    for run in _runs(text):
        if _is_unspaced(run):
            out.extend(run[i : i + 3] for i in range(len(run) - 2))
            continue
        padded = f" {run} "
        if len(padded) <= CHAR_NGRAM_SIZES[0]:
            out.append(padded)
            continue
        for size in CHAR_NGRAM_SIZES:
            out.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return tuple(out)
