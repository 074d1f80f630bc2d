"""The bounds of one render, checked from inside the sandbox before work is done.

A reply template is trusted to be written by the team, not to be fast or small: a nested loop or
``'x' * 100000 | replace('x', 'x' * 100000)`` can take minutes and gigabytes. Two bounds stop it:

- a time limit, checked cooperatively where templates spend time (every loop iteration, every
  ``range``, every call, filter and intercepted operator). Nothing interrupts the render from
  outside, so it holds under a debugger or coverage (``sys.settrace``) and leaves no pending
  exception behind;
- an output bound, checked *before* an operation that builds a value in one C-level step (string
  repetition, ``replace``, ``center``, ``indent``, ``format``, ``%``, ``join``...), from the size
  the result would have. Checking after would be too late: the memory is already spent.

The bounds of the running render live in a context variable, so concurrent renders in threads
(``replykit serve``) each keep their own.
"""

from __future__ import annotations

import math
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from replykit.records import Record

#: A reply longer than this is a runaway template, not a message to a customer.
MAX_OUTPUT_CHARS = 100_000
#: Rendering one reply takes about a millisecond; this leaves room for a slow machine.
MAX_RENDER_SECONDS = 2.0
#: The most items ``range()`` gives (Jinja's own sandbox bound).
MAX_RANGE = 100_000


class RenderTimeout(Exception):
    """A render ran past its time limit.

    An Exception (not a BaseException) so that Jinja maps it to the template line it stopped at;
    neither Jinja's filters nor replykit's catch more than the errors they expect.
    """


class OutputTooLarge(Exception):
    """An operation would build a value larger than the output bound; raised before it runs."""


class Bounds(Record):
    """The limits of one render: when it must have finished, and how large a value may grow."""

    deadline: float = math.inf
    max_chars: int = MAX_OUTPUT_CHARS


_UNBOUNDED = Bounds()
_BOUNDS: ContextVar[Bounds | None] = ContextVar("replykit_render_bounds", default=None)


def _current() -> Bounds:
    return _BOUNDS.get() or _UNBOUNDED


@contextmanager
def bounded(seconds: float, max_chars: int) -> Iterator[Bounds]:
    """Apply a time limit and an output bound to the render run inside the block."""
    bounds = Bounds(time.monotonic() + seconds, max_chars)
    token = _BOUNDS.set(bounds)
    try:
        yield bounds
    finally:
        _BOUNDS.reset(token)


def check_deadline() -> None:
    """Stop the render when its time is up (called at every step a template can repeat)."""
    if time.monotonic() > _current().deadline:
        raise RenderTimeout


def max_chars() -> int:
    return _current().max_chars


def check_size(size: int, what: str, unit: str = "characters") -> None:
    """Refuse ``what`` when its result would have ``size`` characters (or items) over the bound."""
    limit = _current().max_chars
    if size > limit:
        raise OutputTooLarge(f"{what} would build {size:,} {unit}, over the bound of {limit:,} for one reply")


def bounded_iter(value: Any) -> Iterator[Any]:
    """Iterate ``value`` and check the time limit at every item (every ``{% for %}`` goes through here)."""
    for item in value:
        check_deadline()
        yield item


class BoundedRange:
    """``range()`` for templates: at most MAX_RANGE items, and the time limit checked at each one."""

    __slots__ = ("_range",)

    def __init__(self, *args: int) -> None:
        self._range = range(*args)
        if len(self._range) > MAX_RANGE:
            raise OutputTooLarge(f"range{args} would have {len(self._range):,} items, over the bound of {MAX_RANGE:,}")

    def __iter__(self) -> Iterator[int]:
        return bounded_iter(self._range)

    def __reversed__(self) -> Iterator[int]:
        return bounded_iter(reversed(self._range))

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __contains__(self, item: object) -> bool:
        return item in self._range

    def __repr__(self) -> str:
        return repr(self._range)


# ---- sizes of results, computed before the operation ------------------------------------------


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else len(str(value))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def check_repeat(left: Any, right: Any) -> None:
    """``'-' * n``, ``[x] * n`` and ``big * big`` integers."""
    for seq, count in ((left, right), (right, left)):
        n = _as_int(count)
        if isinstance(seq, (str, list, tuple)) and n is not None:
            check_size(len(seq) * n, f"repeating a value {n:,} times")
    if isinstance(left, int) and isinstance(right, int):
        bits = left.bit_length() + right.bit_length()
        if bits > MAX_POWER_BITS:
            raise OutputTooLarge(f"a product of {bits:,} bits is too large to compute")


def check_concat(*parts: Any) -> None:
    """``a + b`` and ``a ~ b`` of strings or lists."""
    if all(isinstance(p, (str, list, tuple)) for p in parts):
        check_size(sum(len(p) for p in parts), "joining these values")


#: ``x ** n`` is checked before Python builds a huge value in one step.
MAX_EXPONENT = 1_000
MAX_POWER_BITS = 64_000


def check_power(left: Any, right: Any) -> None:
    if isinstance(right, int) and not isinstance(right, bool):
        huge_int = isinstance(left, int) and right > 0 and left.bit_length() * right > MAX_POWER_BITS
        if abs(right) > MAX_EXPONENT or huge_int:
            raise OutputTooLarge(f"the power {left} ** {right} is too large to compute")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")


