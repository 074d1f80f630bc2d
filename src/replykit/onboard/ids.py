"""Entry ids from questions: readable, stable for the same question, unique in the KB."""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_ID_LENGTH = 48
VALID_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def slugify(text: str) -> str:
    """``"Where is my order?"`` -> ``where-is-my-order``; empty for text with no Latin letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_ID_LENGTH:
            break
        slug = candidate
    return slug or (words[0][:MAX_ID_LENGTH] if words else "")


def id_for(text: str, key: str) -> str:
    """An id from the question, else (Japanese, Arabic, ...) ``faq-`` and a hash of the item's key."""
    return slugify(text) or "faq-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def unique_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... when another entry already has it."""
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"
