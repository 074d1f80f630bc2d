"""The report as one self-contained HTML page: inline CSS and SVG charts, no script, font or link.

A support lead mails it around or opens it offline; nothing in it reaches the network. Every text
from the messages or the KB is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from replykit.errors import counted
from replykit.insights.report import InsightsReport

BAR_ROWS = 15
PALETTE = ("#2f6fb3", "#e07b39", "#3a9d5d", "#b23a48", "#7a5ea8", "#c9a227", "#3b8ea5", "#8c6d46")

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;
color:#1d2733;background:#f5f7fa}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}
.sub{color:#5a6b7d;margin:0 0 18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px #0002;min-width:150px}
.card b{display:block;font-size:22px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.panel{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px #0002;overflow:hidden}
.panel h3{margin:0 0 8px;font-size:15px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px #0002}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e6eaef;vertical-align:top}
th{background:#eef2f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ex{color:#3c4a59;font-size:13px}.ex div{margin:2px 0}
.tag{display:inline-block;background:#eef2f6;border-radius:4px;padding:0 5px;margin:1px;font-size:12px}
.up{color:#b23a48}.down{color:#3a9d5d}
svg text{font:12px system-ui,sans-serif;fill:#1d2733}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
"""



def _plural(n: int, one: str, many: str | None = None) -> str:
    return counted(n, one, many).split(" ", 1)[1]

