"""The report as plain-text tables for a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from replykit.errors import counted
from replykit.insights.report import InsightsReport

#: Entries listed in the text report (all of them are in json/csv/html).
ENTRY_ROWS = 25


def _table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _locales(counts: dict[str, int], limit: int = 4) -> str:
    items = list(counts.items())
    text = " ".join(f"{loc} {n}" for loc, n in items[:limit])
    return text + (f" +{len(items) - limit}" if len(items) > limit else "")


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: InsightsReport) -> str:
    share = f"{report.confident / report.messages:.0%}" if report.messages else "-"
    out = [
        f"{counted(report.messages, 'message')} · {report.confident} answered with confidence ({share})"
        f" · {counted(len(report.gaps), 'gap')} · {counted(report.skipped, 'record')} skipped",
        "",
        "Entries (best match for how many messages):",
    ]
    asked = [e for e in report.entries if e.count]
    rows = [("entry", "messages", "confident", "languages")]
    rows += [(e.id + (" (draft)" if e.draft else ""), str(e.count), str(e.confident), _locales(e.locales))
             for e in asked[:ENTRY_ROWS]]
    out += ["  " + line for line in _table(rows, right=(1, 2))] if asked else ["  (none)"]
    if len(asked) > ENTRY_ROWS:
        out.append(f"  … and {len(asked) - ENTRY_ROWS} more (see --format json, csv or html)")
    if report.unasked:
        out += ["", f"Entries nothing asked ({len(report.unasked)}): " + ", ".join(report.unasked)]
    out += ["", "Gaps (asked, but no entry answers with confidence):"]
    if report.gaps:
        for n, gap in enumerate(report.gaps, 1):
            near = f"{gap.nearest[0]} {gap.nearest[1]:.2f}" if gap.nearest else "-"
            out.append(f"  {n}. {gap.id}  {gap.size} messages · {_locales(gap.locales)} · nearest entry: {near}")
            out += [f"       “{_short(report.show(x))}”" for x in gap.examples]
    else:
        out.append("  (none)")
    if report.ungrouped:
        out.append(f"  ({report.ungrouped} non-confident messages beyond the grouping limit were counted, not grouped)")
    if report.confusions:
        out += ["", "Confusions (messages fall between two entries: sharpen or merge them):"]
        pairs: list[tuple[str, ...]] = [("entries", "messages", "example")]
        pairs += [(f"{c.entries[0]} / {c.entries[1]}", str(c.count), _short(report.show(c.examples[0]), 50))
                  for c in report.confusions]
        out += ["  " + line for line in _table(pairs, right=(1,))]
    if report.trend and report.trend_parts:
        first, last = report.trend_parts
        out += ["", f"Trend (share of messages, {first} -> {last}):"]
        rows = [("", "kind", "first", "last")]
        rows += [("▲ " + t.id if t.change > 0 else "▼ " + t.id, t.kind, f"{t.first:.1%}", f"{t.last:.1%}")
                 for t in report.trend]
        out += ["  " + line for line in _table(rows, right=(2, 3))]
    return "\n".join(out) + "\n"
