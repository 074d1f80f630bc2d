"""The ``matching:`` section of replykit.yaml: declared and validated in :mod:`replykit.config`.

Kept so that ``replykit.matching.settings`` imports keep working.
"""

from __future__ import annotations

from replykit.config import MATCHING_RANGES, MatchingSettings, matching_settings

__all__ = ["MATCHING_RANGES", "MatchingSettings", "matching_settings"]
