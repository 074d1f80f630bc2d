"""The report as one CSV table (a ``kind`` column tells entries, gaps, confusions and trend apart)."""

from __future__ import annotations

import csv
import io
import json

from replykit.insights.report import InsightsReport

HEADER = ("kind", "id", "count", "confident", "locales", "nearest", "nearest_score", "examples", "members")


def render_csv(report: InsightsReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for e in report.entries:
        writer.writerow(("entry", e.id, e.count, e.confident, json.dumps(e.locales), "", "", "", ""))
    for g in report.gaps:
        near, score = (g.nearest[0], f"{g.nearest[1]:.4f}") if g.nearest else ("", "")
        writer.writerow(
            ("gap", g.id, g.size, 0, json.dumps(g.locales, ensure_ascii=False), near, score,
             " | ".join(report.show(x) for x in g.examples), " ".join(map(str, g.members)))
        )
    for c in report.confusions:
        writer.writerow(
            ("confusion", "/".join(c.entries), c.count, "", "", "", "", " | ".join(report.show(x) for x in c.examples),
             "")
        )
    for t in report.trend:
        writer.writerow((f"trend-{t.kind}", t.id, "", "", "", "", f"{t.change:+.4f}", "", ""))
    return out.getvalue()
