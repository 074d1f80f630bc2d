"""The one place that builds the Jinja environment replies are rendered in, and renders them.

Templates are written by the team but rendered with customer data, and the result is pasted
in front of a customer, so the environment is strict on every side: an immutable sandbox (no
Python internals, no mutation), StrictUndefined (a gap is an error, never an empty string),
bounded output and time, and values passed as data (never compiled as template source).
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2 import (
    BytecodeCache,
    ChainableUndefined,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    nodes,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg

from replykit import cache
from replykit.errors import MissingVariablesError, RenderError, display_path
from replykit.formatting import FormatError, Formatter
from replykit.kb.model import Entry, KnowledgeBase, TemplateFile
from replykit.l10n import fallback_chain, normalize_locale
from replykit.records import Record
from replykit.render_bounds import (
    MAX_OUTPUT_CHARS,
    MAX_RENDER_SECONDS,
    BoundedRange,
    OutputTooLarge,
    RenderTimeout,
    bounded,
    bounded_iter,
    check_call,
    check_concat,
    check_deadline,
    check_filter,
    check_percent_format,
    check_power,
    check_repeat,
    check_str_format,
)
from replykit.values import Missing, first_missing, parse_timezone, to_json

Channel = Literal["email", "chat"]
CHANNELS: tuple[str, ...] = ("email", "chat")

GREETING = "_greeting"
SIGNATURE = "_signature"


class RenderedReply(Record):
    """A finished reply and how it was made (the JSON output of ``replykit render``)."""

    text: str
    entry_id: str
    locale_requested: str
    locale_used: str
    chain: tuple[str, ...]
    fallback_used: bool
    variables_used: Mapping[str, Any]
    missing: tuple[str, ...] = ()
    channel: str = "email"
    timezone: str = "UTC"
    template: Path | None = None
    #: What the agent must know before sending, each a full sentence: a fallback locale was used, ...
    notices: tuple[str, ...] = ()

    @property
    def notice(self) -> str | None:
        """The notices as one text (None when there is nothing to say)."""
        return " ".join(self.notices) or None

    def as_json(self) -> dict[str, Any]:
        """The document ``replykit render --format json`` prints: the text and how it was made."""
        return {
            "entry": self.entry_id,
            "text": self.text,
            "locale_requested": self.locale_requested,
            "locale_used": self.locale_used,
            "fallback_used": self.fallback_used,
            "chain": list(self.chain),
            "channel": self.channel,
            "timezone": self.timezone,
            "variables": to_json(dict(self.variables_used)),
            "missing": list(self.missing),
            "notice": self.notice,
            "notices": list(self.notices),
        }


# ---- the sandbox -----------------------------------------------------------------------------

#: The filter every ``{% for %}`` iterable is passed through, so each iteration checks the time limit.
_LOOP_FILTER = "replykit_bounded_loop"


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles templates so that loops and ``~`` stay inside the render's bounds.

    Jinja offers no hook for iteration or concatenation, so the code generator routes them
    through the bounds: every loop's iterable through a filter that checks the time limit at each
    item, and every ``a ~ b`` through a join that checks the size first.
    """

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.iter.lineno)
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


_DRAFT_GAPS: ContextVar[list[str] | None] = ContextVar("replykit_draft_gaps", default=None)


class DraftGap(ChainableUndefined):
    """A key that ``order`` or ``customer`` lacks in a draft (``--allow-missing``).

    Undefined for ``{% if customer.name is defined %}`` (the greeting keeps its "Hello," branch),
    shown as ``[customer.name]`` where a template prints it unguarded, and listed in the reply's
    ``missing``: a gap in a draft is visible, never a crash and never an empty string.
    """

    __slots__ = ()

    def __str__(self) -> str:
        name = str(self._undefined_name or "value")
        gaps = _DRAFT_GAPS.get()
        if gaps is not None and name not in gaps:
            gaps.append(name)
        return f"[{name}]"

    def _same(self, *args: Any, **kwargs: Any) -> DraftGap:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same  # type: ignore[assignment]
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _same  # type: ignore[assignment]
    __pos__ = __neg__ = __pow__ = __rpow__ = __call__ = _same  # type: ignore[assignment]