def _bars(items: Sequence[tuple[str, int]], color: str, width: int = 480) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return '<p class="sub">no data</p>'
    row, label_w, top = 22, 170, max(n for _, n in items) or 1
    height = row * len(items) + 4
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">']
    for i, (label, n) in enumerate(items):
        y = i * row + 2
        w = max(1.0, (width - label_w - 50) * n / top)
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" rx="3" fill="{color}">'
            f"<title>{escape(label)}: {n}</title></rect>"
            f'<text x="{label_w + w + 5:.1f}" y="{y + 15}">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _weeks_chart(weeks: dict[str, int], gaps: dict[str, int], width: int = 480, height: int = 200) -> str:
    """Messages per week (and how many of them went unanswered) as an inline SVG line chart."""
    if len(weeks) < 2:
        return '<p class="sub">the messages have no dates (or one week only): give a date column for trends</p>'
    labels = sorted(weeks)
    top = max(weeks.values()) or 1
    left, bottom, right, upper = 40, 28, 14, 30
    span_x = (width - left - right) / (len(labels) - 1)
    span_y = height - bottom - upper

    def points(series: dict[str, int]) -> str:
        return " ".join(
            f"{left + i * span_x:.1f},{upper + span_y * (1 - series.get(w, 0) / top):.1f}" for i, w in enumerate(labels)
        )

    step = -(-len(labels) // 5)  # at most five labels: "2026-W38" is wide
    ticks = "".join(
        f'<text x="{left + i * span_x:.1f}" y="{height - 8}" text-anchor="{"start" if i == 0 else "middle"}">'
        f"{escape(w if i == 0 else w.split('-', 1)[-1])}</text>"
        for i, w in enumerate(labels) if i % step == 0
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">'
        f'<line x1="{left}" y1="{upper + span_y}" x2="{width - right}" y2="{upper + span_y}" stroke="#c5cfd9"/>'
        f'<text x="{left - 6}" y="{upper + 4}" text-anchor="end">{top}</text>'
        f'<text x="{left - 6}" y="{upper + span_y}" text-anchor="end">0</text>'
        f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2.5" points="{points(weeks)}"/>'
        f'<polyline fill="none" stroke="{PALETTE[3]}" stroke-width="2" stroke-dasharray="5 3" points="{points(gaps)}"/>'
        f"{ticks}"
        f'<rect x="{left}" y="2" width="10" height="10" fill="{PALETTE[0]}"/>'
        f'<text x="{left + 15}" y="11">all messages</text>'
        f'<rect x="{left + 110}" y="2" width="10" height="10" fill="{PALETTE[3]}"/>'
        f'<text x="{left + 125}" y="11">no confident answer</text>'
        "</svg>"
    )


def _tags(counts: dict[str, int]) -> str:
    return "".join(f'<span class="tag">{escape(k)} {v}</span>' for k, v in counts.items())


def render_html(report: InsightsReport, *, title: str = "replykit insights") -> str:
    share = f"{report.confident / report.messages:.0%}" if report.messages else "-"
    gap_messages = sum(g.size for g in report.gaps)
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="sub">What customers asked, what the knowledge base answered, and what it does not answer yet.</p>'
        '<div class="cards">'
        f"<div class=card><b>{report.messages}</b>{_plural(report.messages, 'message')}</div>"
        f"<div class=card><b>{share}</b>answered with confidence</div>"
        f"<div class=card><b>{len(report.gaps)}</b>{_plural(len(report.gaps), 'gap')}"
        f" ({counted(gap_messages, 'message')})</div>"
        f"<div class=card><b>{len(report.unasked)}</b>{_plural(len(report.unasked), 'entry', 'entries')}"
        " nothing asked</div>"
        f"<div class=card><b>{report.skipped}</b>{_plural(report.skipped, 'record')} skipped</div>"
        "</div>"
    )
    entries = [(e.id, e.count) for e in report.entries if e.count][:BAR_ROWS]
    gap_sizes = [(g.id, g.size) for g in report.gaps][:BAR_ROWS]
    charts = (
        '<h2>Overview</h2><div class="grid">'
        f'<div class="panel"><h3>Entries by volume</h3>{_bars(entries, PALETTE[0])}</div>'
        f'<div class="panel"><h3>Languages</h3>{_bars(list(report.locales.items())[:BAR_ROWS], PALETTE[2])}</div>'
        f'<div class="panel"><h3>Messages per week</h3>{_weeks_chart(report.weeks, report.gap_weeks)}</div>'
        f'<div class="panel"><h3>Gap sizes</h3>{_bars(gap_sizes, PALETTE[1])}</div>'
        "</div>"
    )
    gap_rows = "".join(
        f"<tr><td>{n}</td><td><b>{escape(g.id)}</b></td><td class=n>{g.size}</td><td>{_tags(g.locales)}</td>"
        f"<td>{escape(g.nearest[0]) + f' ({g.nearest[1]:.2f})' if g.nearest else '-'}</td>"
        f'<td class="ex">{"".join(f"<div>“{escape(report.show(x))}”</div>" for x in g.examples)}</td></tr>'
        for n, g in enumerate(report.gaps, 1)
    )
    gaps = (
        "<h2>Gaps: asked, but not answered with confidence</h2><table><tr><th>#</th><th>suggested id</th>"
        f"<th>messages</th><th>languages</th><th>nearest entry</th><th>examples</th></tr>{gap_rows}</table>"
        if report.gaps else "<h2>Gaps</h2><p>No gaps: every group of questions found a confident answer.</p>"
    )
    entry_rows = "".join(
        f"<tr><td>{escape(e.id)}{' <span class=tag>draft</span>' if e.draft else ''}</td><td class=n>{e.count}</td>"
        f"<td class=n>{e.confident}</td><td>{_tags(e.locales)}</td></tr>"
        for e in report.entries
    )
    table = ("<h2>Entries</h2><table><tr><th>entry</th><th>messages</th><th>confident</th><th>languages</th></tr>"
             f"{entry_rows}</table>")
    confusion = ""
    if report.confusions:
        rows = "".join(
            f"<tr><td>{escape(c.entries[0])} / {escape(c.entries[1])}</td><td class=n>{c.count}</td>"
            f'<td class="ex">{"".join(f"<div>“{escape(report.show(x))}”</div>" for x in c.examples)}</td></tr>'
            for c in report.confusions
        )
        confusion = ("<h2>Confusions: messages between two entries</h2><table><tr><th>entries</th><th>messages</th>"
                     f"<th>examples</th></tr>{rows}</table>")
    trend = ""
    if report.trend and report.trend_parts:
        first, last = report.trend_parts
        rows = "".join(
            f"<tr><td class={'up' if t.change > 0 else 'down'}>{'▲' if t.change > 0 else '▼'} {escape(t.id)}</td>"
            f"<td>{t.kind}</td><td class=n>{t.first:.1%}</td><td class=n>{t.last:.1%}</td></tr>"
            for t in report.trend
        )
        trend = (f"<h2>Trend: share of messages, {escape(first)} vs {escape(last)}</h2>"
                 f"<table><tr><th>topic</th><th>kind</th><th>first</th><th>last</th></tr>{rows}</table>")
    return head + charts + gaps + confusion + trend + table + "</main></body></html>\n"
