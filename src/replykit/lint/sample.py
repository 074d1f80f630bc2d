"""Rendering every reply template with sample values of its entry's declared types.

The syntax tree cannot see everything: a filter given the wrong type, a name built at run time, a
reply that grows past a channel's limit. lint renders each template through the renderer's own
sandbox (:func:`replykit.rendering.build_environment`), with :func:`replykit.values.sample_value`
for every declared variable and a stand-in for ``order`` and ``customer``. Templates with the same
skeleton share one compiled program (see replykit.lint.skeleton), so this stays fast on large KBs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment

from replykit.errors import RenderError, display_path
from replykit.kb.model import Entry, TemplateFile
from replykit.lint.skeleton import SharedBytecode, Skeleton, SkeletonLoader
from replykit.rendering import (
    GREETING,
    SIGNATURE,
    ReplyEnvironment,
    draft_values,
    normalize_whitespace,
    render_template,
)
from replykit.values import Missing, sample_value

if TYPE_CHECKING:
    from replykit.lint.context import LintContext

_LOCATION = re.compile(r"^(?P<file>\S+?\.j2):(?P<line>\d+): (?P<rest>.*)$", re.DOTALL)


class SampleRecord:
    """Stands in for ``order`` and ``customer``: every attribute exists and prints as a name."""

    def __getattr__(self, name: str) -> SampleRecord:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> SampleRecord:
        return self

    def __iter__(self) -> Any:
        return iter(())

    def __str__(self) -> str:
        return "Kim Sample"


@dataclass(frozen=True)
class SampleRender:
    """The outcome of rendering one reply template with sample values."""

    #: The whole reply as sent (greeting and signature around an e-mail body), or None on failure.
    reply: str | None = None
    error: str | None = None
    line: int = 1
    #: Whether the failure is a name the template reads but nobody provides.
    undefined: bool = False


class SampleRenderer:
    """Renders reply templates of one lint run; one environment per locale, shared programs."""

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        self._bytecode = SharedBytecode()
        self._fast: dict[str, tuple[Environment, dict[str, Skeleton]]] = {}
        self._wrappers: dict[str, list[str]] = {}
        self._done: dict[tuple[str, str], SampleRender] = {}
        self._bare: dict[tuple[str, str], SampleRender] = {}
        self._outputs: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}

    def _environment(self, locale: str) -> tuple[Environment, dict[str, Skeleton]]:
        if locale not in self._fast:
            base = self.ctx.render_environment(locale)
            current: dict[str, Skeleton] = {}
            assert base.loader is not None
            fast = base.overlay(loader=SkeletonLoader(base.loader, current), bytecode_cache=self._bytecode)
            self._fast[locale] = (fast, current)
        return self._fast[locale]

    def values(self, entry: Entry) -> dict[str, Any]:
        values: dict[str, Any] = {name: sample_value(var.type) for name, var in entry.variables.items()}
        values.setdefault("order", SampleRecord())
        values.setdefault("customer", SampleRecord())
        return values

    def render_without_values(self, template: TemplateFile, entry: Entry) -> SampleRender:
        """The template as ``render --allow-missing`` shows it when no value is given at all.

        Required variables are ``[name]`` markers, optional ones are absent, ``order`` and
        ``customer`` are empty drafts (an unguarded ``customer.name`` prints ``[customer.name]``):
        a template that crashes here crashes in front of an agent.
        """
        key = (template.locale, template.name)
        if key not in self._bare:
            if self.ctx.info(template).syntax_error is not None:
                self._bare[key] = SampleRender(error="syntax error")
            else:
                values = self.values_without_data(entry)
                try:
                    body = self._render_one(self.ctx.render_environment(template.locale), f"{template.name}.j2", values)
                except RenderError as e:
                    self._bare[key] = self._failure(template, str(e))
                else:
                    self._bare[key] = SampleRender(reply=normalize_whitespace(body))
        return self._bare[key]

    @staticmethod
    def values_without_data(entry: Entry) -> dict[str, Any]:
        """What a render with no ``--var`` and no ``--order`` gives a template under ``--allow-missing``."""
        return draft_values({name: Missing(name) for name in entry.required_variables})

    def render(self, template: TemplateFile, entry: Entry) -> SampleRender:
        key = (template.locale, template.name)
        if key not in self._done:
            self._done[key] = self._render(template, entry)
        return self._done[key]

    def _render(self, template: TemplateFile, entry: Entry) -> SampleRender:
        info = self.ctx.info(template)
        if info.syntax_error is not None:
            return SampleRender(error="syntax error")
        values = self.values(entry)
        name = f"{template.name}.j2"
        shape = info.skeleton
        try:
            if shape is not None:
                # Same environment, program and values give the same output: render each once.
                signature = tuple(sorted((n, v.type) for n, v in entry.variables.items()))
                key = (template.locale, shape.source, signature)
                rendered = self._outputs.get(key)
                if rendered is None:
                    fast, current = self._environment(template.locale)
                    current.clear()
                    current[name] = shape
                    try:
                        rendered = self._render_one(fast, name, values)
                    finally:
                        current.clear()
                    self._outputs[key] = rendered
                body = shape.restore(rendered)
            else:
                body = self._render_one(self.ctx.render_environment(template.locale), name, values)
        except RenderError:
            # Render the file itself (not a shared skeleton) so the message names the right place.
            try:
                body = self._render_one(self.ctx.render_environment(template.locale), name, values)
            except RenderError as e:
                return self._failure(template, str(e))
        parts = [body]
        if template.channel is None:  # e-mail: wrapped like render_reply wraps it
            parts = [*self._wrap(template.locale, GREETING), body, *self._wrap(template.locale, SIGNATURE)]
        reply = normalize_whitespace("\n\n".join(p.strip("\n") for p in map(normalize_whitespace, parts) if p.strip()))
        return SampleRender(reply=reply)

    def _render_one(self, env: Environment, name: str, values: dict[str, Any]) -> str:
        assert isinstance(env, ReplyEnvironment)
        return render_template(env, name, values, root=self.ctx.kb.root)

    def _failure(self, template: TemplateFile, message: str) -> SampleRender:
        line = 1
        match = _LOCATION.match(message)
        if match and match.group("file") == display_path(Path(template.file), self.ctx.kb.root):
            line = int(match.group("line"))
            message = match.group("rest")
        return SampleRender(error=message, line=line, undefined=" is undefined" in message)

    def _wrap(self, locale: str, partial: str) -> list[str]:
        """The rendered greeting or signature of ``locale``'s replies ([] when there is none)."""
        key = f"{locale}\0{partial}"
        if key not in self._wrappers:
            chain = self.ctx.chain(locale)
            language = locale.split("_", 1)[0]
            same = tuple(loc for loc in chain if loc.split("_", 1)[0] == language)
            found = self.ctx.kb.find_template(partial, same)
            text: list[str] = []
            if found is not None:
                values = {"order": SampleRecord(), "customer": SampleRecord()}
                try:
                    text = [self._render_one(self.ctx.render_environment(locale), f"{partial}.j2", values)]
                except RenderError:
                    text = []  # reported on the partial itself by template-syntax
            self._wrappers[key] = text
        return self._wrappers[key]

    def partial_failures(self) -> list[tuple[TemplateFile, SampleRender]]:
        """Greetings and signatures that fail to render with sample values or with none, once per file."""
        out: list[tuple[TemplateFile, SampleRender]] = []
        for locale in self.ctx.kb.locales:
            for partial in (GREETING, SIGNATURE):
                found = self.ctx.kb.templates.get(locale, {}).get(partial)
                if found is None or self.ctx.info(found).syntax_error is not None:
                    continue
                samples: dict[str, Any] = {"order": SampleRecord(), "customer": SampleRecord()}
                empty = draft_values({})
                for values, when in ((samples, "with sample values"), (empty, "with no values")):
                    try:
                        self._render_one(self.ctx.render_environment(locale), f"{partial}.j2", values)
                    except RenderError as e:
                        failure = self._failure(found, str(e))
                        out.append((found, SampleRender(error=f"{when}: {failure.error}", line=failure.line)))
                        break
        return out
