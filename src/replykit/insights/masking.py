"""Mask personal data in the messages a report shows: reports travel further than the helpdesk.

E-mail addresses, URLs, phone numbers, card and account numbers, and any other run of four or
more digits (order numbers, postcodes) are replaced by a bracketed label. Names are not guessed
at: the greeting and signature that usually carry them were already set aside.
"""

from __future__ import annotations

import re

_RULES = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE), "[url]"),
    (re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b"), "[iban]"),
    (re.compile(r"\b(?:\d[ -]?){13,19}\b"), "[card]"),
    (re.compile(r"(?<![\w])\+?\(?\d[\d ()./-]{6,}\d(?![\w])"), "[phone]"),
    (re.compile(r"(?<![A-Za-z0-9])#?[A-Za-z]{0,4}[-#]?\d{4,}[A-Za-z0-9-]*"), "[number]"),
)


def mask_personal_data(text: str) -> str:
    """``text`` with addresses, links and long numbers replaced by ``[email]``, ``[url]``, ``[number]``..."""
    for pattern, label in _RULES:
        text = pattern.sub(label, text)
    return text