def check_percent_format(template: Any, args: Any) -> None:
    """``'%999999999d' % 1`` and the ``format`` filter: widths and precisions count toward the size."""
    if not isinstance(template, str):
        return
    values = args if isinstance(args, tuple) else (args,)
    size = len(template)
    stars = False
    for match in _PERCENT_SPEC.finditer(template):
        for number in match.group(1, 2):
            if number == "*":
                stars = True
            elif number:
                if len(number) > 9:  # more digits than any bound: do not even build the int
                    raise OutputTooLarge(f"the format width {number[:12]}... is too large")
                size += int(number)
    if stars:
        size += sum(abs(n) for n in map(_as_int, values) if n is not None)
    size += sum(_length(v) for v in values if isinstance(v, (str, list, tuple)))
    check_size(size, "this % format")


def check_str_format(template: str, args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """``'{:>999999999}'.format(1)``: numbers in format specs count toward the size."""
    size = len(template)
    nested = False
    pending = [template]
    while pending:
        text = pending.pop()
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError:
            return  # Python reports the bad format itself
        for _, _, spec, _ in parsed:
            if not spec:
                continue
            if "{" in spec:
                nested = True
                pending.append(spec)
            for number in re.findall(r"\d+", spec):
                if len(number) > 9:
                    raise OutputTooLarge(f"the format width {number[:12]}... is too large")
                size += int(number)
    values = [*args, *kwargs.values()]
    if nested:
        size += sum(abs(n) for n in map(_as_int, values) if n is not None)
    size += sum(_length(v) for v in values if isinstance(v, (str, list, tuple)))
    check_size(size, "this format")


def _replace_size(s: Any, old: Any, new: Any, count: Any = None) -> int:
    text, old_s, new_s = str(s), str(old), str(new)
    times = text.count(old_s) if old_s else len(text) + 1
    limit = _as_int(count)
    if limit is not None and limit >= 0:
        times = min(times, limit)
    return len(text) + times * (len(new_s) - len(old_s))


def _join_size(items: list[Any], separator: Any = "") -> int:
    return sum(_length(item) for item in items) + len(str(separator)) * max(len(items) - 1, 0)


def _width(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    return max(_as_int(value) or 0, 0)


#: Jinja filters whose result can be far larger than their input, and how large it would be.
#: Each takes the filter's own arguments (after any context Jinja passes).
_FILTER_SIZES: dict[str, Callable[..., int]] = {
    "replace": _replace_size,
    "center": lambda value, width=80, *_: max(len(str(value)), _width(width)),
    "indent": lambda s, width=4, *_, **__: len(str(s)) + (str(s).count("\n") + 1) * _width(width),
    "wordwrap": lambda s, width=79, brk=True, wrapstring=None, *_, **__: (
        len(str(s)) + (len(str(s)) // max(_width(width), 1) + str(s).count("\n") + 1) * len(str(wrapstring or "\n"))
    ),
    "batch": lambda value, linecount, fill_with=None, *_: _width(linecount) if fill_with is not None else 0,
    "slice": lambda value, slices, fill_with=None, *_: _width(slices),  # lists, each at least []
    "truncate": lambda s, length=255, *_, **__: min(len(str(s)), _width(length)),
}


def check_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Refuse a filter call whose result would pass the output bound; returns the arguments to use.

    ``join`` and ``format`` materialise or inspect their input first (a generator is turned into a
    list, which the call then receives).
    """
    if name == "join" and args:
        items = list(bounded_iter(args[0]))
        check_size(len(items), "joining this many items", "items")
        attribute = kwargs.get("attribute", args[2] if len(args) > 2 else None)
        if attribute is None:
            check_size(_join_size(items, kwargs.get("d", args[1] if len(args) > 1 else "")), "join")
        return (items, *args[1:]), kwargs
    if name == "format" and args:
        if kwargs:
            check_percent_format(args[0], tuple(kwargs.values()))
        else:
            check_percent_format(args[0], tuple(args[1:]))
        return args, kwargs
    sizer = _FILTER_SIZES.get(name)
    if sizer is not None and args:
        try:
            size = sizer(*args, **kwargs)
        except TypeError:
            return args, kwargs  # wrong arguments: the filter itself says what is wrong
        check_size(size, f"the {name} filter")
    return args, kwargs


#: ``str`` methods templates may call whose result can be far larger than the string.
_METHOD_SIZES: dict[str, Callable[..., int]] = {
    "center": lambda s, width, *_: max(len(s), _width(width)),
    "ljust": lambda s, width, *_: max(len(s), _width(width)),
    "rjust": lambda s, width, *_: max(len(s), _width(width)),
    "zfill": lambda s, width: max(len(s), _width(width)),
    "expandtabs": lambda s, tabsize=8: len(s) + s.count("\t") * _width(tabsize),
    "replace": lambda s, old, new, count=-1: _replace_size(s, old, new, count),
    "join": lambda s, items: _join_size(list(items), s) if isinstance(items, (list, tuple)) else 0,
}


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse ``'x'.ljust(10**9)`` and friends before they run."""
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, str):
        sizer = _METHOD_SIZES.get(getattr(obj, "__name__", ""))
        if sizer is not None:
            try:
                size = sizer(owner, *args, **kwargs)
            except TypeError:
                return
            check_size(size, f"str.{obj.__name__}()")


__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_RANGE",
    "MAX_RENDER_SECONDS",
    "BoundedRange",
    "Bounds",
    "OutputTooLarge",
    "RenderTimeout",
    "bounded",
    "bounded_iter",
    "check_call",
    "check_concat",
    "check_deadline",
    "check_filter",
    "check_percent_format",
    "check_power",
    "check_repeat",
    "check_size",
    "check_str_format",
    "max_chars",
]
