"""`replykit insights`: what customers keep asking, which entries answer it, and the gaps."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.errors import UserError

if TYPE_CHECKING:
    from replykit.insights import BadRecord, InsightsReport

#: Inputs with at least this many records show a progress bar when stderr is a terminal.
PROGRESS_MIN_RECORDS = 2000
#: Bad records listed one by one; the rest are counted.
BAD_RECORDS_SHOWN = 20


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    html = "html"


class InputFormatChoice(StrEnum):
    """insights.readers.InputFormat's values for the option: importing that package here would load
    every reader (email, csv) on each replykit command, since every command module is imported."""

    text = "text"
    csv = "csv"
    jsonl = "jsonl"
    mbox = "mbox"
    eml = "eml"
    usage_log = "usage-log"


def _estimate_records(paths: list[str]) -> int:
    """Lines in the inputs: enough for a progress bar (folders and stdin count as unknown)."""
    total = 0
    for path in paths:
        p = Path(path)
        if path == "-" or not p.is_file():
            return 0
        with open(p, "rb") as f:
            while block := f.read(1 << 20):
                total += block.count(b"\n")
    return total


@app.command()
@user_errors
def insights(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE",
            help="Exports of customer messages: .txt (one a line), .csv, .jsonl, .mbox, a folder of .eml, "
            "the desk's usage log; '-' for stdin.",
            show_default=False,
        ),
    ],
    input_format: Annotated[
        InputFormatChoice | None,
        typer.Option("--input-format", help="Read every FILE in this format (default: by extension).",
                     show_default=False),
    ] = None,
    column: Annotated[
        str | None,
        typer.Option("--column", metavar="NAME",
                     help="The CSV column or JSON field with the message (default: message, body, text, ...).",
                     show_default=False),
    ] = None,
    date_column: Annotated[
        str | None,
        typer.Option("--date-column", metavar="NAME",
                     help="The column or field with the date, for trends (default: date, time, created_at, ...).",
                     show_default=False),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="text for people; json, csv, or html (one self-contained page).")
    ] = ReportFormat.text,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.",
                     show_default=False),
    ] = None,
    draft: Annotated[
        Path | None,
        typer.Option("--draft", metavar="DIR",
                     help="Write draft entries (draft: true) for the biggest gaps into DIR/kb and DIR/templates.",
                     show_default=False),
    ] = None,
    drafts: Annotated[int, typer.Option("--drafts", min=1, metavar="N", help="How many drafts --draft writes.")] = 5,
    min_gap_size: Annotated[
        int, typer.Option("--min-gap-size", min=1, metavar="N", help="Smallest group of messages reported as a gap.")
    ] = 3,
    examples: Annotated[int, typer.Option("--examples", min=1, metavar="N", help="Example messages per gap.")] = 3,
    show_personal_data: Annotated[
        bool, typer.Option("--show-personal-data", help="Do not mask e-mail addresses, phone and order numbers.")
    ] = False,
    kb: KBOption = None,
) -> None:
    """Match every message of an export against the KB: what is asked, what is answered, and the gaps.

    Exit 0 with the report (bad records are listed on stderr and skipped), 2 on bad usage, an
    unusable KB, or a missing 'replykit[insights]' extra.
    """
    from replykit.insights import InputFormat, InsightsOptions, analyze, read_messages
    from replykit.insights.analysis import require_grouping_libraries

    require_grouping_libraries()
    if output_format is ReportFormat.html and output is None and sys.stdout.isatty():
        raise UserError("--format html writes a page: give -o report.html")
    loaded = open_kb(kb)
    fmt = InputFormat(input_format.value) if input_format is not None else None
    records = read_messages(files, input_format=fmt, column=column, date_column=date_column)
    bad: list[str] = []
    bad_count = 0

    def on_bad(record: BadRecord) -> None:
        nonlocal bad_count
        bad_count += 1
        if len(bad) < BAD_RECORDS_SHOWN:
            bad.append(record.format())

    options = InsightsOptions(min_gap_size=min_gap_size, examples=examples, mask=not show_personal_data)
    total = _estimate_records(files) if sys.stderr.isatty() else 0
    if total >= PROGRESS_MIN_RECORDS:
        with typer.progressbar(length=total, label="insights", file=sys.stderr, show_pos=True) as bar:
            done = 0

            def on_progress(seen: int) -> None:
                nonlocal done
                bar.update(min(seen, total) - done)
                done = min(seen, total)

            report = analyze(loaded, records, options, on_bad=on_bad, on_progress=on_progress)
    else:
        report = analyze(loaded, records, options, on_bad=on_bad)
    for line in bad:
        typer.echo(f"replykit: warning: {line}", err=True)
    if bad_count > len(bad):
        typer.echo(f"replykit: warning: … and {bad_count - len(bad)} more records with problems", err=True)
    _write_report(report, output_format, output)
    if draft is not None:
        from replykit.insights import write_drafts

        written = write_drafts(draft, report.gaps, source_locale=loaded.source_locale, limit=drafts,
                               mask=not show_personal_data)
        for path in written:
            typer.echo(f"draft: {path}", err=True)
        if not written:
            typer.echo("draft: no gap to draft", err=True)


def _write_report(report: InsightsReport, output_format: ReportFormat, output: Path | None) -> None:
    import json

    from replykit.insights import render_csv, render_html, render_text

    if output_format is ReportFormat.json:
        text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
    elif output_format is ReportFormat.csv:
        text = render_csv(report)
    elif output_format is ReportFormat.html:
        text = render_html(report)
    else:
        text = render_text(report)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from replykit.userfiles import write_output_file

    try:
        write_output_file(output, text.encode("utf-8"))
    except OSError as e:
        raise UserError(f"{output}: cannot write the report ({e.strerror or e}): give a writable path") from None
    typer.echo(f"report: {output}", err=True)
