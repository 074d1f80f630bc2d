"""Find the FAQ entries that answer a customer's question: normalise, tokenise, index, score, calibrate.

``suggest(kb, text)`` for one question; ``Matcher.for_kb(kb)`` to score many texts against one index
(what ``suggest --batch`` and lint's ambiguity check do).
"""

from replykit.matching.matcher import Match, Matcher, Suggestion, suggest
from replykit.matching.settings import MatchingSettings, matching_settings

__all__ = ["Match", "Matcher", "MatchingSettings", "Suggestion", "matching_settings", "suggest"]
