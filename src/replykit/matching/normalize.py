"""Text normalisation shared by the index and the queries, so both sides compare alike.

Customers type full-width letters, accents or none, capitals or not; the KB author writes one
spelling. NFKC folds full-width and compatibility forms, casefold folds case (ß -> ss), and accents
are dropped from Latin letters only: removing the marks of kana (が -> か) would change the word.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_LATIN_END = 0x024F  # end of Latin Extended-B: bases whose combining marks we drop


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """NFKC, casefold, strip accents from Latin letters, collapse whitespace."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        kept: list[str] = []
        base_is_latin = False
        for ch in unicodedata.normalize("NFD", folded):
            if unicodedata.combining(ch):
                if base_is_latin:
                    continue
            else:
                base_is_latin = ord(ch) <= _LATIN_END
            kept.append(ch)
        folded = unicodedata.normalize("NFC", "".join(kept))
    return " ".join(folded.split())
