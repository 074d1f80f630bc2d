"""`replykit check`: load and validate the KB, the quickest way to see whether it is usable."""

from __future__ import annotations

import typer

from replykit.cli.app import KBArgument, KBOption, app, kb_path, open_kb, user_errors
from replykit.errors import counted
from replykit.printable import printable


@app.command()
@user_errors
def check(path: KBArgument = None, kb: KBOption = None) -> None:
    """Load the KB and report every format problem (file:line:col). Exit 2 when it is unusable."""
    loaded = open_kb(kb_path(path, kb))
    n_phrasings = sum(len(items) for e in loaded.entries.values() for items in e.questions.values())
    typer.echo(
        f"{printable(str(loaded.root))}: {counted(len(loaded.entries), 'entry', 'entries')}, "
        f"{counted(n_phrasings, 'phrasing')}, "
        f"locales {', '.join(loaded.locales)} (source {loaded.source_locale})"
    )
    from replykit.matching.health import model_problems

    for problem in model_problems():
        typer.echo(f"replykit: warning: {problem}", err=True)

