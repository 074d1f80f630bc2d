"""`replykit export`: the KB as a CSV (round-trips through `import`) or helpdesk API payloads."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.errors import counted


class ExportTarget(StrEnum):
    csv = "csv"
    zendesk = "zendesk"
    gorgias = "gorgias"
    chatwoot = "chatwoot"


@app.command()
@user_errors
def export(
    to: Annotated[ExportTarget, typer.Option("--to", help="csv, or the helpdesk whose API payloads to write.")],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="The file to write.")],
    locale: Annotated[
        list[str] | None,
        typer.Option(
            "--locale", "-l", metavar="LOCALE", help="Only this locale (repeatable). Default: all.", show_default=False
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            metavar="FILE",
            help="YAML with zendesk_locale_ids for locales beyond en/es/de/fr.",
            show_default=False,
        ),
    ] = None,
    kb: KBOption = None,
) -> None:
    """Write the KB for a helpdesk or a spreadsheet; what a helpdesk cannot carry is listed per entry."""
    from replykit.l10n import normalize_locale
    from replykit.onboard.exporters import export_kb
    from replykit.onboard.mapping import load_mapping
    from replykit.userfiles import write_output_file

    loaded = open_kb(kb)
    chosen = [normalize_locale(x) for x in locale] if locale else None
    for loc in chosen or []:
        if loc not in loaded.config.locales:
            from replykit.errors import LocaleError

            raise LocaleError(f"--locale {loc}: not one of this KB's locales ({', '.join(loaded.config.locales)})")
    result = export_kb(loaded, to.value, chosen, load_mapping(mapping).zendesk_locale_ids)
    write_output_file(output, result.text.encode("utf-8-sig" if to is ExportTarget.csv else "utf-8"))
    for note in result.notes:
        typer.echo(f"replykit: note: {note}", err=True)
    typer.echo(
        f"wrote {output}: {counted(result.entries, 'entry', 'entries')} for {to.value}, "
        f"{counted(len(result.notes), 'note')}"
    )
