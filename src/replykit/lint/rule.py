"""What a lint rule is: an id, a default level, declared options and a ``check()`` generator.

Rules yield :class:`Violation` records without a level; the runner turns them into findings with
the level the user configured, and drops those an entry asked to ignore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from replykit.kb.model import Position
from replykit.lint.finding import Level

if TYPE_CHECKING:
    from replykit.lint.context import LintContext


@dataclass(frozen=True)
class Violation:
    """A problem a rule found; ``entries`` are the entries it belongs to (for per-entry ignore)."""

    position: Position
    message: str
    entries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """A setting a rule accepts in replykit.yaml; ``parse`` raises ValueError saying what is expected."""

    name: str
    default: Any
    parse: Callable[[Any], Any]
    help: str


Check = Callable[["LintContext", Mapping[str, Any]], Iterator[Violation]]


@dataclass(frozen=True)
class Rule:
    """One lint rule. ``doc`` is the rule module's docstring: its user documentation."""

    id: str
    level: Level
    check: Check
    doc: str
    options: tuple[Option, ...] = field(default=())

    @property
    def summary(self) -> str:
        """The docstring's first line: what the rule reports."""
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.id

    @property
    def defaults(self) -> dict[str, Any]:
        return {opt.name: opt.default for opt in self.options}


# ---- option parsers shared by rules ----------------------------------------------------------


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("a whole number above 0")
    return value


def string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("a list of texts")
    return tuple(value)


def fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError("a number between 0 and 1")
    return float(value)


def channel_limits(value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise ValueError("a mapping of channel to a maximum number of characters, e.g. {email: 2000, chat: 500}")
    return {str(channel): positive_int(limit) for channel, limit in value.items()}
