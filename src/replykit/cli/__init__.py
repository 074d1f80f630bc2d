"""The typer application: only option parsing, calls into the library, and exit codes.

Exit codes (one table for every command, see README):
0 done / clean · 1 lint found errors · 2 bad usage, config or unusable KB · 3 missing variables.
"""

from __future__ import annotations

import sys

import typer

from replykit.cli import commands  # noqa: F401  (registers the commands on the app)
from replykit.cli.app import app


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        typer.echo("interrupted", err=True)
        sys.exit(130)


__all__ = ["app", "main"]
