"""suggest's verdict and ranked entries as plain lines for a pipe, without rich's console.

Piped output has no colour and no width to fit (:data:`PIPE_WIDTH`), so rich's table comes down
to columns as wide as their widest cell (measured in terminal cells, East Asian characters as
two), the score right-aligned, two spaces between columns, trailing spaces cut. Laying that out
here saves importing rich's console and table (~28 ms of CPU, a sixth of a one-question process);
the lines are the ones :func:`replykit.desk.present.emit` prints for the same table, and a cell too
long for that simple layout (rich would shorten it at the pipe width) is left to rich.

The cells and the verdict are built here, once, for both: :mod:`replykit.desk.present` styles the
same strings for a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from rich.cells import cell_len  # rich's own measure (wide and zero-width characters); no console

from replykit.printable import printable

if TYPE_CHECKING:
    from replykit.matching import Suggestion

#: Piped output is for grep and scripts: never cut to a guessed width.
PIPE_WIDTH = 10_000
#: Cells up to this many terminal cells are laid out here; rich shortens nothing below the pipe width.
PLAIN_CELL_MAX = 1_000
HEADERS = ("#", "entry", "score", "matched phrasing", "tags")
#: Columns right-aligned (the score).
RIGHT_ALIGNED = frozenset({2})
#: Spaces after every column but the last (the table's right padding).
GAP = 2


def _base(tag: str) -> str:
    """The language part of a BCP 47 tag or Babel id: ``pt-BR`` and ``pt_BR`` -> ``pt``."""
    return tag.replace("_", "-").split("-")[0].lower()


def verdict_parts(suggestion: Suggestion) -> tuple[str, str, str]:
    """The verdict line as (lead, message, rich style of the message): the language, and whether
    the best entry can be sent as it is (green), must be checked (yellow) or nothing matched (red)."""
    language = suggestion.language or suggestion.locale  # the message's own, which the KB may lack
    shown = f"{language} ({suggestion.locale_source})" if language else "unknown"
    if suggestion.locale and language and _base(language) != _base(suggestion.locale):
        shown += f" · reply in {suggestion.locale}"
    lead = f"language: {shown} · "
    if not suggestion.matches:
        return lead, "no entry matches this question", "bold red"
    if suggestion.confident:
        return lead, f"confident match: {suggestion.matches[0].id}", "bold green"
    return lead, "no confident match: the closest entries are below, check before sending", "bold yellow"


def table_rows(suggestion: Suggestion, *, explain: bool = False, pick: int = 0) -> list[tuple[tuple[str, ...], bool]]:
    """The table's rows below the header, each (five cells, whether it is an explanation row).

    Control characters are shown as escapes, never sent to the terminal (and measured as shown)."""
    rows: list[tuple[tuple[str, ...], bool]] = []
    for rank, m in enumerate(suggestion.matches, 1):
        cells = (f"{'▶' if rank == pick else ''}{rank}", m.id, f"{m.score:.2f}", f"[{m.locale}] {m.question}",
                 ", ".join(m.tags))
        rows.append((tuple(printable(cell) for cell in cells), False))
        if explain and m.explanation:
            rows.append((("", printable("why: " + m.explanation), "", "", ""), True))
    return rows


def plain_lines(suggestion: Suggestion, *, explain: bool = False) -> list[str] | None:
    """The verdict, an empty line and the table, as piped lines; None when a cell is too long for
    this layout (then rich lays it out)."""
    lead, message, _ = verdict_parts(suggestion)
    verdict = lead + message
    if not suggestion.matches:
        return [verdict] if cell_len(verdict) <= PLAIN_CELL_MAX else None
    grid = [HEADERS, *(cells for cells, _ in table_rows(suggestion, explain=explain))]
    measured = [[cell_len(cell) for cell in row] for row in grid]
    if cell_len(verdict) > PLAIN_CELL_MAX or any(n > PLAIN_CELL_MAX for row in measured for n in row):
        return None
    widths = [max(row[i] for row in measured) for i in range(len(HEADERS))]
    lines = [verdict, ""]
    for row, sizes in zip(grid, measured, strict=True):
        parts = []
        for i, (cell, size) in enumerate(zip(row, sizes, strict=True)):
            room = " " * (widths[i] - size)
            parts.append(room + cell if i in RIGHT_ALIGNED else cell + room)
        lines.append((" " * GAP).join(parts).rstrip())
    return lines


def print_suggestion(suggestion: Suggestion, stream: TextIO, *, explain: bool = False) -> bool:
    """Print the verdict and the table on a pipe as plain lines; False (nothing printed) when rich
    must lay them out."""
    lines = plain_lines(suggestion, explain=explain)
    if lines is None:
        return False
    stream.write("".join(line + "\n" for line in lines))
    stream.flush()
    return True


__all__ = ["PIPE_WIDTH", "plain_lines", "print_suggestion", "table_rows", "verdict_parts"]
