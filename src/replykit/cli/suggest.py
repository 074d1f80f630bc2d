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
from replykit.cli.completion import complete_locale
from replykit.cli.replyopts import Channel, ChannelOption, CopyOption, PickOption, TZOption, copy_reply
from replykit.errors import UserError
from replykit.printable import printable
from replykit.question_input import question_text, read_question

if TYPE_CHECKING:
    from replykit.desk import Answer
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
    if words and list(words) != ["-"]:  # "-" is standard input, as for --batch
        text = question_text(" ".join(words))
        if not text.strip():
            raise UserError("the question is empty: give the customer's message as an argument or on stdin")
        return text
    if sys.stdin is None:
        raise UserError("no question: give it as an argument, pipe it on stdin, or use --batch FILE")
    if sys.stdin.isatty():
        return question_text(read_pasted_message(sys.stdin, sys.stderr))
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


def _print_human(suggestion: Suggestion, explain: bool) -> None:
    """Verdict and ranked entries through rich: East Asian widths measured, the terminal's width, colour
    on a terminal (not with NO_COLOR), plain lines when piped (laid out without rich's console)."""
    if not sys.stdout.isatty():
        from replykit.desk.piped import print_suggestion

        if print_suggestion(suggestion, sys.stdout, explain=explain):
            return
    from replykit.desk.present import console_for, emit, matches_table, verdict_text

    if not suggestion.matches:
        emit([verdict_text(suggestion)])
        return
    width = console_for().width
    emit([verdict_text(suggestion), "", matches_table(suggestion, explain=explain, width=width)])


# ---- the reply that suggest carries (desk's part of this file) -----------------------------------


#: Two empty lines in a row end a pasted message: e-mails have single empty lines between paragraphs.
PASTE_END_BLANK_LINES = 2


def read_pasted_message(stream: TextIO, prompt: TextIO) -> str:
    """Wait for the agent to paste a message on a terminal: it ends with two empty lines or Ctrl-D.

    A pasted e-mail never meets the shell's quoting (its apostrophes broke `suggest "..."`).
    """
    prompt.write("Paste the customer's message, then press Enter twice (or Ctrl-D):\n")
    prompt.flush()
    lines: list[str] = []
    blank = 0
    for line in iter(stream.readline, ""):
        line = line.rstrip("\r\n")
        blank = blank + 1 if not line.strip() else 0
        if blank >= PASTE_END_BLANK_LINES:
            break
        lines.append(line)
    text = "\n".join(lines).strip()
    if not text:
        raise UserError("no message pasted: paste the customer's message, or give it as an argument")
    return text


def _print_reply(answer: Answer) -> None:
    """The rendered reply under the table, with what the agent must check or fill in before sending."""
    reply = answer.reply
    if reply is None:
        return
    typer.echo("")
    picked = f"#{answer.pick} " if answer.pick > 1 else ""
    typer.echo(f"--- reply: {picked}{reply.entry_id} ({reply.locale_used}, {reply.channel}) ---")
    typer.echo(printable(reply.text.rstrip("\n"), keep_lines=True))
    typer.echo("---")
    if answer.order is not None and answer.order.number is not None:
        typer.echo(f"order: {answer.order.number} (found in the message)")
    if reply.notice:
        typer.echo(f"note: {reply.notice}")
    if reply.missing:
        typer.echo("fill in: " + ", ".join(f"[{name}]" for name in reply.missing)
                   + " (--var NAME=VALUE or --order FILE)")


def _answer_one(
    loaded: KnowledgeBase,
    text: str,
    *,
    locale: str | None,
    top: int,
    pick: int,
    output_format: SuggestFormat,
    explain: bool,
    var: Sequence[str],
    order: Path | None,
    channel: str,
    tz: str | None,
    copy: bool,
) -> None:
    """One message: the ranked entries and the reply of the picked one, as text or JSON; ``--copy`` copies it."""
    from replykit.desk import Desk
    from replykit.usagelog import UsageLog

    desk = Desk(loaded, usage_log=UsageLog.from_kb(loaded))
    answer = desk.answer(
        text, locale=locale, top=top, pick=pick, channel=channel, tz=tz, var_args=var, order_file=order,
        explain=explain,
    )
    _warn(answer.suggestion.warnings)
    if output_format is SuggestFormat.text:
        _print_human(answer.suggestion, explain)
        if not _print_suggest_extras(loaded, answer.suggestion, var, order):
            _print_reply(answer)
    else:
        indent = 2 if output_format is SuggestFormat.json else None
        typer.echo(json.dumps(answer.as_json(explain=explain), ensure_ascii=False, indent=indent))
    if answer.problem is not None:
        raise UserError(answer.problem)
    if desk.usage_log is not None:
        desk.usage_log.record_answer(answer, sent=answer.reply.text if copy and answer.reply else None)
    if copy and answer.reply is not None:
        copy_reply(answer.reply.text)


# ---- what suggest adds to the text output (the suggest developer's part of this file) ------------


