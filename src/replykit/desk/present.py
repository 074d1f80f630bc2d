"""How an answer looks in a terminal: rich measures East Asian widths, fits the width, colours on a terminal.

rich's Console follows ``NO_COLOR``, and prints plain text when the output is piped.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from replykit.desk.piped import HEADERS, PIPE_WIDTH, table_rows, verdict_parts
from replykit.printable import printable

if TYPE_CHECKING:
    from replykit.desk.answering import Answer
    from replykit.matching import Suggestion


def console_for(stream: TextIO | None = None) -> Console:
    """A Console on ``stream`` (stdout): colour only on a terminal, never with NO_COLOR, its real width."""
    stream = stream or sys.stdout
    terminal = stream.isatty()
    return Console(file=stream, highlight=False, emoji=False, force_terminal=terminal or None,
                   width=None if terminal else PIPE_WIDTH)


def emit(renderables: Iterable[RenderableType], stream: TextIO | None = None) -> None:
    """Print on a terminal with colour and its width; piped, as plain lines without trailing padding."""
    stream = stream or sys.stdout
    if stream.isatty():
        console = console_for(stream)
        for renderable in renderables:
            console.print(renderable)
        return
    recorder = Console(file=io.StringIO(), width=PIPE_WIDTH, color_system=None, highlight=False, emoji=False)
    for renderable in renderables:
        recorder.print(renderable)
    text = recorder.file.getvalue()  # type: ignore[attr-defined]
    stream.write("".join(line.rstrip() + "\n" for line in text.splitlines()))
    stream.flush()


def said(label: str, message: str, style: str) -> Text:
    """``label message`` with the label styled and the message as text (never markup, no control characters)."""
    return Text.assemble((label, style), " ", printable(message))


def verdict_text(suggestion: Suggestion) -> Text:
    """One line: the language and whether the best entry can be sent as it is (green) or must be checked (yellow)."""
    lead, message, style = verdict_parts(suggestion)
    line = Text(lead)
    line.append(message, style=style)
    return line


def matches_table(suggestion: Suggestion, *, explain: bool = False, pick: int = 0, width: int = PIPE_WIDTH) -> Table:
    """The ranked entries in ``width`` terminal cells: rank, id and score keep their width; the phrasing,
    then the tags, are shortened with an ellipsis (rich measures East Asian characters as two cells)."""
    from rich.cells import cell_len

    rows = table_rows(suggestion, explain=explain, pick=pick)
    natural = [max(cell_len(row[i]) for row in [HEADERS, *(cells for cells, why in rows if not why)]) for i in range(5)]
    room = max(width - sum(natural[:3]) - 2 * 4, 20)  # what the phrasing and the tags share
    tags = min(natural[4], max(8, room // 4)) if natural[3] + natural[4] > room else natural[4]
    phrasing = max(min(natural[3], room - tags), 8)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("#", no_wrap=True)
    table.add_column("entry", no_wrap=True, style="cyan")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("matched phrasing", overflow="ellipsis", no_wrap=True, max_width=phrasing)
    table.add_column("tags", overflow="ellipsis", no_wrap=True, style="dim", max_width=tags)
    rank = 0
    for cells, why in rows:
        if why:
            table.add_row("", Text(cells[1], style="dim"), "", "", "")
            continue
        rank += 1
        table.add_row(*(Text(cell) for cell in cells), style="bold" if rank == pick else None)  # text, not markup
    return table


def answer_renderables(answer: Answer, console: Console) -> Iterator[RenderableType]:
    """Verdict, entries, the reply between rules, and what to check or fill in before sending."""
    suggestion = answer.suggestion
    yield Text("")
    yield verdict_text(suggestion)
    if not suggestion.matches:
        return
    yield matches_table(suggestion, pick=answer.pick, width=console.width)
    if answer.problem is not None:
        yield Text(printable(f"cannot render {answer.entry_id}: {answer.problem}"), style="red")
        return
    reply = answer.reply
    if reply is None:
        return
    yield Text("")
    yield Text(f"── reply: {reply.entry_id} ({reply.locale_used}, {reply.channel}) ──", style="bold")
    yield Text(printable(reply.text.rstrip("\n"), keep_lines=True))
    yield Text("──", style="bold")
    if answer.order is not None and answer.order.number is not None:
        yield Text(f"order: {answer.order.number} (found in the message)", style="dim")
    if reply.notice:
        yield Text(f"note: {reply.notice}", style="yellow")
    if reply.missing:
        yield Text("fill in: " + ", ".join(f"[{name}]" for name in reply.missing), style="bold yellow")


__all__ = ["answer_renderables", "console_for", "emit", "matches_table", "said", "verdict_text"]