class RecordGap(StrictUndefined):
    """A key that ``order`` or ``customer`` lacks in a finished reply: an error naming it in full.

    Undefined for ``is defined`` tests, like DraftGap; printing or using it stops the render with
    ``customer.name is not given`` (exit 3) rather than Jinja's "'dict object' has no attribute".
    """

    __slots__ = ()


_MUTATING_DICT_METHODS = frozenset({"update", "pop", "popitem", "setdefault", "clear"})


class DraftRecord(Mapping[str, Any]):
    """``order`` or ``customer`` in a draft: its keys as given, a DraftGap for any other."""

    gap: type[Undefined] = DraftGap

    def __init__(self, name: str, data: Mapping[str, Any] | None) -> None:
        self._name = name
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        if key in self._data:
            return self._data[key]
        if key in _MUTATING_DICT_METHODS:  # what the immutable sandbox refuses on a plain dict
            raise SecurityError(f"access to attribute {key!r} of {self._name!r} is unsafe: values are read-only")
        return self.gap(name=f"{self._name}.{key}")


class StrictRecord(DraftRecord):
    """``order`` or ``customer`` in a finished reply: a key it lacks is an error that names it."""

    gap = RecordGap


def draft_values(values: Mapping[str, Any], record: type[DraftRecord] = DraftRecord) -> dict[str, Any]:
    """``values`` with ``order`` and ``customer`` as records (in a draft, their gaps become markers)."""
    out = dict(values)
    for name in ("order", "customer"):
        given = values.get(name)
        out[name] = record(name, given if isinstance(given, Mapping) else None)
    return out


