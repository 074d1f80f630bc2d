"""Command-line parameters: their values converted without pydantic, and shown in help by their metavar.

Conversion: typer 0.29 converts every value but a flag through a pydantic TypeAdapter built on first use:
importing pydantic and building the adapters costs ~0.17 s a process, more than everything else
`replykit suggest --locale` does. The types our commands take (str, int with min/max, Path,
enum choices, and lists of those) need none of it. `PlainConversionGroup` (the app's `cls`) gives
each such parameter a converter of its own before typer builds one; a parameter of any other type,
or a typer without this hook, keeps typer's own conversion, so behaviour never depends on the hook.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

Convert = Callable[[Any], Any]


class _BadValue(ValueError):
    """A value the converter rejects; becomes typer's usage error (exit 2) with this message."""


def _integer(minimum: float | None, maximum: float | None) -> Convert:
    def convert(value: Any) -> int:
        try:
            number = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value), 10)
        except ValueError:
            raise _BadValue(f"{value!r} is not a valid integer.") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            if maximum is None:
                span = f"x>={minimum}"
            elif minimum is None:
                span = f"x<={maximum}"
            else:
                span = f"{minimum}<=x<={maximum}"
            raise _BadValue(f"{number} is not in the range {span}.")
        return number

    return convert


def _choice(choices: type[Enum], case_sensitive: bool) -> Convert:
    def fold(text: str) -> str:
        return text if case_sensitive else text.casefold()

    by_name = {fold(str(choice.value)): choice for choice in choices}

    def convert(value: Any) -> Enum:
        if isinstance(value, choices):
            return value
        found = by_name.get(fold(str(value)))
        if found is None:
            listed = ", ".join(repr(str(choice.value)) for choice in choices)
            raise _BadValue(f"{str(value)!r} is not one of {listed}.")
        return found

    return convert


_BOOLEANS = {
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("", "0", "off", "f", "false", "n", "no"), False),
}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    found = _BOOLEANS.get(str(value).strip().lower())
    if found is None:
        raise _BadValue(f"{str(value)!r} is not a valid boolean.")
    return found


def _plain_path(info: Any) -> bool:
    """A Path option with no checks attached (exists, file_okay, ...): Path(value) is all typer does."""
    return (
        info.path_type is None and not info.exists and info.file_okay and info.dir_okay and not info.writable
        and not info.resolve_path and not info.allow_dash
    )


def converter_for(annotation: Any, info: Any) -> Convert | None:
    """The plain converter for a parameter's annotation, or None to leave the parameter to typer."""
    if getattr(info, "parser", None) is not None:
        return None
    if get_origin(annotation) is list:
        (item_type,) = get_args(annotation)
        item = converter_for(item_type, info)
        if item is None:
            return None
        return lambda values: [item(value) for value in (values if isinstance(values, list | tuple) else [values])]
    if annotation is str:
        return lambda value: value if isinstance(value, str) else str(value)
    if annotation is bool:
        return _boolean
    if annotation is int and not getattr(info, "clamp", False):
        return _integer(info.min, info.max)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(annotation, info.case_sensitive)
    if annotation is Path and _plain_path(info):
        return lambda value: value if isinstance(value, Path) else Path(value)
    return None


class _PlainRuntimeParam:
    """Stands in for typer's runtime conversion of one parameter (same `coerce` contract)."""

    def __init__(self, convert: Convert) -> None:
        self._convert = convert

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multiple = bool(getattr(param, "multiple", False)) or getattr(param, "nargs", 1) == -1
        if value is None:
            return () if multiple else None
        if multiple and isinstance(value, str):
            raise typer.BadParameter("Value must be an iterable.", ctx=ctx, param=param)
        try:
            return self._convert(value)
        except _BadValue as e:
            raise typer.BadParameter(str(e), ctx=ctx, param=param) from None


def install_plain_conversion(params: Any) -> None:
    """Give every parameter whose type we convert ourselves its converter, before typer builds one."""
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue  # not a typer parameter, already converted, or a typer without this hook
        convert = converter_for(descriptor.annotation, descriptor.parameter_info)
        if convert is not None:
            param._runtime_param = _PlainRuntimeParam(convert)


class PlainConversionCommand(TyperCommand):
    """A command whose parameters (its --help too, made on first use) convert their values without pydantic."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        install_plain_conversion(params)
        return params

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """typer's Arguments and Options sections, but an argument with a metavar shows only that.

        typer labels an argument with its Python type as well (``question... <list[str]>``); the
        metavar (``QUESTION...``) already says what to give.
        """
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


class PlainConversionGroup(TyperGroup):
    """The app's group: its own options (--version, --help) convert their values without pydantic."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        install_plain_conversion(params)
        return params


class PlainConversionTyper(typer.Typer):
    """A Typer whose group and commands (unless a command names its own class) use plain conversion."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=PlainConversionGroup, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or PlainConversionCommand, **kwargs)
