"""The typer app object and what every command shares: KB option, error-to-exit-code mapping."""

from __future__ import annotations

import functools
import importlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from replykit.cli.params import MetavarTyper
from replykit.errors import BUG_REPORTS, EXIT_INTERNAL, KBError, UserError, counted
from replykit.printable import printable

if TYPE_CHECKING:
    from replykit.kb.model import KnowledgeBase



#: Each command's module (``replykit.cli.<module>``), so that a run imports only the one it runs;
#: ``--help`` lists the commands in this order. A new command adds its line here.
COMMAND_MODULES = {
    "check": "check", "insights": "insights", "import": "import_kb", "init": "init", "export": "export",
    "lint": "lint", "status": "lint", "diff": "lint", "mark-reviewed": "lint", "render": "render",
    "suggest": "suggest", "serve": "serve", "desk": "desk", "list": "list", "translations": "translations",
}


class ReplykitTyper(MetavarTyper):
    """The app, which imports and builds only the command being run.

    typer turns every registered command into a click command on each run (reading signatures and
    annotations, ~3 ms a command), and importing the other command modules costs ~3 ms more: a run of
    ``replykit suggest`` needs one. ``--help``, ``--version`` and unknown names still see them all, and
    so does anything that reads :attr:`registered_commands` outside a run (typer's ``get_command``
    in test runners): the first read outside a run imports every command module.
    """

    _commands: list[Any]
    _running: str | None = None
    _all_imported = False

    @property
    def registered_commands(self) -> list[Any]:
        if self._running is None and not self._all_imported:
            self._import_all()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, commands: list[Any]) -> None:
        self._commands = commands

    def _import_all(self) -> None:
        self._all_imported = True
        order = list(dict.fromkeys(COMMAND_MODULES.values()))
        for module in order:  # each registers its commands on the app
            importlib.import_module(f"replykit.cli.{module}")
        self._commands.sort(key=lambda c: order.index(str(c.callback.__module__).rsplit(".", 1)[-1]))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args") or (args[0] if args else sys.argv[1:])
        wanted = str(argv[0]) if argv else ""
        module = COMMAND_MODULES.get(wanted)
        if module is None:
            self._import_all()
            return super().__call__(*args, **kwargs)
        self._running = wanted
        everything = self._commands
        try:
            importlib.import_module(f"replykit.cli.{module}")
            self._commands = [c for c in everything if _command_name(c) == wanted]
            return super().__call__(*args, **kwargs)
        finally:
            self._commands = everything
            self._running = None


def _command_name(info: Any) -> str:
    """A registered command's name, as typer derives it (``mark_reviewed`` -> ``mark-reviewed``)."""
    from typer.main import get_command_name

    return str(info.name or get_command_name(getattr(info.callback, "__name__", "")))


app = ReplykitTyper(
    name="replykit",
    help="Answer customer questions from a git-versioned FAQ knowledge base, in the customer's language.",
    no_args_is_help=True,
    add_completion=True,  # `replykit --install-completion`: commands, options, entry ids and locales
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

KBOption = Annotated[
    Path | None,
    typer.Option(
        "--kb",
        metavar="DIR",
        help="KB folder (holds replykit.yaml). Default: $REPLYKIT_KB, else the first folder upwards with one.",
        show_default=False,
    ),
]

#: The KB folder as the command's argument (``replykit lint shop``, ``replykit check shop``), beside --kb.
KBArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="[DIR]",
        help="KB folder (holds replykit.yaml). Default: --kb, $REPLYKIT_KB, or the first folder upwards with one.",
        show_default=False,
    ),
]


def kb_path(path: Path | None, kb: Path | None) -> Path | None:
    """The KB a command was given, as its argument or as --kb (both only when they agree)."""
    if path is not None and kb is not None and path.resolve() != kb.resolve():
        raise UserError(f"two KBs given ({path} and --kb {kb}): give one")
    return path if path is not None else kb
# The order data that fills a reply, shared by render and suggest (which renders its top match).
VarOption = Annotated[
    list[str] | None,
    typer.Option(
        "--var",
        metavar="NAME=VALUE",
        help='A value for the reply, repeatable; wins over --order. Lists as JSON: items=\'["a","b"]\'.',
        show_default=False,
    ),
]
OrderOption = Annotated[
    Path | None,
    typer.Option(
        "--order",
        metavar="FILE",
        help="Order data (JSON or YAML): the reply's variables, customer and timezone.",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    typer.echo(f"replykit: error: {printable(message)}", err=True)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Turn UserError into its message and exit code; a KBError lists every problem first."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KBError as e:
            for problem in e.problems:
                typer.echo(printable(problem.format()), err=True)
            count = len(e.problems)
            them = "it" if count == 1 else "them"
            message = f"the knowledge base has {counted(count, 'problem')}; fix {them} and retry"
            raise fail(message, e.exit_code) from None
        except UserError as e:
            raise fail(str(e), e.exit_code) from None
        except BrokenPipeError:  # `replykit ... | head`
            sys.stderr.close()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):  # typer's usage errors
            raise
        except Exception as e:
            raise internal_error(e) from e

    return wrapper  # type: ignore[return-value]


def internal_error(error: Exception) -> typer.Exit:
    """A bug of ours: say so plainly and ask for a report, instead of blaming the user's input."""
    if os.environ.get("REPLYKIT_DEBUG"):
        traceback.print_exception(error, file=sys.stderr)
    where = ""
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {Path(last.filename).name}:{last.lineno}"
    typer.echo(
        f"replykit: internal error: {type(error).__name__}: {error}{where}. This is a bug in replykit, "
        f"not in your input: please report it with the command you ran at {BUG_REPORTS} "
        "(REPLYKIT_DEBUG=1 shows the traceback)",
        err=True,
    )
    return typer.Exit(EXIT_INTERNAL)


def open_kb(kb: Path | None, *, templates_read_when_rendered: bool = False) -> KnowledgeBase:
    """The KB; ``templates_read_when_rendered`` for commands that render replies and list no template
    problems (:func:`replykit.kb.loader.load_kb_report`)."""
    from replykit.kb.loader import load_kb  # here, not at the top: `replykit --help` needs no YAML

    return load_kb(kb, templates_read_when_rendered=templates_read_when_rendered)


def _show_version(value: bool) -> None:
    if value:
        from replykit import __version__

        typer.echo(f"replykit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Answer customer questions from a git-versioned FAQ knowledge base, in the customer's language."""
