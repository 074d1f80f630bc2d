"""`replykit translations export|import`: the KB's translations out to translators' tools and back.

Exit codes: 0 done, 2 bad command line, unusable KB, or a file refused (nothing written).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.errors import counted, display_path

translations_app = typer.Typer(
    name="translations",
    help="Send translations out as PO, XLIFF or CSV, and bring them back in.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(translations_app)


class FileFormat(StrEnum):
    po = "po"
    xliff = "xliff"
    csv = "csv"


@translations_app.command("export")
@user_errors
def export_command(
    locale: Annotated[
        str, typer.Option("--locale", "-l", metavar="LOCALE", help="The target locale.", show_default=False)
    ],
    file_format: Annotated[
        FileFormat,
        typer.Option(
            "--format",
            "-f",
            help="po (Weblate, Poedit), xliff (1.2: Crowdin, memoQ, Trados) or csv (spreadsheets).",
            case_sensitive=False,
        ),
    ] = FileFormat.po,
    everything: Annotated[
        bool, typer.Option("--all", help="Every unit, not only what needs work (missing and stale).")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here (default: stdout).", show_default=False),
    ] = None,
    kb: KBOption = None,
) -> None:
    """Export the LOCALE translation units: template paragraphs, questions to write, locale data."""
    from replykit.l10n import normalize_locale
    from replykit.lockfile import check_choice, read_lock
    from replykit.translations.formats import WRITERS
    from replykit.translations.units import build_catalog
    from replykit.userfiles import write_output_file

    loaded = open_kb(kb)
    target = normalize_locale(locale)
    check_choice(loaded, [], [target])
    catalog = build_catalog(loaded, target, read_lock(loaded), everything=everything)
    data = WRITERS[file_format.value](catalog, loaded.root)
    fuzzy = sum(u.fuzzy for u in catalog.units)
    empty = sum(not u.target for u in catalog.units)
    summary = f"{counted(len(catalog.units), 'unit')} for {target} ({empty} to translate, {fuzzy} to review)"
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
        typer.echo(f"replykit: exported {summary}", err=True)
        return
    write_output_file(output, data)
    typer.echo(f"exported {summary} to {display_path(output)}")


@translations_app.command("import")
@user_errors
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="PO, XLIFF or CSV files from translators.", show_default=False),
    ],
    kb: KBOption = None,
) -> None:
    """Import translated files: every unit is checked first, then all files are written, or none."""
    from replykit.translations.importing import import_files

    loaded = open_kb(kb)
    report = import_files(loaded, files)
    for path in report.written:
        typer.echo(f"wrote {path}")
    for entry_id, locale in report.reviewed:
        typer.echo(f"reviewed {locale} {entry_id}")
    for note in report.incomplete:
        typer.echo(f"skipped {note}")
    typer.echo(
        f"imported {counted(len(report.written), 'file')} changed, {counted(len(report.reviewed), 'translation')}"
        f" recorded as reviewed; {counted(report.unchanged, 'unit')} unchanged, {counted(report.skipped, 'unit')}"
        " fuzzy or empty (left alone)"
    )
