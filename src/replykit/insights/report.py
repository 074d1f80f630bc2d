"""The insights report: one record built once, from which every output format is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from replykit.insights.gaps import Gap
from replykit.insights.masking import mask_personal_data


@dataclass(frozen=True)
class EntryRow:
    """One KB entry: how often it was the best match, and how often confidently."""

    id: str
    count: int
    confident: int
    locales: dict[str, int]
    weeks: dict[str, int]
    draft: bool = False


@dataclass(frozen=True)
class Confusion:
    """Two entries that non-confident messages fall between: candidates to sharpen or merge."""

    entries: tuple[str, str]
    count: int
    examples: list[str]


@dataclass(frozen=True)
class TrendRow:
    """How an entry's (or a gap's) share of messages moved from the first to the last part of the period."""

    kind: str  # "entry" | "gap"
    id: str
    first: float
    last: float

    @property
    def change(self) -> float:
        return self.last - self.first


@dataclass
class InsightsReport:
    """What ``replykit insights`` found in the messages."""

    messages: int
    confident: int
    skipped: int
    entries: list[EntryRow]
    gaps: list[Gap]
    confusions: list[Confusion]
    locales: dict[str, int]
    weeks: dict[str, int]
    #: Per week, the messages without a confident answer (the trend chart's second line).
    gap_weeks: dict[str, int] = field(default_factory=dict)
    trend: list[TrendRow] = field(default_factory=list)
    trend_period: tuple[str, str, str, str] | None = None  # first part's weeks, last part's weeks
    ungrouped: int = 0
    masked: bool = True

    @property
    def trend_parts(self) -> tuple[str, str] | None:
        """The compared parts of the period as text: ("2026-W40..2026-W41", "2026-W44") or None."""
        if self.trend_period is None:
            return None
        a, b, c, d = self.trend_period
        return (a if a == b else f"{a}..{b}", c if c == d else f"{c}..{d}")

    @property
    def unasked(self) -> list[str]:
        """The entries no message had as its best match."""
        return [e.id for e in self.entries if e.count == 0]

    def show(self, text: str) -> str:
        """A customer's text as the report may show it (personal data masked unless asked not to)."""
        return mask_personal_data(text) if self.masked else text

    def as_json(self) -> dict[str, Any]:
        """The document ``--format json`` prints (the shape in docs/insights.md)."""
        return {
            "messages": self.messages,
            "confident": self.confident,
            "skipped": self.skipped,
            "entries": [
                {
                    "id": e.id,
                    "count": e.count,
                    "confident": e.confident,
                    "locales": e.locales,
                    "weeks": e.weeks,
                    **({"draft": True} if e.draft else {}),
                }
                for e in self.entries
            ],
            "unasked": self.unasked,
            "gaps": [
                {
                    "id": g.id,
                    "size": g.size,
                    "locales": g.locales,
                    "examples": [self.show(x) for x in g.examples],
                    "members": g.members,
                    "nearest": {"id": g.nearest[0], "score": g.nearest[1]} if g.nearest else None,
                }
                for g in self.gaps
            ],
            "confusions": [
                {"entries": list(c.entries), "count": c.count, "examples": [self.show(x) for x in c.examples]}
                for c in self.confusions
            ],
            "trend": [
                {"kind": t.kind, "id": t.id, "first": round(t.first, 4), "last": round(t.last, 4)} for t in self.trend
            ],
            "locales": self.locales,
            "weeks": self.weeks,
        }
