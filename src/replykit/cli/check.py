"""`replykit check`: load and validate the KB, the quickest way to see whether it is usable."""

from __future__ import annotations

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors


@app.command()
@user_errors
def check(kb: KBOption = None) -> None:
    """Load the KB and report every format problem (file:line:col). Exit 2 when it is unusable."""
    loaded = open_kb(kb)
    n_phrasings = sum(len(items) for e in loaded.entries.values() for items in e.questions.values())
    typer.echo(
        f"{loaded.root}: {_count(len(loaded.entries), 'entry', 'entries')}, {_count(n_phrasings, 'phrasing')}, "
        f"locales {', '.join(loaded.locales)} (source {loaded.source_locale})"
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
