"""How an answer looks in a terminal: rich measures East Asian widths, fits the width, colours on a terminal.

rich's Console follows ``NO_COLOR``, and prints plain text when the output is piped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from replykit.desk.answering import Answer
    from replykit.matching import Suggestion


def console_for(stream: TextIO | None = None) -> Console:
    """A Console on ``stream`` (stdout): colour only on a terminal, never with NO_COLOR, its real width."""
    stream = stream or sys.stdout
    terminal = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not terminal, emoji=False,
                   force_terminal=terminal or None, no_color=None)


def verdict_text(suggestion: Suggestion) -> Text:
    """One line: the language and whether the best entry can be sent as it is (green) or must be checked (yellow)."""
    locale = f"{suggestion.locale} ({suggestion.locale_source})" if suggestion.locale else "unknown"
    line = Text(f"language: {locale} · ")
    if not suggestion.matches:
        line.append("no entry matches this question", style="bold red")
    elif suggestion.confident:
        line.append(f"confident match: {suggestion.matches[0].id}", style="bold green")
    else:
        line.append("no confident match: the closest entries are below, check before sending", style="bold yellow")
    return line


def matches_table(suggestion: Suggestion, *, explain: bool = False, pick: int = 0) -> Table:
    """The ranked entries; columns measured in terminal cells, the phrasing column shrinks to fit."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 2, 0, 0))
    ids = [m.id for m in suggestion.matches]
    # rank, id and score keep their width; the phrasing, then the tags, give way on a narrow terminal
    table.add_column("#", justify="left", no_wrap=True, min_width=3 if pick else 1)
    table.add_column("entry", no_wrap=True, style="cyan", min_width=max(map(len, ids), default=5))
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("matched phrasing", overflow="ellipsis", no_wrap=True, ratio=3, min_width=12)
    table.add_column("tags", overflow="ellipsis", no_wrap=True, style="dim", ratio=1, min_width=8)
    for rank, m in enumerate(suggestion.matches, 1):
        marker = "▶" if rank == pick else ""
        cells = (f"{marker}{rank}", m.id, f"{m.score:.2f}", f"[{m.locale}] {m.question}", ", ".join(m.tags))
        table.add_row(*(Text(cell) for cell in cells), style="bold" if rank == pick else None)  # text, not markup
        if explain and m.explanation:
            table.add_row("", Text("why: " + m.explanation, style="dim"), "", "", "")
    return table


def answer_renderables(answer: Answer, console: Console) -> Iterator[RenderableType]:
    """Verdict, entries, the reply between rules, and what to check or fill in before sending."""
    suggestion = answer.suggestion
    yield Text("")
    yield verdict_text(suggestion)
    if not suggestion.matches:
        return
    yield matches_table(suggestion, pick=answer.pick)
    if answer.problem is not None:
        yield Text(f"cannot render {answer.entry_id}: {answer.problem}", style="red")
        return
    reply = answer.reply
    if reply is None:
        return
    yield Text("")
    yield Text(f"── reply: {reply.entry_id} ({reply.locale_used}, {reply.channel}) ──", style="bold")
    yield Text(reply.text.rstrip("\n"))
    yield Text("──", style="bold")
    if answer.order is not None and answer.order.number is not None:
        yield Text(f"order: {answer.order.number} (found in the message)", style="dim")
    if reply.notice:
        yield Text(f"note: {reply.notice}", style="yellow")
    if reply.missing:
        yield Text("fill in: " + ", ".join(f"[{name}]" for name in reply.missing), style="bold yellow")


__all__ = ["answer_renderables", "console_for", "matches_table", "verdict_text"]
