"""Counts per entry, language and week, the entry pairs messages fall between, and the trend."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from replykit.insights.records import Message
from replykit.insights.scan import Outcome

#: A non-confident message whose two best entries are this close falls *between* them.
CONFUSION_MARGIN = 0.05
#: ... provided the runner-up is at least this good (two poor matches are a gap, not a confusion).
CONFUSION_MIN_SCORE = 0.45


def week_of(day: date) -> str:
    """ISO week as ``2026-W48``: weeks sort as text and read the same in every locale."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


@dataclass
class EntryTally:
    """How often one entry was the best match, confidently or not, per language and week."""

    count: int = 0
    confident: int = 0
    locales: Counter[str] = field(default_factory=Counter)
    weeks: Counter[str] = field(default_factory=Counter)


@dataclass
class Tally:
    """Everything counted while the messages stream by: small, whatever the input's size."""

    messages: int = 0
    confident: int = 0
    entries: dict[str, EntryTally] = field(default_factory=lambda: defaultdict(EntryTally))
    locales: Counter[str] = field(default_factory=Counter)
    weeks: Counter[str] = field(default_factory=Counter)
    gap_weeks: Counter[str] = field(default_factory=Counter)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    confusion_examples: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    first_day: date | None = None
    last_day: date | None = None

    def add(self, message: Message, outcome: Outcome) -> None:
        self.messages += 1
        self.locales[outcome.locale] += 1
        week = week_of(message.day) if message.day is not None else None
        if message.day is not None:
            self.weeks[week or ""] += 1
            if self.first_day is None or message.day < self.first_day:
                self.first_day = message.day
            if self.last_day is None or message.day > self.last_day:
                self.last_day = message.day
        best = outcome.best
        if best is not None:
            entry = self.entries[best[0]]
            entry.count += 1
            entry.locales[outcome.locale] += 1
            if week is not None:
                entry.weeks[week] += 1
            if outcome.confident:
                entry.confident += 1
                self.confident += 1
        if not outcome.confident:
            if week is not None:
                self.gap_weeks[week] += 1
            if len(outcome.matches) >= 2:
                (a, sa), (b, sb) = outcome.matches[0], outcome.matches[1]
                if sb >= CONFUSION_MIN_SCORE and sa - sb <= CONFUSION_MARGIN:
                    pair = (a, b) if a < b else (b, a)
                    self.confusions[pair] += 1
                    examples = self.confusion_examples[pair]
                    if len(examples) < 3 and message.text not in examples:
                        examples.append(message.text)

    def halves(self) -> tuple[list[str], list[str]] | None:
        """The weeks of the first and of the last third of the period (None without two weeks of dates)."""
        if self.first_day is None or self.last_day is None:
            return None
        first, last = week_start(week_of(self.first_day)), week_start(week_of(self.last_day))
        weeks = []
        day = first
        while day <= last:
            weeks.append(week_of(day))
            day += timedelta(days=7)
        if len(weeks) < 2:
            return None
        third = max(1, len(weeks) // 3)
        return weeks[:third], weeks[-third:]
