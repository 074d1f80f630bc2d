"""Match every message against the KB once per distinct text, on every core, in bounded memory.

Exports repeat themselves: the same question with another order number, greeting or sign-off.
Messages are keyed by what they ask (:func:`~replykit.matching.message.essential_text`: no
greeting, sign-off or quote, as suggest reads them) with case, spacing and digits folded, and each distinct key is
matched once (the first message of the key stands for all of them). Records are read in chunks;
a chunk's new keys go through :meth:`Matcher.suggest_many`, which forks one process per core for
big batches. Memory holds one chunk and the table of outcomes (cleared if it grows past a bound).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from replykit.insights.records import BadRecord, Message
from replykit.matching import Matcher
from replykit.matching.message import essential_text

#: Records read before their new texts are matched together.
CHUNK = 4096
#: Distinct texts whose outcome is remembered; past this the table starts again (memory bound).
MAX_REMEMBERED = 300_000
#: Entries kept per outcome: the best, and the runner-up a confusion is made of.
TOP = 3

_DIGITS = re.compile(r"\d+")


def match_key(text: str) -> str:
    """What the text asks, with case, spacing and numbers folded ("Hi, order 123?" = "order 456?")."""
    return _DIGITS.sub("0", " ".join(essential_text(text).casefold().split()))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What suggest said about a message: its language, whether it was answered, the best entries."""

    key: str
    locale: str
    confident: bool
    matches: tuple[tuple[str, float], ...]

    @property
    def best(self) -> tuple[str, float] | None:
        return self.matches[0] if self.matches else None


def scan(
    matcher: Matcher,
    records: Iterable[Message | BadRecord],
    *,
    workers: int | None = None,
    on_bad: Callable[[BadRecord], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Message, Outcome]]:
    """Each readable message with its outcome, in input order; bad records go to ``on_bad``."""
    remembered: dict[str, Outcome] = {}
    chunk: list[tuple[Message, str]] = []
    seen = 0

    def flush() -> Iterator[tuple[Message, Outcome]]:
        nonlocal remembered
        if len(remembered) > MAX_REMEMBERED:
            remembered = {}
        fresh: dict[str, str] = {}
        for message, key in chunk:
            if key not in remembered and key not in fresh:
                fresh[key] = message.text
        if fresh:
            keys = list(fresh)
            answers = matcher.suggest_many([fresh[k] for k in keys], top=TOP, workers=workers)
            for key, answer in zip(keys, answers, strict=True):
                language = getattr(answer, "language", None) or answer.locale or "und"
                matches = tuple((m.id, m.score) for m in answer.matches)
                remembered[key] = Outcome(key, str(language), answer.confident, matches)
        for message, key in chunk:
            yield message, remembered[key]
        if on_progress is not None:
            on_progress(seen)

    for record in records:
        if isinstance(record, BadRecord):  # a kept record (unreadable date) follows as a Message
            seen += record.skipped
            if on_bad is not None:
                on_bad(record)
            continue
        seen += 1
        chunk.append((record, match_key(record.text)))
        if len(chunk) >= CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()
    elif on_progress is not None:
        on_progress(seen)
