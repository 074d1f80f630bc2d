"""A template is not valid Jinja, or fails to render with sample values of the declared types.

An unclosed tag, an unknown filter, a stray ``endif``, or a filter given a value of the wrong type
(``{{ eta | money }}`` for a date) is reported at the template line Jinja names, before a
customer-facing render fails. Every reply template is rendered with sample values of its entry's
variables (replykit.values.sample_value) to find the errors the syntax tree cannot show, and again
with no values at all, as ``replykit render --allow-missing`` shows a draft: required variables
are ``[name]`` markers, optional ones absent, ``order`` and ``customer`` empty.

A byte-order mark, a NUL or another control character in the file is reported too: it would be
pasted, invisible, into the customer's reply (replykit refuses to render such a template).

Fails (``templates/en/track-order.j2``)::

    {% if eta is defined %}Your parcel arrives on {{ eta | date }}.

Passes::

    {% if eta is defined %}Your parcel arrives on {{ eta | date }}.{% endif %}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position, TemplateFile
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation
from replykit.lint.sample import SampleRender
from replykit.rendering import bad_character

#: Stand-ins whose real values lint cannot know; failures on them are not the template's fault.
_UNKNOWN_SHAPE = frozenset({"order", "customer"})


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for template in ctx.templates():
        bad = _bad_characters(template)
        if bad is not None:
            yield Violation(Position(template.file, bad[0]), bad[1], ctx.owners(template))
            continue
        error = ctx.info(template).syntax_error
        if error is not None:
            yield Violation(
                Position(template.file, error.lineno or 1),
                f"Jinja syntax error: {error.message}",
                ctx.owners(template),
            )
            continue
        outcome = ctx.sample_render(template)
        failed = outcome is not None and outcome.error is not None and not outcome.undefined
        if outcome is not None and failed and not _UNKNOWN_SHAPE & set(ctx.reached(template)):
            yield Violation(
                Position(template.file, outcome.line),
                f"fails to render with sample values of the declared types: {outcome.error}",
                ctx.owners(template),
            )
            continue
        bare = ctx.bare_render(template)
        if bare is not None and bare.error is not None and not _undeclared(ctx, template, bare):
            yield Violation(
                Position(template.file, bare.line),
                f"fails to render with no values (as `replykit render --allow-missing` does): {bare.error}",
                ctx.owners(template),
            )
    for partial, outcome in ctx.sampler.partial_failures():
        yield Violation(
            Position(partial.file, outcome.line),
            f"fails to render {outcome.error}",
        )


def _undeclared(ctx: LintContext, template: TemplateFile, outcome: SampleRender) -> bool:
    """An undefined name: undeclared-variable reports names nobody declares; an optional variable
    used without ``is defined`` stops a render with a clear message (exit 2), not a crash."""
    return outcome.undefined


RULE = Rule(id="template-syntax", level="error", check=check, doc=__doc__ or "")


def _bad_characters(template: TemplateFile) -> tuple[int, str] | None:
    """A byte-order mark or a control character in the file: it would reach the customer's reply."""
    try:
        raw = template.path.read_bytes()
    except OSError:
        return None  # unreadable files are the loader's to report
    if raw.startswith(b"\xef\xbb\xbf"):
        return 1, "the file starts with a byte-order mark (U+FEFF): save it as UTF-8 without BOM"
    found = bad_character(raw.decode("utf-8", errors="replace"))
    if found is None:
        return None
    line, what = found
    return line, f"{what} in the template would reach the customer's reply: remove it"