def _print_suggest_extras(kb: KnowledgeBase, suggestion: Suggestion, var: Sequence[str], order: Path | None) -> bool:
    """The language note, the two questions, and, instead of the single reply, a render hint when
    nobody checked the answer or one composed reply for two questions. True when the reply is done."""
    note = _language_note(kb, suggestion)
    if note:
        typer.echo(note)
    if not suggestion.matches:
        return True
    if suggestion.parts:
        typer.echo("")
        for number, part in enumerate(suggestion.parts, 1):
            best = part.matches[0] if part.matches else None
            found = f"{best.id} {best.score:.2f}" if best else "-"
            typer.echo(printable(f"part {number}: {found} · {part.text}"))
    ids = [p.matches[0].id for p in suggestion.parts if p.matches] or [suggestion.matches[0].id]
    if not suggestion.confident:
        # No ready-looking reply when nobody checked it: the agent picks an entry and renders it.
        typer.echo("")
        typer.echo(
            f"none is checked: render one with replykit render {' '.join(ids)} --locale {suggestion.locale or ''}"
            " (--var NAME=VALUE or --order FILE), or --pick N"
        )
        return True
    if not suggestion.parts:
        return False
    from replykit.rendering import compose_replies
    from replykit.values import parse_values_for

    values = parse_values_for([kb.entries[i] for i in ids], order_file=order, var_args=var)
    reply = compose_replies(kb, ids, suggestion.locale or kb.source_locale, values, allow_missing=True)
    typer.echo("")
    typer.echo(f"--- reply: {reply.entry_id} ({reply.locale_used}) ---")
    typer.echo(printable(reply.text.rstrip("\n"), keep_lines=True))
    typer.echo("---")
    if reply.notice:
        typer.echo(f"note: {reply.notice}")
    if reply.missing:
        names = ", ".join(f"[{name}]" for name in reply.missing)
        typer.echo(f"fill in: {names} (--var NAME=VALUE or --order FILE)")
    return True


def _language_note(kb: KnowledgeBase, suggestion: Suggestion) -> str | None:
    """Say so when the customer writes in a language the KB has no replies in."""
    language = suggestion.language.split("-", 1)[0]
    if not language or suggestion.locale is None or suggestion.locale_source != "detected":
        return None
    if any(loc.split("_", 1)[0] == language for loc in kb.locales):
        return None
    return f"{language} is not a language of this KB: the reply is in {suggestion.locale}"


def _warn(warnings: Sequence[str]) -> None:
    """A model file that is missing or unreadable is said on stderr, one line each."""
    for warning in warnings:
        typer.echo(f"replykit: warning: {warning}", err=True)


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
            metavar="QUESTION", show_default=False,
            help="The customer's question; '-' or none: stdin (on a terminal, paste it and press Enter twice).",
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
            show_default=False, autocompletion=complete_locale,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, metavar="N", help="How many entries to show.")] = 3,
    output_format: Annotated[
        SuggestFormat, typer.Option("--format", help="text for people; json (one object) or jsonl (one per line).")
    ] = SuggestFormat.text,
    explain: Annotated[bool, typer.Option("--explain", help="Show why each entry scored as it did.")] = False,
    var: VarOption = None,
    order: OrderOption = None,
    pick: PickOption = 1,
    channel: ChannelOption = Channel.email,
    tz: TZOption = None,
    copy: CopyOption = False,
    kb: KBOption = None,
) -> None:
    """Name the entries that answer a question, best first, and show the reply in the customer's language.

    Exit 0 when answered (confident or not), 2 on bad usage or an unusable KB.
    """
    if batch is not None and question:
        raise UserError("give either a question or --batch FILE, not both")
    loaded = open_kb(kb, templates_read_when_rendered=True)
    if locale is not None:
        from replykit.l10n import normalize_locale

        locale = normalize_locale(locale)
    if batch is None:
        _answer_one(
            loaded, _question(question), locale=locale, top=top, pick=pick, output_format=output_format,
            explain=explain, var=var or [], order=order, channel=channel.value, tz=tz, copy=copy,
        )
        return
    from replykit.matching import Matcher

    matcher = Matcher.for_kb(loaded)

    lines = [question_text(line) for line in batch_lines(_read_text(batch))]
    out = sys.stdout
    as_array = output_format is SuggestFormat.json
    results: list[dict[str, Any]] = []
    answers = matcher.suggest_many(lines, locale=locale, top=top, explain=explain)
    warned: list[str] = list(matcher.warnings)
    _warn(warned)
    for result in _progress(answers, len(lines), sys.stderr):
        fresh = [w for w in result.warnings if w not in warned]
        warned.extend(fresh)
        _warn(fresh)
        if as_array:
            results.append(result.as_json(explain=explain))
        elif output_format is SuggestFormat.jsonl:
            out.write(json.dumps(result.as_json(explain=explain), ensure_ascii=False) + "\n")
        else:
            out.write(printable(_batch_text_line(result), keep_lines=True) + "\n")
    if as_array:
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    out.flush()