def _missing_tolerant(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that passes a missing value through as its ``[name]`` marker, within the bounds.

    Under ``--allow-missing`` any filter can meet a Missing (``items | length``, ``n | round``):
    the marker is the answer, not a crash and not an empty string. replykit's own filters that
    say more (``plural`` keeps its words around the marker) handle it themselves.
    """
    pass_arg = _PassArg.from_obj(func)
    skip = 0 if pass_arg is None else 1
    handles_missing = getattr(getattr(func, "__func__", func), "handles_missing", False)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        data = args[skip:]
        if data and isinstance(data[0], Missing) and not handles_missing:
            return data[0]  # {{ items | length }}: the marker
        if data and isinstance(data[0], DraftGap) and name not in ("default", "d"):
            return data[0]  # {{ customer.since | date }} in a draft: the marker
        data, kwargs = check_filter(name, tuple(data), kwargs)
        try:
            return func(*args[:skip], *data, **kwargs)
        except (RenderTimeout, OutputTooLarge):
            raise
        except Exception:
            marker = first_missing(*data, *kwargs.values())
            if marker is None:
                raise
            return marker  # 'x' | replace('x', n): failed on the missing argument, so the marker

    return wrapper


class ReplyEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus the render's bounds at every operator, call and loop."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    max_output_chars: int = MAX_OUTPUT_CHARS
    max_render_seconds: float = MAX_RENDER_SECONDS

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_deadline()
        if operator == "**":
            check_power(left, right)
        elif operator == "*":
            check_repeat(left, right)
        elif operator == "+":
            check_concat(left, right)
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left, right)
        try:
            return super().call_binop(context, operator, left, right)
        except TypeError:
            marker = first_missing(left, right, *(right if isinstance(right, tuple) else ()))
            if marker is None:
                raise
            return marker  # '%d items' % n with n missing: the marker

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_deadline()
        check_call(__obj, args, kwargs)
        try:
            return super().call(__context, __obj, *args, **kwargs)
        except (TypeError, ValueError):
            marker = first_missing(*args, *kwargs.values())
            if marker is None:
                raise
            return marker  # 'x'.ljust(n) or range(n) with n missing: the marker, not a TypeError

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        formatter = super().wrap_str_format(value)
        if formatter is None:
            return None
        template = value.__self__
        is_map = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if is_map and args and isinstance(args[0], Mapping) else {}
            check_str_format(template, () if is_map else args, {**kwargs, **mapping})
            return formatter(*args, **kwargs)

        return checked

    @staticmethod
    def bounded_concat(parts: Iterable[Any]) -> str:
        """``a ~ b ~ c``: the text of each part, refused when together they pass the output bound."""
        texts = [str(part) for part in parts]
        check_concat(*texts)
        return "".join(texts)


@functools.cache
def _bound_builtin_filters() -> dict[str, Callable[..., Any]]:
    """Jinja's own filters, wrapped once per process (every reply builds an environment)."""
    from jinja2.filters import FILTERS

    bound = {name: _missing_tolerant(name, func) for name, func in FILTERS.items()}
    bound[_LOOP_FILTER] = bounded_iter
    return bound


def _bound_filters(own: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter a template can use, each tolerant of missing values and checked against the bounds."""
    return {**_bound_builtin_filters(), **{name: _missing_tolerant(name, func) for name, func in own.items()}}


#: Characters that have no place in a reply: C0 controls (NUL...) and DEL, and U+FEFF (an invisible
#: byte-order mark, which a pasted reply would carry). Tabs and line breaks are text.
BAD_TEMPLATE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")


def bad_character(source: str) -> tuple[int, str] | None:
    """The line and a description of the first character of ``source`` that must not reach a reply."""
    found = BAD_TEMPLATE_CHARACTERS.search(source)
    if found is None:
        return None
    char = found.group()
    name = "NUL" if char == "\x00" else "byte-order mark" if char == "\ufeff" else "control"
    return source.count("\n", 0, found.start()) + 1, f"a {name} character (U+{ord(char):04X})"


class _TemplateFiles(FileSystemLoader):
    """Template files as UTF-8 text without a leading byte-order mark, refusing control characters.

    Each template is read from disk when it is used, and checked as the KB build checks it (UTF-8,
    nesting): a command that renders loads the KB without reading 25,000 templates
    (:func:`replykit.kb.loader.load_kb_report`), so an edited template is checked here.
    """

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        from replykit.kb.template_checks import template_nesting_problem, utf8_problem

        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as e:
            path = self._path_of(template)
            bad_bytes = utf8_problem(path or template, e.object)
            assert bad_bytes is not None
            raise TemplateSyntaxError(bad_bytes.message, bad_bytes.line, template, path) from None
        source = source.removeprefix("\ufeff")  # editors on Windows add it; it is not text
        bad = bad_character(source)
        if bad is not None:
            line, what = bad
            raise TemplateSyntaxError(
                f"{what}, which would reach the customer: remove it (lint reports it too)", line, template, filename
            )
        nested = template_nesting_problem(filename, source)
        if nested is not None:
            raise TemplateSyntaxError(nested.message, nested.line, template, filename)
        return source, filename, uptodate

    def _path_of(self, template: str) -> str | None:
        """The file the loader read ``template`` from (the first of the search path that has it)."""
        for base in self.searchpath:
            candidate = os.path.join(base, *split_template_path(template))
            if os.path.isfile(candidate):
                return candidate
        return None


def _compiled_templates(env: ReplyEnvironment) -> BytecodeCache | None:
    """Templates' compiled code on disk (:func:`replykit.cache.template_bytecode_cache`): a process
    renders a reply without compiling them again (~10 ms).

    Jinja keys an entry by template path and source checksum. The code also depends on how the
    environment compiles (the sandbox's intercepted operators, whitespace options, known filters),
    so the file names carry those: an environment never runs code compiled by another.
    """
    compiles_with = (
        type(env).__qualname__, sorted(env.intercepted_binops),
        sorted(env.intercepted_unops), env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
        env.newline_sequence, env.autoescape, env.undefined.__qualname__, sorted(env.filters), sorted(env.tests),
    )
    return cache.template_bytecode_cache(repr(compiles_with))


def _merged_locale_data(kb: KnowledgeBase, chain: Sequence[str]) -> dict[str, Any]:
    """``locale.*``: the first locale file of the chain, keys it lacks taken from the next ones.

    A key left empty (``store_name:``, YAML's null) counts as lacking: the next file's value is used,
    and with no value anywhere in the chain the key is absent, so the template fails to render
    (lint's ``locale-data`` names the file and line) instead of thanking the customer for
    contacting "None".
    """
    merged: dict[str, Any] = {}
    for loc in reversed(chain):
        data = kb.locale_data.get(loc)
        if data is not None:
            merged.update((k, v) for k, v in data.data.items() if v is not None)
    return merged


def _resolve_tz(value: str | tzinfo | None, origin: str) -> tzinfo | None:
    if value is None or isinstance(value, tzinfo):
        return value
    return parse_timezone(str(value), origin)


def _tz_name(zone: tzinfo) -> str:
    key = getattr(zone, "key", None)
    return str(key) if key else str(zone.tzname(None) or "UTC")


def _locale_timezone(kb: KnowledgeBase, chain: Sequence[str]) -> tzinfo | None:
    for loc in chain:
        data = kb.locale_data.get(loc)
        if data is not None and data.data.get("timezone"):
            return parse_timezone(str(data.data["timezone"]), f"{display_path(data.path)}, key timezone")
    return None


def build_environment(
    kb: KnowledgeBase,
    chain: Sequence[str],
    *,
    tz: str | tzinfo | None = None,
    now: datetime | None = None,
    locale: str | None = None,
    max_output_chars: int = MAX_OUTPUT_CHARS,
    max_render_seconds: float = MAX_RENDER_SECONDS,
) -> ReplyEnvironment:
    """The sandboxed environment for replies in ``chain[0]``: every filter, and the globals.

    One loader folder per step of the fallback chain, so ``{% include "_greeting.j2" %}`` finds
    the most specific partial. Filters format for ``locale`` (default ``chain[0]``) in ``tz``
    (default: the locale file's ``timezone``, else UTC). Globals: ``locale`` (the locale files
    merged along the chain), ``now``, and empty ``customer`` and ``order`` that a render replaces.
    """
    if not chain:
        raise ValueError("a fallback chain has at least one locale")
    zone = _resolve_tz(tz, "--tz") or _locale_timezone(kb, chain) or UTC
    formatter = Formatter(normalize_locale(locale or chain[0]), zone, now or datetime.now(UTC))
    moment = formatter.current_time()  # in the customer's zone, as every filter sees it
    env = ReplyEnvironment(
        loader=_TemplateFiles([str(d) for d in kb.template_dirs(tuple(chain))], encoding="utf-8"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )
    env.max_output_chars = max_output_chars
    env.max_render_seconds = max_render_seconds
    env.filters = _bound_filters(formatter.filters())
    env.globals.update(
        locale=StrictRecord("locale", _merged_locale_data(kb, chain)),
        now=moment,
        customer={},
        order={},
        range=BoundedRange,
    )
    del env.globals["lipsum"]  # placeholder text has no place in a reply, and lipsum(10**6) runs for minutes
    env.bytecode_cache = _compiled_templates(env)
    return env


# ---- rendering -------------------------------------------------------------------------------

_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_whitespace(text: str) -> str:
    """No trailing spaces, no runs of blank lines left by template logic, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
    return joined + "\n" if joined else ""


def _template_location(error: BaseException, root: Path) -> str | None:
    """``templates/de/track-order.j2:3`` of the innermost template frame of an error."""
    where: str | None = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{display_path(Path(filename), root)}:{lineno}"
    return where


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _raised_by_replykit(error: BaseException) -> bool:
    """Whether the innermost frame of ``error`` is replykit's own code, not a template's or a library's."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(Path(tb.tb_frame.f_code.co_filename).resolve()).startswith(_PACKAGE_DIR)


_RECORD_GAP = re.compile(r"'((?:order|customer)\.[^']+)' is undefined")
_LOCALE_GAP = re.compile(r"'locale\.([^']+)' is undefined")


class RecordValueMissingError(MissingVariablesError):
    """A template prints a key that the order or customer data lacks (exit 3, as any missing value)."""

    def __init__(self, where: str, name: str) -> None:
        RenderError.__init__(
            self,
            f"{where}: {name} is not given: add it to the order data (--order FILE), guard it with"
            f" {{% if {name} is defined %}}, or use --allow-missing to show a visible [{name}] marker",
        )
        self.entry_id = ""
        self.missing = (name,)


def check_syntax(env: ReplyEnvironment, name: str, *, root: Path) -> None:
    """Compile one template by loader name; a syntax error is a RenderError naming its file and line."""
    try:
        with bounded(env.max_render_seconds, env.max_output_chars):
            env.get_template(name)
    except TemplateSyntaxError as e:
        shown = display_path(Path(e.filename), root) if e.filename else name
        raise RenderError(f"{shown}:{e.lineno}: template syntax error: {e.message}") from None
    except Exception:  # not found, too deep, too slow: render_template says it properly
        pass


def render_template(env: ReplyEnvironment, name: str, context: Mapping[str, Any], *, root: Path) -> str:
    """Render one template by loader name (``track-order.j2``) within the environment's bounds.

    Every failure becomes a RenderError naming the template file and line.
    """
    where = name
    try:
        with bounded(env.max_render_seconds, env.max_output_chars):
            template: Template = env.get_template(name)
            where = display_path(Path(template.filename or name), root)
            size = 0
            chunks: list[str] = []
            for chunk in template.generate(dict(context)):
                size += len(chunk)
                if size > env.max_output_chars:
                    raise RenderError(
                        f"{where}: the reply grew past {env.max_output_chars} characters: a runaway loop?"
                    )
                chunks.append(chunk)
    except RenderTimeout as e:
        at = _template_location(e, root) or where
        raise RenderError(
            f"{at}: rendering took longer than {env.max_render_seconds:g} s and was stopped: a runaway loop?"
        ) from None
    except TemplateSyntaxError as e:
        shown = display_path(Path(e.filename), root) if e.filename else where
        raise RenderError(f"{shown}:{e.lineno}: template syntax error: {e.message}") from None
    except TemplateNotFound as e:
        raise RenderError(f"{where}: template '{e.name}' not found in any locale of the fallback chain") from None
    except OutputTooLarge as e:
        at = _template_location(e, root) or where
        raise RenderError(f"{at}: refused: {e} (the sandbox stops runaway values before they are built)") from None
    except SecurityError as e:
        at = _template_location(e, root) or where
        raise RenderError(
            f"{at}: refused: {e} (templates run in a sandbox: no Python internals, no changes to values)"
        ) from None
    except UndefinedError as e:
        at = _template_location(e, root) or where
        record_key = _RECORD_GAP.fullmatch(str(e))
        if record_key:
            raise RecordValueMissingError(at, record_key.group(1)) from None
        locale_key = _LOCALE_GAP.fullmatch(str(e))
        if locale_key:
            raise RenderError(
                f"{at}: locale.{locale_key.group(1)} has no value in this reply's locale files"
                f" (locales/<locale>.yaml and its fallbacks): give it one; replykit lint names the file and line"
            ) from None
        if str(e).endswith(" is undefined"):  # a name, not an attribute of a value
            raise RenderError(
                f"{at}: {e}: declare it in the entry's variables and give it, or wrap its use in"
                " {% if NAME is defined %}"
            ) from None
        raise RenderError(f"{at}: {e}") from None
    except FormatError as e:
        at = _template_location(e, root) or where
        raise RenderError(f"{at}: {e}") from None
    except RenderError:
        raise
    except RecursionError:
        raise RenderError(f"{where}: templates nest too deeply (a macro or include calling itself?)") from None
    except MemoryError:
        raise RenderError(f"{where}: the template needs too much memory: a runaway value?") from None
    except Exception as e:  # a template expression failing on its data: 1 / 0, "a" < 1, ...
        if _raised_by_replykit(e):
            raise  # a bug of ours (a filter that should have refused its input): the CLI asks for a report
        at = _template_location(e, root) or where
        raise RenderError(f"{at}: {type(e).__name__}: {e}") from None
    return "".join(chunks)


def _entry(kb: KnowledgeBase, entry_id: str) -> Entry:
    entry = kb.entries.get(entry_id)
    if entry is None:
        close = difflib.get_close_matches(entry_id, list(kb.entries), n=3, cutoff=0.6)
        hint = f": did you mean {', '.join(close)}?" if close else ": `replykit suggest` finds entries by question"
        raise RenderError(f"no entry '{entry_id}' in {kb.root}{hint}")
    return entry


def choose_template(
    kb: KnowledgeBase, name: str, chain: Sequence[str], channel: str
) -> TemplateFile | None:
    """The first locale of the chain that has the template wins; in it, ``<name>.<channel>`` is preferred.

    A German body beats an English chat variant: the language matters more than the length.
    """
    for loc in chain:
        available = kb.templates.get(loc, {})
        for candidate in (f"{name}.{channel}", name):
            if candidate in available:
                return available[candidate]
    return None


def _language(locale: str) -> str:
    return locale.split("_", 1)[0]


def _render_chain(chain: Sequence[str], used: str) -> tuple[str, ...]:
    """The steps partials and locale data come from: the used locale, more specific locales of its
    language before it (de_AT before de), and what follows it. A fallback to English never gets
    a Chinese greeting."""
    index = chain.index(used)
    before = [loc for loc in chain[:index] if _language(loc) == _language(used)]
    return (*before, *chain[index:])


def render_reply(
    kb: KnowledgeBase,
    entry_id: str,
    locale: str,
    values: Mapping[str, Any],
    *,
    channel: str = "email",
    allow_missing: bool = False,
    tz: str | tzinfo | None = None,
    now: datetime | None = None,
) -> RenderedReply:
    """Render an entry's reply in a locale (or the nearest one of its fallback chain).

    ``values`` come from :func:`replykit.values.parse_values`. The time zone is ``tz``, else the
    order's ``timezone``, else the locale file's. Raises MissingVariablesError (exit 3) when a
    required variable has no value, unless ``allow_missing`` puts ``[name]`` markers in its place.
    """
    return compose_replies(
        kb, (entry_id,), locale, values, channel=channel, allow_missing=allow_missing, tz=tz, now=now
    )


def _fallback_notice(entry_id: str, requested: str, used: str, chain: Sequence[str], whole: bool) -> str:
    part = "this reply" if whole else "its part of the reply"
    return (
        f"no {requested} template for '{entry_id}': {part} is in {used}"
        f" (fallback chain {' > '.join(chain)}); check the language before sending."
    )


def compose_replies(
    kb: KnowledgeBase,
    entry_ids: Sequence[str],
    locale: str,
    values: Mapping[str, Any],
    *,
    channel: str = "email",
    allow_missing: bool = False,
    tz: str | tzinfo | None = None,
    now: datetime | None = None,
) -> RenderedReply:
    """One reply answering several entries: one greeting, the bodies in order, one signature.

    A customer who asks two things gets one e-mail, not two. Each body is chosen along the
    fallback chain of ``locale`` like a single reply's; greeting and signature are in the first
    body's language. ``values`` serve every entry (parse them with
    :func:`replykit.values.parse_values_for`); missing required variables of all entries raise
    MissingVariablesError (exit 3) unless ``allow_missing``. ``entry_id`` of the result is the ids
    joined by ``+``; every body that fell back to another locale adds a notice.
    """
    if channel not in CHANNELS:
        raise RenderError(f"channel '{channel}' is not one of {', '.join(CHANNELS)}")
    if not entry_ids:
        raise RenderError("no entry to render: give at least one entry id")
    repeated = sorted({i for i in entry_ids if list(entry_ids).count(i) > 1})
    if repeated:
        raise RenderError(f"entry '{repeated[0]}' is given twice: a reply answers each question once")
    entries = [_entry(kb, entry_id) for entry_id in entry_ids]
    requested = normalize_locale(locale)
    available = set(kb.locales) | set(kb.config.fallbacks)
    chain = fallback_chain(
        requested, source_locale=kb.source_locale, fallbacks=kb.config.fallbacks, available=available
    )
    bodies: list[tuple[Entry, TemplateFile]] = []
    for entry in entries:
        body = choose_template(kb, entry.template, chain, channel)
        if body is None:
            raise RenderError(
                f"entry '{entry.id}' has no template '{entry.template}' in any of {', '.join(chain)}:"
                f" create templates/{kb.source_locale}/{entry.template}.j2"
            )
        bodies.append((entry, body))
    used = bodies[0][1].locale
    joined_id = "+".join(entry.id for entry in entries)

    order = values.get("order")
    order_zone = order.get("timezone") if isinstance(order, Mapping) else None
    zone = (
        _resolve_tz(tz, "--tz")
        or _resolve_tz(str(order_zone) if order_zone else None, "the order's timezone")
        or _locale_timezone(kb, chain)
        or UTC
    )

    environments: dict[str, ReplyEnvironment] = {}

    def environment(body_locale: str) -> ReplyEnvironment:
        """Each body's language gets its own partials, locale data and number formats."""
        if body_locale not in environments:
            format_locale = requested if _language(requested) == _language(body_locale) else body_locale
            environments[body_locale] = build_environment(
                kb, _render_chain(chain, body_locale), tz=zone, now=now, locale=format_locale
            )
        return environments[body_locale]

    for _, body in bodies:  # a broken template is the KB's problem: say so before asking for values
        check_syntax(environment(body.locale), f"{body.name}.j2", root=kb.root)

    missing = tuple(dict.fromkeys(
        name for entry in entries for name in entry.required_variables if values.get(name) is None
    ))
    if missing and not allow_missing:
        raise MissingVariablesError(joined_id, missing)
    context: dict[str, Any] = {name: value for name, value in values.items() if value is not None}
    context.update({name: Missing(name) for name in missing})
    context = draft_values(context, DraftRecord if allow_missing else StrictRecord)

    def rendered(name: str, body_locale: str) -> str:
        return normalize_whitespace(render_template(environment(body_locale), f"{name}.j2", context, root=kb.root))

    gaps: list[str] = []
    token = _DRAFT_GAPS.set(gaps)
    try:
        parts = [rendered(body.name, body.locale) for _, body in bodies]
        if channel == "email":  # greeting and sign-off only in the first body's language, never mixed
            same_language = [loc for loc in _render_chain(chain, used) if _language(loc) == _language(used)]
            has = {n for loc in same_language for n in kb.templates.get(loc, {})}
            parts = [
                *([rendered(GREETING, used)] if GREETING in has else []),
                *parts,
                *([rendered(SIGNATURE, used)] if SIGNATURE in has else []),
            ]
    finally:
        _DRAFT_GAPS.reset(token)
    missing += tuple(gap for gap in gaps if gap not in missing)
    text = normalize_whitespace("\n\n".join(part.strip("\n") for part in parts if part.strip()))

    notices = tuple(
        _fallback_notice(entry.id, requested, body.locale, chain, whole=len(bodies) == 1)
        for entry, body in bodies
        if body.locale != requested
    )
    from replykit.translations.notices import translation_notices  # stale or pending, from replykit.lock

    notices += tuple(n for entry, body in bodies for n in translation_notices(kb, entry.id, requested, body.locale))
    declared = dict.fromkeys(name for entry in entries for name in entry.variables)
    variables_used = {name: values[name] for name in declared if name in values and values[name] is not None}
    return RenderedReply(
        text=text,
        entry_id=joined_id,
        locale_requested=requested,
        locale_used=used,
        chain=chain,
        fallback_used=any(body.locale != requested for _, body in bodies),
        variables_used=variables_used,
        missing=missing,
        channel=channel,
        timezone=_tz_name(zone),
        template=bodies[0][1].path,
        notices=notices,
    )


__all__ = [
    "CHANNELS",
    "MAX_OUTPUT_CHARS",
    "MAX_RENDER_SECONDS",
    "RenderedReply",
    "ReplyEnvironment",
    "build_environment",
    "choose_template",
    "compose_replies",
    "draft_values",
    "normalize_whitespace",
    "render_reply",
    "render_template",
]
