"""How a command shows its parameters: by their metavar, a repeatable argument with ``...``.

typer labels an argument in help with its Python type as well (``question... <list[str]>``), and
on the usage line typer 0.28 drops the ``...`` of a repeatable argument that has a metavar
(``[QUESTION]``). The metavar (``QUESTION...``) already says what to give.

Values are converted by typer itself: typer 0.28 (pinned below 0.29 in pyproject.toml) uses its
own click types. typer 0.29 converts through pydantic instead, which costs a dependency we do not
otherwise need and ~0.17 s a process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand
from typer.models import CommandFunctionType


def _variadic(param: Any) -> bool:
    return param.param_type_name == "argument" and bool(param.metavar) and param.nargs != 1


class MetavarCommand(TyperCommand):
    """A command whose help names each argument by its metavar alone."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """typer's usage line, with ``...`` after a repeatable argument: ``[QUESTION]...``."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            shown = param.get_usage_pieces(ctx)
            if _variadic(param) and shown and not shown[-1].endswith("..."):
                shown = [*shown[:-1], shown[-1] + "..."]
            pieces.extend(shown)
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """typer's Arguments and Options sections, but an argument with a metavar shows only that."""
        sections: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None or param.param_type_name not in sections:
                continue
            name, help_text = record
            if param.param_type_name == "argument" and param.metavar:
                name = param.metavar + ("..." if param.nargs != 1 else "")
            sections[param.param_type_name].append((name, help_text))
        for title, kind in (("Arguments", "argument"), ("Options", "option")):
            if sections[kind]:
                with formatter.section(title):
                    formatter.write_dl(sections[kind])


class MetavarTyper(typer.Typer):
    """A Typer whose commands (unless a command names its own class) are :class:`MetavarCommand`."""

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or MetavarCommand, **kwargs)
