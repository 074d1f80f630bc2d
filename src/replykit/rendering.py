"""The one place that builds the Jinja environment replies are rendered in, and renders them.

Templates are written by the team but rendered with customer data, and the result is pasted
in front of a customer, so the environment is strict on every side: an immutable sandbox (no
Python internals, no mutation), StrictUndefined (a gap is an error, never an empty string),
bounded output and time, and values passed as data (never compiled as template source).
"""

from __future__ import annotations

import difflib
import itertools
import re
import threading
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from jinja2 import (
    BytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from replykit import cache
from replykit.errors import MissingVariablesError, RenderError, display_path
from replykit.formatting import FormatError, Formatter
from replykit.kb.model import Entry, KnowledgeBase, TemplateFile
from replykit.l10n import fallback_chain, normalize_locale
from replykit.values import Missing, parse_timezone, to_json

Channel = Literal["email", "chat"]
CHANNELS: tuple[str, ...] = ("email", "chat")

#: A reply longer than this is a runaway template, not a message to a customer.
MAX_OUTPUT_CHARS = 100_000
#: Rendering one reply takes about a millisecond; this leaves room for a slow machine.
MAX_RENDER_SECONDS = 2.0
#: ``'-' * n`` and ``x ** n`` are checked before Python builds a huge value in one step.
MAX_EXPONENT = 1_000
MAX_POWER_BITS = 64_000

GREETING = "_greeting"
SIGNATURE = "_signature"


@dataclass(frozen=True)
class RenderedReply:
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

    @property
    def notice(self) -> str | None:
        """What the agent must know before sending: the reply is not in the requested locale."""
        if not self.fallback_used:
            return None
        return (
            f"no {self.locale_requested} template for '{self.entry_id}': this reply is in {self.locale_used}"
            f" (fallback chain {' > '.join(self.chain)}); check the language before sending"
        )

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
        }


# ---- the sandbox -----------------------------------------------------------------------------


class RenderTimeout(BaseException):
    """Raised inside the rendering thread when a template runs past its time bound.

    A BaseException, so that no ``except Exception`` on the way can swallow it.
    """


def _raise_in_thread(thread_id: int, exc: type[BaseException] | None) -> None:
    import ctypes  # only when a render runs away: ~3 ms that every reply would pay at import

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


class _Watchdog:
    """Interrupts a render that runs too long, even in a tight template loop with no output.

    One daemon thread serves every render; entering and leaving a guard only takes a lock.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: dict[int, tuple[int, float]] = {}  # token -> (thread id, deadline)
        self._fired: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (thread_id, deadline) in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[token]
                        self._fired.add(token)
                        _raise_in_thread(thread_id, RenderTimeout)
                upcoming = min((deadline for _, deadline in self._deadlines.values()), default=None)
                self._cond.wait(None if upcoming is None else max(0.0, upcoming - now))

    def guard(self, seconds: float) -> _Guard:
        return _Guard(self, seconds)

    def _enter(self, seconds: float) -> int:
        token = next(self._tokens)
        deadline = time.monotonic() + seconds
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="replykit-render-watchdog", daemon=True)
                self._thread.start()
            earliest = min((d for _, d in self._deadlines.values()), default=None)
            self._deadlines[token] = (threading.get_ident(), deadline)
            if earliest is None or deadline < earliest:
                self._cond.notify()
        return token

    def _exit(self, token: int) -> None:
        with self._cond:
            self._deadlines.pop(token, None)
            if token in self._fired:
                self._fired.discard(token)
                _raise_in_thread(threading.get_ident(), None)  # drop a timeout not delivered yet


class _Guard:
    def __init__(self, watchdog: _Watchdog, seconds: float) -> None:
        self._watchdog = watchdog
        self._seconds = seconds
        self._token = -1

    def __enter__(self) -> None:
        self._token = self._watchdog._enter(self._seconds)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._watchdog._exit(self._token)


_WATCHDOG = _Watchdog()


class ReplyEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus checks on the operators that build huge values in one step."""

    intercepted_binops = frozenset({"*", "**"})
    max_output_chars: int = MAX_OUTPUT_CHARS
    max_render_seconds: float = MAX_RENDER_SECONDS

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and not isinstance(right, bool):
            huge_int = isinstance(left, int) and right > 0 and left.bit_length() * right > MAX_POWER_BITS
            if abs(right) > MAX_EXPONENT or huge_int:
                raise SecurityError(f"the power {left} ** {right} is too large to compute")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                if sized and len(seq) * count > self.max_output_chars:
                    raise SecurityError(
                        f"repeating a value {count} times would exceed the output bound of"
                        f" {self.max_output_chars} characters"
                    )
        return super().call_binop(context, operator, left, right)


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
    """``locale.*``: the first locale file of the chain, keys it lacks taken from the next ones."""
    merged: dict[str, Any] = {}
    for loc in reversed(chain):
        data = kb.locale_data.get(loc)
        if data is not None:
            merged.update(data.data)
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
        loader=FileSystemLoader([str(d) for d in kb.template_dirs(tuple(chain))], encoding="utf-8"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )
    env.max_output_chars = max_output_chars
    env.max_render_seconds = max_render_seconds
    env.filters.update(formatter.filters())
    env.globals.update(locale=_merged_locale_data(kb, chain), now=moment, customer={}, order={})
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


