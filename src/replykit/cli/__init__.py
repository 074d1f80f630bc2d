"""The typer application: only option parsing, calls into the library, and exit codes.

Exit codes (one table for every command, see README):
0 done / clean · 1 lint found errors · 2 bad usage, config or unusable KB · 3 missing variables.
"""

from __future__ import annotations

import gc
import sys

import typer

from replykit.cli.app import app

#: Young-generation threshold of the garbage collector in a replykit process (Python's is 700).
YOUNG_COLLECTION_THRESHOLD = 100_000


def main() -> None:
    """Console-script entry point."""
    # A one-question process allocates ~40,000-60,000 objects (modules, the KB, the index, numpy)
    # that live until it exits: collecting them young every 700 allocations finds nothing and cost
    # 10-25 ms of CPU. A long-running process (desk, serve, a batch) still collects, every 100,000
    # allocations: the same total work in fewer passes, with at most that many objects waiting.
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        typer.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        # The interpreter's last act is a full garbage collection over every object still alive: the
        # loaded KB, index and libraries, ~35 ms of CPU in a one-question process (as much as all
        # of replykit's own work on the question). Frozen objects are left out of it; at exit there
        # is nothing for it to find (replykit's files are written and closed, not left in cycles).
        gc.freeze()


__all__ = ["app", "main"]
