"""Immutable records: what ``@dataclass(frozen=True)`` gives, without its cost at import time.

Python 3.11's ``dataclass`` writes each method it generates (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__``, ``__delattr__``) as source text and compiles it with its own
``exec``: ~0.5 ms a class, in every process that imports the class, and a one-question process
imports about thirty. A :class:`Record` declares its fields the same way (annotations, defaults,
``dataclasses.field(default_factory=...)``) and gets the same behaviour from methods written once
here: construction by position or keyword, equality and hash by field values, a
``Name(field=value, ...)`` repr, assignment refused with ``dataclasses.FrozenInstanceError``, and
with ``order=True`` the comparisons. Type checkers read a Record as a frozen dataclass
(``dataclass_transform``). ``dataclasses.fields`` and ``replace`` do not apply: :func:`record_fields`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

_MISSING: Any = object()


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
class Record:
    """Base of an immutable record (see the module's docstring); ``order=True`` as a class keyword."""

    __record_fields__: ClassVar[tuple[str, ...]] = ()
    __record_defaults__: ClassVar[dict[str, Any]] = {}
    __record_factories__: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init_subclass__(cls, *, order: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = list(cls.__record_fields__)
        defaults = dict(cls.__record_defaults__)
        factories = dict(cls.__record_factories__)
        for name, annotation in inspect.get_annotations(cls).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name not in names:
                names.append(name)
            value = cls.__dict__.get(name, _MISSING)
            if isinstance(value, dataclasses.Field):
                if value.default_factory is not dataclasses.MISSING:
                    factories[name] = value.default_factory
                elif value.default is not dataclasses.MISSING:
                    defaults[name] = value.default
                delattr(cls, name)
            elif value is not _MISSING:
                defaults[name] = value
        seen_default = ""
        for name in names:
            if name in defaults or name in factories:
                seen_default = name
            elif seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument {seen_default!r}")
        cls.__record_fields__ = tuple(names)
        cls.__record_defaults__ = defaults
        cls.__record_factories__ = factories
        setattr(cls, "__match_args__", tuple(names))  # noqa: B010 (mypy: a dataclass-like class has it already)
        if order:
            for method, op in (("__lt__", tuple.__lt__), ("__le__", tuple.__le__), ("__gt__", tuple.__gt__),
                               ("__ge__", tuple.__ge__)):
                setattr(cls, method, _compare(op))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__record_fields__
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__}.__init__() takes {len(names) + 1} positional arguments "
                f"but {len(args) + 1} were given"
            )
        given = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name in given:
                raise TypeError(f"{type(self).__name__}.__init__() got multiple values for argument {name!r}")
            if name not in names:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument {name!r}")
            given[name] = value
        values = self.__dict__
        for name in names:
            value = given.get(name, _MISSING)
            if value is _MISSING:
                value = self.__record_defaults__.get(name, _MISSING)
                if value is _MISSING:
                    factory = self.__record_factories__.get(name)
                    if factory is None:
                        raise TypeError(f"{type(self).__name__}.__init__() missing 1 required argument: {name!r}")
                    value = factory()
            values[name] = value

    def _values(self) -> tuple[Any, ...]:
        values = self.__dict__
        return tuple(values[name] for name in self.__record_fields__)

    def __repr__(self) -> str:
        pairs = zip(self.__record_fields__, self._values(), strict=True)
        shown = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _compare(op: Callable[[tuple[Any, ...], tuple[Any, ...]], bool]) -> Callable[[Record, object], Any]:
    """One ordering method: by field values, between records of one class only (as dataclass's)."""

    def compare(self: Record, other: object) -> Any:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return op(self._values(), other._values())
        return NotImplemented

    return compare


def record_fields(record: type[Record] | Record) -> tuple[str, ...]:
    """The field names of a record (class or instance), in order."""
    return record.__record_fields__
