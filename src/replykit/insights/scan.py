"""Match every message against the KB once per distinct text, on every core, in bounded memory.

Exports repeat themselves: the same question with another order number, greeting or sign-off.
Messages are keyed by what they ask (:func:`~replykit.matching.message.essential_text`: no
greeting, sign-off or quote, as suggest reads them) with case, spacing and digits folded, and each distinct key is
matched once (the first message of the key stands for all of them). Records are read in chunks;
a chunk's new keys are matched on every core by one pool of forked processes that lives as long as
the scan (a chunk has a few hundred new keys: too few for :meth:`Matcher.suggest_many` to fork, so
before the pool the whole scan ran on one core). Memory holds one chunk and the table of outcomes
(cleared if it grows past a bound).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from replykit.insights.records import BadRecord, Message
from replykit.matching import Matcher
from replykit.matching.matcher import matching_processes
from replykit.matching.message import essential_text

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

#: Records read before their new texts are matched together.
CHUNK = 4096
#: Distinct texts whose outcome is remembered; past this the table starts again (memory bound).
MAX_REMEMBERED = 300_000
#: Entries kept per outcome: the best, and the runner-up a confusion is made of.
TOP = 3
#: New texts in one chunk from which the pool of matching processes is started (fewer are matched
#: here: forking costs more than a few dozen matches).
PARALLEL_MIN = 64
#: Texts a matching process takes at a time (small: the last texts of a chunk are shared out evenly).
POOL_CHUNK = 16

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
    """Each readable message with its outcome, in input order; bad records go to ``on_bad``.
    ``workers`` processes match (default: one per core; 1 matches in this process)."""
    with contextlib.ExitStack() as stack:
        match = _Matching(matcher, _worker_count(workers), stack)
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
            for key, outcome in zip(fresh, match(list(fresh.values())), strict=True):
                remembered[key] = Outcome(key, *outcome)
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


#: What a match says about a text, without its key: language, confident, the best entries.
_Answer = tuple[str, bool, tuple[tuple[str, float], ...]]
#: The matcher of the running scan, for the forked processes (they inherit it: nothing is pickled).
_SCANNING: Matcher | None = None


def _worker_count(workers: int | None) -> int:
    return matching_processes() if workers is None else max(1, workers)


def _answer(matcher: Matcher, text: str) -> _Answer:
    answer = matcher.suggest(text, top=TOP)
    language = getattr(answer, "language", None) or answer.locale or "und"
    return str(language), answer.confident, tuple((m.id, m.score) for m in answer.matches)


def _answer_in_worker(text: str) -> _Answer:
    assert _SCANNING is not None, "forked by _Matching"
    return _answer(_SCANNING, text)


class _Matching:
    """Matches texts here, or -- once a chunk has enough new texts -- in a pool of forked processes
    kept until the scan ends (closed by ``stack``)."""

    def __init__(self, matcher: Matcher, workers: int, stack: contextlib.ExitStack) -> None:
        self.matcher = matcher
        self.workers = workers
        self.stack = stack
        self.pool: Pool | None = None

    def __call__(self, texts: Sequence[str]) -> Iterator[_Answer]:
        if self.pool is None and self.workers > 1 and len(texts) >= PARALLEL_MIN:
            self.pool = self._start()
        if self.pool is None:
            return (_answer(self.matcher, text) for text in texts)
        return self.pool.imap(_answer_in_worker, texts, chunksize=POOL_CHUNK)

    def _start(self) -> Pool:
        import multiprocessing

        global _SCANNING
        _SCANNING = self.matcher
        self.stack.callback(_forget_matcher)
        return self.stack.enter_context(multiprocessing.get_context("fork").Pool(self.workers))


def _forget_matcher() -> None:
    global _SCANNING
    _SCANNING = None
