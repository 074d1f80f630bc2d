"""`replykit init`: start a new KB that passes `replykit lint` at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from replykit.cli.app import app, user_errors
from replykit.errors import counted


@app.command()
@user_errors
def init(
    directory: Annotated[
        Path, typer.Argument(metavar="[DIR]", help="Folder for the new KB (created if missing).")
    ] = Path("."),
    source_locale: Annotated[
        str, typer.Option("--source-locale", metavar="LOCALE", help="The language replies are written in first.")
    ] = "en",
    locales: Annotated[
        str | None,
        typer.Option(
            "--locales",
            metavar="LIST",
            help="Comma-separated locales to answer in, e.g. en,de,fr. Default: the source locale.",
            show_default=False,
        ),
    ] = None,
    store_name: Annotated[
        str, typer.Option("--store-name", metavar="NAME", help="Your shop's name, used in greetings.")
    ] = "Example Store",
) -> None:
    """Create a minimal KB: config, an example entry, greeting/signature partials, locale files, pre-commit config.

    Exit 2 if a KB (or any file init would write) is already there: init never overwrites.
    """
    from replykit.l10n import normalize_locale
    from replykit.onboard.scaffold import create_kb, untranslated_locales

    source = normalize_locale(source_locale)
    wanted = [normalize_locale(loc) for loc in (locales or source).split(",") if loc.strip()]
    ordered = list(dict.fromkeys([source, *wanted]))
    written = create_kb(directory, source, ordered, store_name)
    typer.echo(f"created a KB in {directory} ({counted(len(written), 'file')}; locales: {', '.join(ordered)})")
    for loc in untranslated_locales(ordered):
        typer.echo(
            f"replykit: note: no example text in {loc}: its files hold the English text until translated", err=True
        )
    typer.echo("next: replykit lint " + str(directory) + "  |  replykit import FAQ.xlsx --kb " + str(directory))
