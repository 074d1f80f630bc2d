"""A lint finding: the one record every rule yields and every output format is built from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]
LEVELS: tuple[Level, ...] = ("error", "warning")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at a file position; sorting orders findings as a reader walks the files."""

    path: Path
    line: int
    column: int
    rule: str
    level: Level
    message: str

    @property
    def is_error(self) -> bool:
        return self.level == "error"


def count_levels(findings: list[Finding]) -> tuple[int, int]:
    """(errors, warnings) in a list of findings."""
    errors = sum(1 for f in findings if f.level == "error")
    return errors, len(findings) - errors
