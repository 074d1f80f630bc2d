"""What the readers hand to the analysis: one customer message, or one record that could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Message:
    """One customer message of the input.

    ``number`` is the 1-based record number over all inputs, in reading order (what the JSON
    report's ``members`` list); ``where`` is ``file:line`` (or ``file#n`` for mailboxes) for people.
    """

    number: int
    text: str
    where: str
    day: date | None = None


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that was skipped (or kept without a date), with why: the run goes on."""

    number: int
    where: str
    reason: str
    skipped: bool = True
    kept_as: str = "kept without a date"  # what happened to a record that was not skipped

    def format(self) -> str:
        action = "skipped" if self.skipped else self.kept_as
        return f"{self.where}: record {self.number}: {self.reason}: {action}"
