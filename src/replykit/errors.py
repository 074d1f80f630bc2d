"""The error hierarchy: the CLI turns UserError into a one-line message and an exit code.

Anything that is not a UserError reaching the CLI is a bug of ours: the CLI names it as one and
asks for a report (exit 70), and shows the traceback with ``REPLYKIT_DEBUG=1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from replykit.records import Record

#: Documented exit codes, shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_MISSING_VARIABLES = 3
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug in replykit, not in the user's input

#: Where a user reports a bug (the internal-error message names it).
BUG_REPORTS = "https://github.com/replykit/replykit/issues"


class ReplykitError(Exception):
    """Base of every error replykit raises on purpose."""


class UserError(ReplykitError):
    """Something the user can fix: bad input, bad configuration, a broken KB."""

    exit_code = EXIT_USAGE


class Problem(Record, order=True):
    """One thing wrong with a KB file, with the position a text editor can jump to."""

    path: Path
    line: int
    column: int
    message: str

    def format(self, relative_to: Path | None = None) -> str:
        return f"{display_path(self.path, relative_to)}:{self.line}:{self.column}: {self.message}"


def counted(n: int, one: str, many: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``3 entries`` (``many`` for irregular plurals): messages read naturally."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """Show a path relative to the current folder when it lies below it, as CI checkouts expect."""
    base = relative_to or Path.cwd()
    try:  # the folder resolved, not the file: a link is shown as itself, a link loop does not raise
        return str((path.parent.resolve() / path.name).relative_to(base.resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


class KBError(UserError):
    """The KB cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: Sequence[Problem] = sorted(problems)
        first = self.problems[0].format() if self.problems else "the knowledge base is unusable"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class KBNotFoundError(UserError):
    """No replykit.yaml where the user pointed, nor above the current folder."""


class LocaleError(UserError):
    """A locale id that neither BCP 47 nor Babel understands, or that the KB does not offer."""


class RenderError(UserError):
    """A template cannot be rendered: bad values, a sandbox violation, a runaway template."""


class MissingVariablesError(RenderError):
    """Required variables were not given; exit code 3 so scripts can tell it apart."""

    exit_code = EXIT_MISSING_VARIABLES

    def __init__(self, entry_id: str, missing: Sequence[str]) -> None:
        self.entry_id = entry_id
        self.missing = tuple(missing)
        names = ", ".join(self.missing)
        super().__init__(
            f"entry '{entry_id}' needs {names}: give them with --var NAME=VALUE or --order FILE,"
            " or use --allow-missing to render visible markers"
        )