def render_template(env: ReplyEnvironment, name: str, context: Mapping[str, Any], *, root: Path) -> str:
    """Render one template by loader name (``track-order.j2``) within the environment's bounds.

    Every failure becomes a RenderError naming the template file and line.
    """
    where = name
    try:
        with _WATCHDOG.guard(env.max_render_seconds):
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
    except RenderTimeout:
        raise RenderError(
            f"{where}: rendering took longer than {env.max_render_seconds:g} s and was stopped: a runaway loop?"
        ) from None
    except TemplateSyntaxError as e:
        shown = display_path(Path(e.filename), root) if e.filename else where
        raise RenderError(f"{shown}:{e.lineno}: template syntax error: {e.message}") from None
    except TemplateNotFound as e:
        raise RenderError(f"{where}: template '{e.name}' not found in any locale of the fallback chain") from None
    except SecurityError as e:
        at = _template_location(e, root) or where
        raise RenderError(
            f"{at}: refused: {e} (templates run in a sandbox: no Python internals, no changes to values)"
        ) from None
    except UndefinedError as e:
        at = _template_location(e, root) or where
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
    if channel not in CHANNELS:
        raise RenderError(f"channel '{channel}' is not one of {', '.join(CHANNELS)}")
    entry = _entry(kb, entry_id)
    requested = normalize_locale(locale)
    available = set(kb.locales) | set(kb.config.fallbacks)
    chain = fallback_chain(
        requested, source_locale=kb.source_locale, fallbacks=kb.config.fallbacks, available=available
    )
    body = choose_template(kb, entry.template, chain, channel)
    if body is None:
        raise RenderError(
            f"entry '{entry.id}' has no template '{entry.template}' in any of {', '.join(chain)}:"
            f" create templates/{kb.source_locale}/{entry.template}.j2"
        )
    used = body.locale
    render_chain = _render_chain(chain, used)

    order = values.get("order")
    order_zone = order.get("timezone") if isinstance(order, Mapping) else None
    zone = (
        _resolve_tz(tz, "--tz")
        or _resolve_tz(str(order_zone) if order_zone else None, "the order's timezone")
        or _locale_timezone(kb, chain)
        or UTC
    )

    missing = tuple(name for name in entry.required_variables if values.get(name) is None)
    if missing and not allow_missing:
        raise MissingVariablesError(entry.id, missing)

    format_locale = requested if _language(requested) == _language(used) else used
    env = build_environment(kb, render_chain, tz=zone, now=now, locale=format_locale)
    context: dict[str, Any] = {name: value for name, value in values.items() if value is not None}
    context.update({name: Missing(name) for name in missing})

    names: Iterable[str] = [body.name]
    if channel == "email":  # greeting and sign-off only in the body's language, never mixed
        same_language = [loc for loc in render_chain if _language(loc) == _language(used)]
        has = {n for loc in same_language for n in kb.templates.get(loc, {})}
        names = [n for n in (GREETING, body.name, SIGNATURE) if n == body.name or n in has]
    parts = [normalize_whitespace(render_template(env, f"{n}.j2", context, root=kb.root)) for n in names]
    text = normalize_whitespace("\n\n".join(part.strip("\n") for part in parts if part.strip()))

    variables_used = {
        name: values[name] for name in entry.variables if name in values and values[name] is not None
    }
    return RenderedReply(
        text=text,
        entry_id=entry.id,
        locale_requested=requested,
        locale_used=used,
        chain=chain,
        fallback_used=used != requested,
        variables_used=variables_used,
        missing=missing,
        channel=channel,
        timezone=_tz_name(zone),
        template=body.path,
    )


__all__ = [
    "CHANNELS",
    "MAX_OUTPUT_CHARS",
    "MAX_RENDER_SECONDS",
    "RenderedReply",
    "ReplyEnvironment",
    "build_environment",
    "choose_template",
    "normalize_whitespace",
    "render_reply",
    "render_template",
]
