"""The ``matching:`` section of replykit.yaml: confidence thresholds and signal weights, validated.

Defaults were chosen once on the evaluation sets (e-commerce, banking, ten-language intents, and
out-of-scope questions) and work on all of them unchanged, so a KB rarely needs to set anything.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from replykit.errors import KBError, Problem
from replykit.kb.model import KnowledgeBase


@dataclass(frozen=True)
class MatchingSettings:
    """Thresholds that decide when a match is `confident`, and how signals are combined."""

    #: The best entry's score must reach this to be confident ...
    min_score: float = 0.55
    #: ... and lead the next entry by at least this much (a close runner-up is a question to check:
    #: chosen on the evaluation sets for precision of confident answers first, see docs/eval-results.md).
    min_margin: float = 0.08
    #: Share of the word channel in a phrasing's score (the rest is character n-grams).
    word_weight: float = 0.5
    #: Share of the best single phrasing in an entry's score (the rest is all its phrasings together).
    phrasing_weight: float = 0.2
    #: Factor for phrasings in another language than the customer's.
    other_locale_factor: float = 0.7
    #: rapidfuzz similarity (0..100) from which an unknown word is read as a typo of a KB word.
    typo_similarity: float = 80.0
    #: Share of meaning (cosine of the meaning table's embeddings, question vs. entry) in the reported score of
    #: the lexically best entries; 0 turns the semantic signal off.
    semantic_weight: float = 0.4


_RANGES: dict[str, tuple[float, float]] = {
    "min_score": (0.0, 1.0),
    "min_margin": (0.0, 1.0),
    "word_weight": (0.0, 1.0),
    "phrasing_weight": (0.0, 1.0),
    "other_locale_factor": (0.0, 1.0),
    "typo_similarity": (50.0, 100.0),
    "semantic_weight": (0.0, 1.0),
}


def matching_settings(kb: KnowledgeBase) -> MatchingSettings:
    """Read ``matching:`` from the KB's config; raise KBError naming file and line for bad values."""
    raw: dict[str, Any] = dict(kb.config.matching or {})
    if not raw:
        return MatchingSettings()
    known = [f.name for f in fields(MatchingSettings)]
    problems: list[Problem] = []
    values: dict[str, float] = {}
    for key, value in raw.items():
        pos = kb.config.position_of(f"matching.{key}")
        if key not in known:
            message = f"unknown matching setting '{key}': use one of {', '.join(known)}"
            problems.append(Problem(Path(pos.path), pos.line, pos.column, message))
            continue
        low, high = _RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            problems.append(
                Problem(
                    Path(pos.path),
                    pos.line,
                    pos.column,
                    f"matching.{key} must be a number from {low:g} to {high:g}, not {value!r}",
                )
            )
            continue
        values[key] = float(value)
    if problems:
        raise KBError(problems)
    return MatchingSettings(**values)
