"""`replykit suggest`: which entries answer a customer's question, and the reply in their language."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from replykit.cli.app import KBOption, OrderOption, VarOption, app, open_kb, user_errors
from replykit.errors import UserError
from replykit.printable import printable
from replykit.question_input import question_text, read_question

if TYPE_CHECKING:
    from replykit.kb.model import KnowledgeBase
    from replykit.matching import Suggestion

#: Batches at least this long show a progress bar when stderr is a terminal.
PROGRESS_MIN_LINES = 200


class SuggestFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


def _read_text(path: str) -> str:
    if path == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        where = "standard input"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            reason = e.strerror or str(e)
            raise UserError(f"{path}: cannot read the batch file ({reason}): give a readable file or -") from None
        where = path
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UserError(f"{where}:{line}: not UTF-8 text: save the questions as UTF-8") from None


def batch_lines(text: str) -> list[str]:
    """One question per line; a final newline does not add an empty question."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _question(words: Sequence[str] | None) -> str:
    if words:
        return question_text(" ".join(words))
    if sys.stdin is None or sys.stdin.isatty():
        raise UserError("no question: give it as an argument, pipe it on stdin, or use --batch FILE")
    text = read_question(sys.stdin)
    if not text.strip():
        raise UserError("no question on standard input: pipe the customer's message, or give it as an argument")
    return text.strip()


def _progress(results: Iterator[Suggestion], length: int, stream: TextIO) -> Iterator[Suggestion]:
    if length < PROGRESS_MIN_LINES or not stream.isatty():
        yield from results
        return
    with typer.progressbar(results, length=length, label="suggest", file=stream, show_pos=True) as bar:
        yield from bar


def _table(suggestion: Suggestion, explain: bool) -> list[str]:
    rows = [("#", "entry", "score", "matched phrasing", "tags")]
    for rank, m in enumerate(suggestion.matches, 1):
        question = m.question if len(m.question) <= 60 else m.question[:59] + "…"
        rows.append((str(rank), m.id, f"{m.score:.2f}", f"[{m.locale}] {question}", ", ".join(m.tags)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        cells = [row[c].ljust(widths[c]) if c != 2 else row[c].rjust(widths[c]) for c in range(4)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
        if explain and i > 0:
            lines.append(" " * (widths[0] + 2) + "why: " + suggestion.matches[i - 1].explanation)
    return lines


def _verdict(suggestion: Suggestion) -> str:
    locale = f"{suggestion.locale} ({suggestion.locale_source})" if suggestion.locale else "unknown"
    if not suggestion.matches:
        return f"language: {locale} · no entry matches this question"
    if suggestion.confident:
        return f"language: {locale} · confident match: {suggestion.matches[0].id}"
    return f"language: {locale} · no confident match: the closest entries are below, check before sending"


def _print_human(
    kb: KnowledgeBase, suggestion: Suggestion, explain: bool, var: Sequence[str], order: Path | None
) -> None:
    typer.echo(_verdict(suggestion))
    if not suggestion.matches:
        return
    typer.echo("")
    for line in _table(suggestion, explain):
        typer.echo(printable(line))
    from replykit.rendering import render_reply
    from replykit.values import parse_values

    best = suggestion.matches[0]
    entry = kb.entries[best.id]
    values = parse_values(entry, order_file=order, var_args=var, allow_unknown=True)
    reply = render_reply(kb, best.id, suggestion.locale or kb.source_locale, values, allow_missing=True)
    typer.echo("")
    typer.echo(f"--- reply: {best.id} ({reply.locale_used}) ---")
    typer.echo(printable(reply.text.rstrip("\n"), keep_lines=True))
    typer.echo("---")
    if reply.notice:
        typer.echo(f"note: {reply.notice}")
    if reply.missing:
        typer.echo("fill in: " + ", ".join(f"[{name}]" for name in reply.missing)
                   + " (--var NAME=VALUE or --order FILE)")


def _batch_text_line(suggestion: Suggestion) -> str:
    best = suggestion.matches[0] if suggestion.matches else None
    mark = "ok" if suggestion.confident else "??"
    found = f"{best.id} {best.score:.2f}" if best else "-"
    return f"{mark}\t{suggestion.locale or '-'}\t{found}\t{suggestion.query}"


@app.command()
@user_errors
def suggest(
    question: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUESTION", help="The customer's question. Default: read it from stdin.", show_default=False
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch", metavar="FILE", help="Answer one question per line of FILE ('-' for stdin).", show_default=False,
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            "--locale", "-l", metavar="LOCALE", help="The customer's locale; skips language detection.",
            show_default=False,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, metavar="N", help="How many entries to show.")] = 3,
    output_format: Annotated[
        SuggestFormat, typer.Option("--format", help="text for people; json (one object) or jsonl (one per line).")
    ] = SuggestFormat.text,
    explain: Annotated[bool, typer.Option("--explain", help="Show why each entry scored as it did.")] = False,
    var: VarOption = None,
    order: OrderOption = None,
    kb: KBOption = None,
) -> None:
    """Name the entries that answer a question, best first, and show the reply in the customer's language.

    Exit 0 when answered (confident or not), 2 on bad usage or an unusable KB.
    """
    if batch is not None and question:
        raise UserError("give either a question or --batch FILE, not both")
    loaded = open_kb(kb)
    from replykit.matching import Matcher

    matcher = Matcher.for_kb(loaded)
    if locale is not None:
        from replykit.l10n import normalize_locale

        locale = normalize_locale(locale)
    if batch is None:
        text = _question(question)
        result = matcher.suggest(text, locale=locale, top=top, explain=explain)
        if output_format is SuggestFormat.json:
            typer.echo(json.dumps(result.as_json(explain=explain), ensure_ascii=False, indent=2))
        elif output_format is SuggestFormat.jsonl:
            typer.echo(json.dumps(result.as_json(explain=explain), ensure_ascii=False))
        else:
            _print_human(loaded, result, explain, var or [], order)
        return

    lines = [question_text(line) for line in batch_lines(_read_text(batch))]
    out = sys.stdout
    as_array = output_format is SuggestFormat.json
    results: list[dict[str, Any]] = []
    answers = matcher.suggest_many(lines, locale=locale, top=top, explain=explain)
    for result in _progress(answers, len(lines), sys.stderr):
        if as_array:
            results.append(result.as_json(explain=explain))
        elif output_format is SuggestFormat.jsonl:
            out.write(json.dumps(result.as_json(explain=explain), ensure_ascii=False) + "\n")
        else:
            out.write(printable(_batch_text_line(result), keep_lines=True) + "\n")
    if as_array:
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    out.flush()
